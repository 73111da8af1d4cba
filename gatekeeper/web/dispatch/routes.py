"""``/dispatch``: dispatchers book vehicles for their docks and cancel bookings; each
booking is checked as the gate will check it (services.bookings)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from gatekeeper.access import STAFF_ROLES, roles_required
from gatekeeper.extensions import db
from gatekeeper.models import (
    Booking,
    BookingStatus,
    Carrier,
    CarrierStatus,
    DangerousGood,
    Dock,
    FleetImport,
    Passage,
    Person,
    PersonKind,
    ReviewStatus,
    Role,
    Vehicle,
)
from gatekeeper.models.types import record_id
from gatekeeper.services import (
    audit,
    booking_imports,
    bookings,
    holding,
    inventory,
    pass_pdf,
    passes,
)
from gatekeeper.services import gate as gate_service
from gatekeeper.services.clock import local
from gatekeeper.services.gate.evaluation import gate_rules
from gatekeeper.services.imports import errors_csv
from gatekeeper.services.imports import queue as import_queue
from gatekeeper.services.park import park_settings
from gatekeeper.services.park_map import park_map
from gatekeeper.web.arguments import companies
from gatekeeper.web.dispatch.forms import BookingForm, BookingImportForm
from gatekeeper.web.form_errors import show_errors
from gatekeeper.web.home.forms import AlertActionForm
from gatekeeper.web.imports import upload
from gatekeeper.web.labels import check_message, label_of, phrase_separator, translated
from gatekeeper.web.navigation import local_next

bp = Blueprint("dispatch", __name__, url_prefix="/dispatch", template_folder="templates")
DISPATCHERS = (Role.DISPATCHER, *STAFF_ROLES)
# The service's window fields, as the form asks for them (a day and two times).
WINDOW_FIELDS = {"window_start": "start", "window_end": "end"}


def _choices(form: BookingForm, carrier_id: int | None) -> None:
    """Approved vehicles and crews of approved carriers (or of the one carrier), named
    with their carrier."""
    carriers = select(Carrier.id).where(Carrier.status == CarrierStatus.APPROVED)
    if carrier_id is not None:
        carriers = carriers.where(Carrier.id == carrier_id)
    vehicles = db.session.scalars(
        select(Vehicle)
        .where(Vehicle.carrier_id.in_(carriers), Vehicle.review_status == ReviewStatus.APPROVED)
        .options(selectinload(Vehicle.carrier))
        .order_by(Vehicle.plate)
    ).all()
    persons = db.session.scalars(
        select(Person)
        .where(Person.carrier_id.in_(carriers), Person.review_status == ReviewStatus.APPROVED)
        .options(selectinload(Person.carrier))
        .order_by(Person.full_name)
    ).all()
    none = [("", gettext("— none —"))]

    def named(item: Any, text: str) -> tuple[str, str]:
        return str(item.id), f"{text} · {item.carrier.name if item.carrier else ''}"

    form.vehicle_id.choices = [named(v, v.plate) for v in vehicles if not v.is_trailer]
    form.trailer_id.choices = none + [named(v, v.plate) for v in vehicles if v.is_trailer]
    form.driver_id.choices = [named(p, p.full_name) for p in persons if p.kind is PersonKind.DRIVER]
    form.escort_id.choices = none + [
        named(p, p.full_name) for p in persons if p.kind is PersonKind.ESCORT
    ]
    docks = db.session.scalars(select(Dock).order_by(Dock.code)).all()
    form.dock_id.choices = [(str(d.id), f"{d.code} · {d.name}") for d in docks]


@bp.route("/bookings/new", methods=["GET", "POST"])
@roles_required(*DISPATCHERS)
def new() -> ResponseReturnValue:
    return booking_page(None, "home.bookings")


def booking_page(
    carrier_id: int | None, done: str, booking: Booking | None = None
) -> ResponseReturnValue:
    """The booking form: a dispatcher books any approved carrier's vehicle; a carrier
    (``carrier_id``) requests one for its own; with ``booking``, it is changed.
    ``done``: the list to go back to."""
    form = BookingForm(data=_form_values(booking) if booking and request.method == "GET" else None)
    _choices(form, carrier_id)

    def page(status: int) -> ResponseReturnValue:
        html = render_template(
            "dispatch/booking_form.html",
            form=form,
            back=done,
            booking=booking,
            hazmat_hours=gate_rules(park_settings()).hazmat_hours,
        )
        return html, status

    if not form.validate_on_submit():
        return page(400 if form.is_submitted() else 200)
    data, rows = form.values()
    vehicle = db.session.get(Vehicle, int(data["vehicle_id"] or 0))
    data["carrier_id"] = carrier_id or (vehicle.carrier_id if vehicle else 0)
    try:
        start, end = bookings.window(form.day.data, form.start.data or "", form.end.data or "")
    except ValueError:
        form.start.errors = [*form.start.errors, gettext("a time as HH:MM")]
        return page(400)
    data.update(window_start=start, window_end=end)
    days = bookings.repeat_days(form.day.data, form.repeat_until.data, form.weekdays_only.data)
    try:
        if booking is not None:
            data.pop("carrier_id")
            bookings.change(booking, data, current_user)
            made = [booking]
        else:
            made = bookings.create_recurring(data, current_user, days)
    except bookings.BookingError as exc:
        db.session.rollback()
        texts = {name: translated(message.to_dict()) for name, message in exc.errors.items()}
        show_errors(form, texts, rows, WINDOW_FIELDS)
        return page(400)
    db.session.commit()
    flash(
        gettext(
            "Booked: %(reference)s, waiting for the park's approval",
            reference=", ".join(b.reference for b in made),
        ),
        "ok",
    )
    return redirect(url_for(done, day=form.day.data.isoformat()))


def _form_values(booking: Booking) -> dict[str, Any]:
    """A stored booking as the form shows it (park-local day and times)."""
    start, end = local(booking.window_start), local(booking.window_end)
    return {
        "vehicle_id": str(booking.vehicle_id),
        "trailer_id": str(booking.trailer_id or ""),
        "driver_id": str(booking.driver_id),
        "escort_id": str(booking.escort_id or ""),
        "dock_id": str(booking.dock_id),
        "direction": booking.direction.value,
        "day": start.date(),
        "start": f"{start:%H:%M}",
        "end": f"{end:%H:%M}",
        "waybill_number": booking.waybill_number or "",
        "notes": booking.notes or "",
        "cargo": [
            {
                "un": line.un_number or "",
                "quantity": f"{line.quantity.normalize():f}",
                "unit": line.unit.value,
                "packaging": line.packaging.value,
                "transport_category": ""
                if line.transport_category is None
                else str(line.transport_category),
            }
            for line in booking.cargo
        ]
        + [{}] * max(0, 3 - len(booking.cargo)),
    }


def find_booking(reference: str, carrier_id: int | None = None) -> Booking:
    query = select(Booking).where(Booking.reference == reference)
    if carrier_id is not None:
        query = query.where(Booking.carrier_id == carrier_id)
    booking = db.session.scalar(query)
    if booking is None:
        abort(404)  # another carrier's booking is not revealed
    return booking


def show_booking(booking: Booking, area: str) -> ResponseReturnValue:
    """One booking: its values, approval steps, planned route on the park map, the pass.
    ``area``: the blueprint whose pass links the page shows (dispatch or carrier)."""
    from gatekeeper.domain.gate.adr import small_load_points
    from gatekeeper.services.gate.evaluation import booking_record

    dangerous = booking_record(booking).dangerous_cargo
    points = small_load_points(dangerous) if dangerous else 0.0
    return render_template(
        "dispatch/booking.html",
        booking=booking,
        area=area,
        pmap=park_map(),
        route=[stop.node.code for stop in booking.route],
        points=points,
        threshold=park_settings().small_load_points_threshold,
        valid=passes.validity(booking),
        cancel_form=AlertActionForm(),
    )


def show_pass(booking: Booking, pdf: bool) -> ResponseReturnValue:
    """The printable pass (page or PDF) of an approved booking."""
    if booking.status not in (BookingStatus.APPROVED, BookingStatus.ARRIVED):
        flash(gettext("The pass is printed once the park has approved the booking"), "error")
        return redirect(request.referrer or url_for("home.index"))
    park_name = park_settings().name
    audit.record(
        "booking.pass_printed",
        entity_type="booking",
        entity_id=booking.id,
        details={"reference": booking.reference, "pdf": pdf},
    )
    db.session.commit()
    if pdf:
        response = make_response(pass_pdf.render(booking, park_name))
        response.headers["Content-Type"] = "application/pdf"
        response.headers["Content-Disposition"] = f'inline; filename="pass-{booking.reference}.pdf"'
        return response
    token = passes.pass_token(booking)
    return render_template(
        "dispatch/booking_pass.html",
        booking=booking,
        park_name=park_name,
        qr=Markup(passes.qr_svg(token)),  # noqa: S704 (SVG made by qrcode from our token)
        valid=passes.validity(booking),
    )


@bp.route("/bookings/<reference>")
@roles_required(*DISPATCHERS)
def booking_detail(reference: str) -> ResponseReturnValue:
    return show_booking(find_booking(reference), "dispatch")


@bp.route("/bookings/<reference>/pass")
@roles_required(*DISPATCHERS)
def booking_pass(reference: str) -> ResponseReturnValue:
    return show_pass(find_booking(reference), pdf=False)


@bp.route("/bookings/<reference>/pass.pdf")
@roles_required(*DISPATCHERS)
def booking_pass_pdf(reference: str) -> ResponseReturnValue:
    return show_pass(find_booking(reference), pdf=True)


@bp.route("/bookings/<reference>/edit", methods=["GET", "POST"])
@roles_required(*DISPATCHERS)
def edit(reference: str) -> ResponseReturnValue:
    booking = db.session.scalar(select(Booking).where(Booking.reference == reference))
    if booking is None:
        abort(404)
    return booking_page(None, "home.bookings", booking)


def _booking_action(
    reference: str, act: Callable[[Booking, str | None], None], done: str
) -> ResponseReturnValue:
    """A step on a booking from the bookings page: refused ones say why, done ones commit."""
    booking = db.session.scalar(select(Booking).where(Booking.reference == reference))
    if booking is None:
        abort(404)
    form = AlertActionForm()
    back = redirect(local_next(request.form.get("next"), url_for("home.bookings")))
    if not form.validate_on_submit():
        flash(gettext("The form expired: try again"), "error")
        return back
    try:
        act(booking, form.comment.data)
    except bookings.BookingError as exc:
        db.session.rollback()
        for message in exc.errors.values():
            flash(f"{reference}: {translated(message.to_dict())}", "error")
        return back
    db.session.commit()
    flash(f"{reference}: {done or label_of(booking.status)}", "ok")
    return back


@bp.route("/bookings/<reference>/cancel", methods=["POST"])
@roles_required(*DISPATCHERS)
def cancel(reference: str) -> ResponseReturnValue:
    return _booking_action(
        reference,
        lambda booking, comment: bookings.cancel(booking, current_user, comment),
        "",
    )


@bp.route("/bookings/<reference>/unloaded", methods=["POST"])
@roles_required(*DISPATCHERS)
def unloaded(reference: str) -> ResponseReturnValue:
    """The dock took the delivery: the goods leave the vehicle (the park's inventory)."""
    booking = find_booking(reference)
    own = _own_company()
    if own is not None and booking.company_id != own:
        abort(404)  # another company's delivery
    back = redirect(url_for(".booking_detail", reference=reference))
    if not AlertActionForm().validate_on_submit():
        flash(gettext("The form expired: try again"), "error")
        return back
    try:
        inventory.mark_unloaded(booking, current_user)
    except inventory.InventoryError as exc:
        db.session.rollback()
        flash(f"{reference}: {gettext(str(exc))}", "error")
        return back
    db.session.commit()
    flash(
        gettext("%(reference)s: unloaded; the goods are off the vehicle", reference=reference), "ok"
    )
    return back


@bp.app_template_global("booking_step")
def booking_step(booking: Booking) -> str | None:
    """What the signed-in user may do next with a booking: accept (the receiving
    company), approve (the park), or nothing."""
    if booking.status is BookingStatus.REQUESTED and bookings.may_accept(current_user, booking):
        return "accept"
    if booking.status is BookingStatus.ACCEPTED and bookings.may_approve(current_user):
        return "approve"
    return None


@bp.route("/bookings/<reference>/<any(approve, reject):step>", methods=["POST"])
@roles_required(*DISPATCHERS)
def decide(reference: str, step: str) -> ResponseReturnValue:
    return _booking_action(
        reference,
        lambda booking, comment: bookings.decide(booking, current_user, step, comment),
        "",
    )


# --- importing bookings ----------------------------------------------------------------------


def _visible_imports() -> Select[FleetImport]:
    query = select(FleetImport).where(FleetImport.what == "bookings")
    if current_user.role is Role.DISPATCHER:
        query = query.where(FleetImport.user_id == current_user.id)
    return query


@bp.route("/imports", methods=["GET", "POST"])
@roles_required(*DISPATCHERS)
def imports_page() -> ResponseReturnValue:
    """Import bookings from a CSV/XLSX file or e-waybills (JSON) as a background job."""
    form = BookingImportForm()
    started, status = upload(
        form,
        lambda name, data: booking_imports.start(current_user, name, data),
        import_queue,
    )
    if started is not None:
        return started
    earlier = db.session.scalars(_visible_imports().order_by(FleetImport.id.desc()).limit(20)).all()
    return render_template("dispatch/imports.html", form=form, earlier=earlier), status


def _import(import_id: int) -> FleetImport:
    job: FleetImport | None = db.session.scalar(
        _visible_imports().where(FleetImport.id == import_id)
    )
    if job is None:
        abort(404)
    return job


@bp.route("/imports/<int:import_id>")
@roles_required(*DISPATCHERS)
def import_status(import_id: int) -> ResponseReturnValue:
    return render_template("dispatch/import.html", job=_import(import_id))


@bp.route("/imports/<int:import_id>/errors.csv")
@roles_required(*DISPATCHERS)
def import_errors(import_id: int) -> ResponseReturnValue:
    job = _import(import_id)
    return Response(
        "\ufeff" + errors_csv(job, gettext),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=import-{job.id}-errors.csv"},
    )


@bp.route("/imports/template.csv")
@roles_required(*DISPATCHERS)
def import_template() -> ResponseReturnValue:
    return Response(
        "\ufeff" + booking_imports.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=gatekeeper-bookings.csv"},
    )


# --- the holding lot: the receiving companies and the park call vehicles forward ------------


def _own_company() -> int | None:
    """A receiving company's dispatcher sees its own deliveries; the park sees all (or
    the company chosen in the filter)."""
    if current_user.role is Role.DISPATCHER and current_user.company_id is not None:
        return int(current_user.company_id)
    return record_id(request.values.get("company")) or None


@bp.route("/holding")
@roles_required(*DISPATCHERS)
def holding_page() -> ResponseReturnValue:
    company_id = _own_company()
    rows = holding.waiting(company_id)
    return render_template(
        "dispatch/holding.html",
        rows=rows,
        lot=holding.lot_state(holding.waiting()),
        company_id=company_id,
        companies=companies(),
        own_company=current_user.role is Role.DISPATCHER and current_user.company_id is not None,
        may_call_by_capacity=bookings.may_approve(current_user),
        form=AlertActionForm(),
    )


def _after_call(passages: list[Passage]) -> None:
    """Commit the calls, lift the lot's barrier for each vehicle now allowed, tell the
    drivers, and say what happened."""
    db.session.commit()
    for passage in passages:
        allowed = gate_service.should_open(passage)
        if allowed:
            gate_service.open_barrier(passage, current_user)
        holding.notify_called(passage)
        flash(
            gettext("%(plate)s called forward: the barrier opens", plate=passage.plate_read or "?")
            if allowed
            else gettext(
                "%(plate)s called, but the rules still hold it: %(why)s",
                plate=passage.plate_read or "?",
                why=phrase_separator().join(
                    check_message(r) for r in passage.reasons if r.get("outcome") == "fail"
                ),
            ),
            "ok" if allowed else "error",
        )


def _holding_back() -> ResponseReturnValue:
    company = request.form.get("company", type=int)
    return redirect(
        url_for(".holding_page", company=company) if company else url_for(".holding_page")
    )


@bp.route("/holding/<int:passage_id>/call", methods=["POST"])
@roles_required(*DISPATCHERS)
def holding_call(passage_id: int) -> ResponseReturnValue:
    if not AlertActionForm().validate_on_submit():
        flash(gettext("The form expired: try again"), "error")
        return _holding_back()
    passage = gate_service.lock_passage(passage_id)
    if passage is None:
        abort(404)
    try:
        holding.call(passage, current_user)
    except gate_service.ActionError as exc:
        db.session.rollback()
        flash(gettext(str(exc)), "error")
        return _holding_back()
    _after_call([passage])
    return _holding_back()


@bp.route("/holding/next", methods=["POST"])
@roles_required(*DISPATCHERS)
def holding_next() -> ResponseReturnValue:
    if not AlertActionForm().validate_on_submit():
        flash(gettext("The form expired: try again"), "error")
        return _holding_back()
    try:
        passage = holding.call_next(_own_company(), current_user)
    except gate_service.ActionError as exc:
        db.session.rollback()
        flash(gettext(str(exc)), "error")
        return _holding_back()
    if passage is None:
        flash(gettext("Nobody is waiting."), "ok")
        return _holding_back()
    _after_call([passage])
    return _holding_back()


@bp.route("/holding/by-capacity", methods=["POST"])
@roles_required(Role.MANAGER, Role.ADMIN)
def holding_by_capacity() -> ResponseReturnValue:
    if not AlertActionForm().validate_on_submit():
        flash(gettext("The form expired: try again"), "error")
        return _holding_back()
    called = holding.call_by_capacity(current_user)
    if not called:
        db.session.rollback()
        flash(gettext("No dock has room for a waiting vehicle now"), "ok")
        return _holding_back()
    _after_call(called)
    return _holding_back()


@bp.route("/dangerous-goods")
@roles_required(Role.CARRIER, *DISPATCHERS)
def dangerous_goods() -> ResponseReturnValue:
    """Search the dangerous-goods list by UN number or name (the booking form's UN field):
    name, class and HIN of each, at most 20."""
    query = (request.args.get("q") or "").strip()[:60]
    if len(query) < 2:
        return jsonify(goods=[])
    condition = (
        DangerousGood.un_number.startswith(query)
        if query.isdigit()
        else func.lower(DangerousGood.name).contains(query.lower())
    )
    found = db.session.scalars(
        select(DangerousGood).where(condition).order_by(DangerousGood.un_number).limit(20)
    )
    return jsonify(
        goods=[
            {
                "un": good.un_number,
                "name": good.name[:120],
                "class": good.hazard_class,
                "hin": list(good.hazard_id_numbers or []),
                "tunnel_code": good.tunnel_code,
            }
            for good in found
        ]
    )

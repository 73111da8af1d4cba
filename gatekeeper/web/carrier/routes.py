"""``/carrier``: a carrier's own vehicles, registered and changed here (not in the admin
area); the park reviews each registration and change."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from gatekeeper.access import roles_required
from gatekeeper.domain.messages import N_
from gatekeeper.extensions import db
from gatekeeper.models import (
    PERSON_DOCUMENTS,
    VEHICLE_DOCUMENTS,
    Booking,
    BookingStatus,
    Document,
    DocumentKind,
    FleetImport,
    Person,
    Role,
    RouteStop,
    Vehicle,
)
from gatekeeper.services import carriers, crew, dayplan, fleet, imports
from gatekeeper.services import documents as document_service
from gatekeeper.services.clock import day_bounds, park_today
from gatekeeper.web import downloads
from gatekeeper.web.auth.forms import CompanyForm, InvitationForm
from gatekeeper.web.carrier.forms import DocumentForm, ImportForm, PersonForm, VehicleForm
from gatekeeper.web.form_errors import show_errors
from gatekeeper.web.imports import upload
from gatekeeper.web.paging import paginate

bp = Blueprint("carrier", __name__, url_prefix="/carrier", template_folder="templates")


def _carrier_id() -> int:
    if current_user.carrier_id is None:  # the schema forbids this; fail closed anyway
        abort(403)
    return int(current_user.carrier_id)


def _own(vehicle_id: int) -> Vehicle:
    vehicle = fleet.carrier_vehicle(_carrier_id(), vehicle_id)
    if vehicle is None:
        abort(404)  # another carrier's vehicle is not revealed
    return vehicle


def _show_errors(form: Any, exc: fleet.FleetError, rows: list[int] | None = None) -> None:
    """Each message beside its field; ``rows`` maps a certificate's index in the input to
    its row in the person form."""
    show_errors(form, {name: gettext(message) for name, message in exc.errors.items()}, rows)


def _render(form: VehicleForm, vehicle: Vehicle | None, status: int = 200) -> ResponseReturnValue:
    page = render_template("carrier/vehicle_form.html", form=form, vehicle=vehicle)
    return page, status


@bp.route("/vehicles/new", methods=["GET", "POST"])
@roles_required(Role.CARRIER)
def vehicle_new() -> ResponseReturnValue:
    _carrier_id()
    form = VehicleForm()
    if not form.validate_on_submit():
        return _render(form, None, 400 if form.is_submitted() else 200)
    try:
        vehicle = fleet.register_vehicle(current_user.carrier, form.values())
    except fleet.FleetError as exc:
        db.session.rollback()
        _show_errors(form, exc)
        return _render(form, None, 400)
    db.session.commit()
    flash(gettext("%(plate)s registered: the park reviews it", plate=vehicle.plate), "ok")
    return redirect(url_for("home.fleet"))


@bp.route("/vehicles/<int:vehicle_id>/edit", methods=["GET", "POST"])
@roles_required(Role.CARRIER)
def vehicle_edit(vehicle_id: int) -> ResponseReturnValue:
    vehicle = _own(vehicle_id)
    # On a POST the form shows what was sent, never the stored values under it.
    form = VehicleForm(data=None if request.method == "POST" else _form_values(vehicle))
    if not form.validate_on_submit():
        return _render(form, vehicle, 400 if form.is_submitted() else 200)
    try:
        changed = fleet.change_vehicle(vehicle, form.values())
    except fleet.FleetError as exc:
        db.session.rollback()
        _show_errors(form, exc)
        return _render(form, vehicle, 400)
    db.session.commit()
    flash(
        gettext("%(plate)s changed: the park reviews it again", plate=vehicle.plate)
        if changed
        else gettext("Nothing changed"),
        "ok",
    )
    return redirect(url_for("home.fleet"))


def _form_values(vehicle: Vehicle) -> dict[str, Any]:
    """A vehicle's stored values as the form shows them (dates as YYYY-MM-DD)."""
    shown: dict[str, Any] = {}
    for name in fleet.VehicleInput.model_fields:
        value = getattr(vehicle, name)
        if name == "tank_approved":
            value = ", ".join(value or [])
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        elif hasattr(value, "value"):
            value = value.value
        shown[name] = "" if value is None else value
    return shown


# --- drivers and escorts ---------------------------------------------------------------------


def _own_person(person_id: int) -> Person:
    person = crew.carrier_person(_carrier_id(), person_id)
    if person is None:
        abort(404)  # another carrier's person is not revealed
    return person


def _render_person(
    form: PersonForm, person: Person | None, status: int = 200
) -> ResponseReturnValue:
    return render_template("carrier/person_form.html", form=form, person=person), status


@bp.route("/persons/new", methods=["GET", "POST"])
@roles_required(Role.CARRIER)
def person_new() -> ResponseReturnValue:
    _carrier_id()
    form = PersonForm()
    if not form.validate_on_submit():
        return _render_person(form, None, 400 if form.is_submitted() else 200)
    data, rows = form.values()
    try:
        person = crew.register_person(current_user.carrier, data)
    except fleet.FleetError as exc:
        db.session.rollback()
        _show_errors(form, exc, rows)
        return _render_person(form, None, 400)
    db.session.commit()
    flash(gettext("%(name)s registered: the park reviews it", name=person.full_name), "ok")
    return redirect(url_for("home.fleet") + "#persons")


@bp.route("/persons/<int:person_id>/edit", methods=["GET", "POST"])
@roles_required(Role.CARRIER)
def person_edit(person_id: int) -> ResponseReturnValue:
    person = _own_person(person_id)
    form = PersonForm(data=None if request.method == "POST" else _person_values(person))
    if not form.validate_on_submit():
        return _render_person(form, person, 400 if form.is_submitted() else 200)
    data, rows = form.values()
    try:
        changed = crew.change_person(person, data)
    except fleet.FleetError as exc:
        db.session.rollback()
        _show_errors(form, exc, rows)
        return _render_person(form, person, 400)
    db.session.commit()
    flash(
        gettext("%(name)s changed: the park reviews it again", name=person.full_name)
        if changed
        else gettext("Nothing changed"),
        "ok",
    )
    return redirect(url_for("home.fleet") + "#persons")


def _person_values(person: Person) -> dict[str, Any]:
    """A person's stored values as the form shows them (the ID number is not kept)."""
    shown = crew.current_input(person)
    shown["id_document_type"] = person.id_document_type.value if person.id_document_type else ""
    shown["nationality"] = shown["nationality"] or ""
    shown["phone"] = shown["phone"] or ""
    certificates = [
        {**q, "classes": ", ".join(q["classes"]), "valid_from": q["valid_from"] or ""}
        for q in shown.pop("qualifications")
    ]
    shown["qualifications"] = certificates + [{}] * max(0, 2 - len(certificates))
    return shown


# --- the company's users ---------------------------------------------------------------------


@bp.route("/users", methods=["GET", "POST"])
@roles_required(Role.CARRIER)
def users() -> ResponseReturnValue:
    """The carrier's users; a user invites a colleague (the link is shown once)."""
    carrier_id = _carrier_id()
    form = InvitationForm()
    link = None
    status = 200
    if form.validate_on_submit():
        try:
            user, token = carriers.invite(current_user, form.data)
        except fleet.FleetError as exc:
            db.session.rollback()
            _show_errors(form, exc)
            status = 400
        else:
            db.session.commit()
            link = url_for("auth.invitation", token=token, _external=True)
            flash(gettext("%(name)s is invited", name=user.display_name), "ok")
            form = InvitationForm(formdata=None)
    elif form.is_submitted():
        status = 400
    page = render_template(
        "carrier/users.html",
        users=carriers.carrier_users(carrier_id),
        form=form,
        link=link,
        days=carriers.INVITATION_DAYS,
    )
    return page, status


# --- documents -------------------------------------------------------------------------------


@bp.route("/<any(vehicles, persons):what>/<int:owner_id>/documents", methods=["GET", "POST"])
@roles_required(Role.CARRIER)
def documents(what: str, owner_id: int) -> ResponseReturnValue:
    """A vehicle's or person's documents, what was read on each, and the upload form."""
    owner: Vehicle | Person = _own(owner_id) if what == "vehicles" else _own_person(owner_id)
    kinds = VEHICLE_DOCUMENTS if isinstance(owner, Vehicle) else PERSON_DOCUMENTS
    form = DocumentForm(kinds)
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            kind = DocumentKind(form.kind.data)
            document = document_service.upload(
                owner, kind, upload.filename or "", upload.read(), current_user
            )
        except ValueError as exc:
            db.session.rollback()
            errors = exc.errors if isinstance(exc, fleet.FleetError) else {"kind": "not valid"}
            for name, message in errors.items():
                field = getattr(form, name, form.file)
                field.errors = [*field.errors, gettext(message)]
            status = 400
        else:
            db.session.commit()
            document_service.queue_reading(document)
            flash(
                gettext("Uploaded and read: see below what was read")
                if document.read_status == "done"
                else gettext("Uploaded: the document is being read"),
                "ok",
            )
            return redirect(url_for(".documents", what=what, owner_id=owner_id))
    elif form.is_submitted():
        status = 400
    page = render_template(
        "carrier/documents.html",
        owner=owner,
        what=what,
        documents=document_service.documents_of(owner),
        form=form,
    )
    return page, status


@bp.route("/documents/<int:document_id>/file")
@roles_required(Role.CARRIER)
def document_file(document_id: int) -> ResponseReturnValue:
    document = document_service.carrier_document(_carrier_id(), document_id)
    if document is None:
        abort(404)  # another carrier's document is not revealed
    return send_document(document)


def send_document(document: Document) -> ResponseReturnValue:
    """The stored file, under its own type (its content security policy: app.FILE_CSP)."""
    path = document_service.path_of(document)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=document.content_type,
        download_name=document.original_name,
        as_attachment=False,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- importing a fleet from a spreadsheet ----------------------------------------------------


@bp.route("/imports", methods=["GET", "POST"])
@roles_required(Role.CARRIER)
def imports_page() -> ResponseReturnValue:
    """Import vehicles or persons from a CSV or XLSX file; earlier imports below."""
    carrier_id = _carrier_id()
    form = ImportForm()
    started, status = upload(
        form,
        lambda name, data: imports.start(
            current_user.carrier, current_user, form.what.data or "", name, data
        ),
        imports.queue,
    )
    if started is not None:
        return started
    earlier = db.session.scalars(
        select(FleetImport)
        .where(FleetImport.carrier_id == carrier_id)
        .order_by(FleetImport.id.desc())
        .limit(20)
    ).all()
    return render_template("carrier/imports.html", form=form, earlier=earlier), status


def _own_import(import_id: int) -> FleetImport:
    job = db.session.scalar(
        select(FleetImport).where(
            FleetImport.id == import_id, FleetImport.carrier_id == _carrier_id()
        )
    )
    if job is None:
        abort(404)  # another carrier's import is not revealed
    return job


@bp.route("/imports/<int:import_id>")
@roles_required(Role.CARRIER)
def import_status(import_id: int) -> ResponseReturnValue:
    return render_template("carrier/import.html", job=_own_import(import_id))


@bp.route("/imports/<int:import_id>/errors.csv")
@roles_required(Role.CARRIER)
def import_errors(import_id: int) -> ResponseReturnValue:
    job = _own_import(import_id)
    body = "\ufeff" + imports.errors_csv(job, gettext)  # a BOM: spreadsheets read UTF-8
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=import-{job.id}-errors.csv"},
    )


@bp.route("/imports/template-<any(vehicles, persons):what>.csv")
@roles_required(Role.CARRIER)
def import_template(what: str) -> ResponseReturnValue:
    return Response(
        "\ufeff" + imports.template_csv(what),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=gatekeeper-{what}.csv"},
    )


@bp.route("/company", methods=["GET", "POST"])
@roles_required(Role.CARRIER)
def company() -> ResponseReturnValue:
    """The carrier's own company: contact and road transport licence."""
    _carrier_id()
    carrier = current_user.carrier
    form = CompanyForm(obj=None if request.method == "POST" else carrier)
    status = 200
    if form.validate_on_submit():
        try:
            changed = carriers.change_company(carrier, form.data)
        except fleet.FleetError as exc:
            db.session.rollback()
            _show_errors(form, exc)
            status = 400
        else:
            db.session.commit()
            flash(gettext("Saved") if changed else gettext("Nothing changed"), "ok")
            return redirect(url_for(".company"))
    elif form.is_submitted():
        status = 400
    return render_template("carrier/company.html", form=form, carrier=carrier), status


# --- the carrier's bookings ------------------------------------------------------------------


@bp.route("/bookings")
@roles_required(Role.CARRIER)
def bookings_page() -> ResponseReturnValue:
    """The carrier's bookings: those to come (the default), past ones or all, by status,
    searched by reference, waybill or plate; paged, and downloadable as CSV or XLSX."""
    query, filters = _bookings_filtered()
    page = paginate(query, BOOKINGS_PER_PAGE)
    return render_template(
        "carrier/bookings.html",
        page=page,
        bookings=page.items,
        filters=filters,
        periods=PERIODS,
        statuses=list(BookingStatus),
    )


@bp.route("/bookings.<kind>")
@roles_required(Role.CARRIER)
def bookings_export(kind: str) -> ResponseReturnValue:
    """The bookings the page finds (every page of them) as CSV or XLSX, in the reader's
    language."""
    if kind not in downloads.KINDS:
        abort(404)
    query, filters = _bookings_filtered()
    rows = dayplan.export_rows(list(db.session.scalars(query.limit(EXPORT_LIMIT))), None)
    headers = [gettext(column) for column in dayplan.export_columns(with_conflicts=False)]
    return downloads.table(
        kind, headers, rows, gettext("Your bookings"), f"bookings-{filters['period']}"
    )


BOOKINGS_PER_PAGE = 50
EXPORT_LIMIT = 10_000
PERIODS = {  # N_ marked: the page shows them in the reader's language
    "upcoming": N_("Today and later"),
    "past": N_("Past"),
    "all": N_("All"),
}


def _bookings_filtered() -> tuple[Select[Any], dict[str, Any]]:
    period = request.args.get("period", "upcoming")
    if period not in PERIODS:
        period = "upcoming"
    try:
        status = BookingStatus(request.args["status"]) if request.args.get("status") else None
    except ValueError:
        status = None
    text = request.args.get("q", "").strip()[:40]
    start, _end = day_bounds(park_today())
    query = (
        select(Booking)
        .where(Booking.carrier_id == _carrier_id())
        .options(
            selectinload(Booking.cargo),
            selectinload(Booking.route).selectinload(RouteStop.node),
        )
    )
    if period == "upcoming":
        query = query.where(Booking.window_end >= start).order_by(Booking.window_start)
    elif period == "past":
        query = query.where(Booking.window_end < start)
    if period != "upcoming":
        query = query.order_by(Booking.window_start.desc())
    if status is not None:
        query = query.where(Booking.status == status)
    if text:
        query = query.where(dayplan.matching(text))
    return query.order_by(Booking.id), {"period": period, "status": status, "q": text}


@bp.route("/bookings/new", methods=["GET", "POST"])
@roles_required(Role.CARRIER)
def booking_new() -> ResponseReturnValue:
    """A carrier requests a booking for its own approved vehicle and crew."""
    from gatekeeper.web.dispatch.routes import booking_page

    return booking_page(_carrier_id(), "carrier.bookings_page")


@bp.route("/bookings/<reference>")
@roles_required(Role.CARRIER)
def booking_detail(reference: str) -> ResponseReturnValue:
    """One of the carrier's bookings: each approval step, the route on the map, the pass."""
    from gatekeeper.web.dispatch.routes import find_booking, show_booking

    return show_booking(find_booking(reference, _carrier_id()), "carrier")


@bp.route("/bookings/<reference>/pass")
@roles_required(Role.CARRIER)
def booking_pass(reference: str) -> ResponseReturnValue:
    from gatekeeper.web.dispatch.routes import find_booking, show_pass

    return show_pass(find_booking(reference, _carrier_id()), pdf=False)


@bp.route("/bookings/<reference>/pass.pdf")
@roles_required(Role.CARRIER)
def booking_pass_pdf(reference: str) -> ResponseReturnValue:
    from gatekeeper.web.dispatch.routes import find_booking, show_pass

    return show_pass(find_booking(reference, _carrier_id()), pdf=True)


@bp.route("/bookings/<reference>/edit", methods=["GET", "POST"])
@roles_required(Role.CARRIER)
def booking_edit(reference: str) -> ResponseReturnValue:
    """A carrier changes its own booking (not within the park's freeze period)."""
    from gatekeeper.web.dispatch.routes import booking_page

    booking = db.session.scalar(
        select(Booking).where(Booking.reference == reference, Booking.carrier_id == _carrier_id())
    )
    if booking is None:
        abort(404)  # another carrier's booking is not revealed
    return booking_page(_carrier_id(), "carrier.bookings_page", booking)

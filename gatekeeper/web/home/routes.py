"""The home page of each role and the overview pages it links to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import selectinload

from gatekeeper import jobs
from gatekeeper.access import ALL_ROLES, STAFF_ROLES, public, roles_required
from gatekeeper.domain.expiry import expiry_state
from gatekeeper.extensions import db
from gatekeeper.models import (
    AlertKind,
    AlertStatus,
    BookingStatus,
    Carrier,
    CarrierStatus,
    Document,
    Person,
    ReviewStatus,
    Role,
    Vehicle,
)
from gatekeeper.services import alerts as alert_service
from gatekeeper.services import carriers as carrier_service
from gatekeeper.services import crew, dayplan
from gatekeeper.services import documents as document_service
from gatekeeper.services import fleet as fleet_service
from gatekeeper.services import notices as notice_service
from gatekeeper.services import park_map as park_map_service
from gatekeeper.services.clock import park_today, parse_day
from gatekeeper.services.park import park_settings
from gatekeeper.web import downloads
from gatekeeper.web.arguments import member
from gatekeeper.web.carrier.routes import send_document
from gatekeeper.web.home import queries
from gatekeeper.web.home.forms import AlertActionForm, PlaceNodeForm
from gatekeeper.web.labels import label_of
from gatekeeper.web.navigation import local_next
from gatekeeper.web.paging import paginate

bp = Blueprint("home", __name__, template_folder="templates")


@bp.route("/")
@roles_required(*ALL_ROLES)
def index() -> ResponseReturnValue:
    return render_template(f"home/{current_user.role.value}.html", today=park_today())


@bp.route("/guard/lanes")
@roles_required(Role.GUARD, *STAFF_ROLES)
def lanes() -> ResponseReturnValue:
    today = park_today()
    return render_template(
        "home/lanes.html", gates=queries.gates(), expected=queries.expected_today(today)
    )


def _plan_filters() -> dayplan.Filters:
    try:
        day = parse_day(request.args["day"]) if request.args.get("day") else None
    except ValueError:
        abort(400)
    try:
        status = BookingStatus(request.args["status"]) if request.args.get("status") else None
    except ValueError:
        abort(400)
    return dayplan.Filters(
        day=day or park_today(),
        carrier_id=request.args.get("carrier", type=int),
        status=status,
        query=request.args.get("q", "")[:40],
    )


@bp.route("/dispatch/bookings")
@roles_required(Role.DISPATCHER, *STAFF_ROLES)
def bookings() -> ResponseReturnValue:
    """The day plan: a day's bookings (today by default) as a list or a timeline per dock
    or per gate, conflicts highlighted; filters, search, CSV; booking and cancelling."""
    filters = _plan_filters()
    view = request.args.get("view", "list")
    if view not in ("list", "docks", "gates"):
        view = "list"
    found = dayplan.find(filters)
    return render_template(
        "home/bookings.html",
        bookings=found,
        day=filters.day,
        filters=filters,
        view=view,
        statuses=list(BookingStatus),
        carriers=db.session.scalars(select(Carrier).order_by(Carrier.name)).all(),
        conflicts=dayplan.day_conflicts(filters.day),
        timeline=dayplan.timeline(filters.day, found, view) if view != "list" else None,
        cancel_form=AlertActionForm(),
    )


@bp.route("/dispatch/bookings.<kind>")
@roles_required(Role.DISPATCHER, *STAFF_ROLES)
def bookings_export(kind: str) -> ResponseReturnValue:
    """The bookings the page shows (same day, filters and search) as CSV or XLSX, in the
    reader's language like the page, times in the park's zone as ISO 8601."""
    if kind not in downloads.KINDS:
        abort(404)
    filters = _plan_filters()
    rows = dayplan.export_rows(dayplan.find(filters), dayplan.day_conflicts(filters.day))
    headers = [gettext(column) for column in dayplan.export_columns()]
    return downloads.table(kind, headers, rows, gettext("Bookings"), f"bookings-{filters.day}")


@bp.route("/manage/occupancy")
@roles_required(*STAFF_ROLES)
def occupancy() -> ResponseReturnValue:
    from gatekeeper.services import dashboard, holding

    return render_template(
        "home/occupancy.html",
        zones=dashboard.occupancy(holding.lot_state().waiting),
        hazmat=sorted(queries.hazmat_by_class().items()),
        page=paginate(queries.inside_now(), INSIDE_PER_PAGE),
    )


INSIDE_PER_PAGE = 50


@bp.route("/manage/map", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def park_map_page() -> ResponseReturnValue:
    """The admin places the road graph's nodes on the park map: pick a node, click where
    it is (or type its position); the routes and the booking pages draw it there."""
    form = PlaceNodeForm()
    current = park_map_service.park_map()
    form.node.choices = [(str(n.id), f"{n.code} {n.name}") for n in current.nodes]
    status = 200
    if form.validate_on_submit():
        try:
            node = park_map_service.place(
                int(form.node.data or 0),
                float(form.x.data or 0),
                float(form.y.data or 0),
                current_user,
            )
        except park_map_service.PlacementError:
            db.session.rollback()
            form.x.errors = [
                *form.x.errors,
                gettext("inside the map: 0 to 1000 across, 0 to 600 down"),
            ]
            status = 400
        else:
            db.session.commit()
            flash(gettext("%(node)s placed", node=node.code), "ok")
            return redirect(url_for(".park_map_page", node=node.id))
    elif form.is_submitted():
        status = 400
    if request.method == "GET" and request.args.get("node", "").isdigit():
        form.node.data = request.args["node"]
    return render_template("home/park_map.html", form=form, pmap=current), status


@bp.route("/manage/alerts")
@roles_required(*STAFF_ROLES)
def alerts() -> ResponseReturnValue:
    """Alerts to handle, the most severe first; filter by kind and status; paged."""
    kind = member(AlertKind, request.args.get("kind"))
    status = member(AlertStatus, request.args.get("status"))
    page = paginate(queries.alerts_query(kind, status), ALERTS_PER_PAGE)
    return render_template(
        "home/alerts.html",
        page=page,
        kind=kind,
        status=status,
        kinds=list(AlertKind),
        statuses=list(AlertStatus),
        form=AlertActionForm(),
    )


ALERTS_PER_PAGE = 25


@bp.route("/manage/alerts/<int:alert_id>/<any(acknowledge, resolve):step>", methods=["POST"])
@roles_required(*STAFF_ROLES)
def alert_step(alert_id: int, step: str) -> ResponseReturnValue:
    form = AlertActionForm()
    back = redirect(local_next(request.form.get("next"), url_for(".alerts")))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(f"#{alert_id}: {error}", "error")
        return back
    act = alert_service.acknowledge if step == "acknowledge" else alert_service.resolve
    try:
        act(alert_id, current_user, form.comment.data)
    except LookupError:
        abort(404)
    except alert_service.AlertActionError as exc:
        db.session.rollback()
        flash(f"#{alert_id}: {gettext(str(exc))}", "error")
        return back
    db.session.commit()
    flash(
        gettext("Alert #%(id)s acknowledged", id=alert_id)
        if step == "acknowledge"
        else gettext("Alert #%(id)s resolved", id=alert_id),
        "ok",
    )
    return back


REVIEWED: dict[str, type[Vehicle] | type[Person] | type[Document]] = {
    "vehicles": Vehicle,
    "persons": Person,
    "documents": Document,
}


@bp.route("/manage/review")
@roles_required(*STAFF_ROLES)
def review() -> ResponseReturnValue:
    """What carriers registered or changed, waiting for the park's review, oldest first:
    vehicles or persons (``what``), by review status."""
    what = request.args.get("what", "vehicles")
    model = REVIEWED.get(what)
    if model is None:
        abort(400)
    status = member(ReviewStatus, request.args.get("status")) or ReviewStatus.PENDING
    query: Select[Any] = select(model).where(model.review_status == status).order_by(model.id)
    if model is Person:
        query = query.options(selectinload(Person.carrier), selectinload(Person.qualifications))
    elif model is Document:
        query = query.options(
            selectinload(Document.vehicle).selectinload(Vehicle.carrier),
            selectinload(Document.person).selectinload(Person.carrier),
        )
    else:
        query = query.options(selectinload(Vehicle.carrier))
    page = paginate(query, ALERTS_PER_PAGE)
    today = park_today()
    warning_days = park_settings().expiry_warning_days
    waiting = {
        name: db.session.scalar(
            select(func.count()).select_from(m).where(m.review_status == ReviewStatus.PENDING)
        )
        for name, m in REVIEWED.items()
    }
    return render_template(
        "home/review.html",
        page=page,
        what=what,
        waiting=waiting,
        status=status,
        statuses=list(ReviewStatus),
        documents=(
            {v.id: queries.vehicle_documents(v, today, warning_days) for v in page.items}
            if model is Vehicle
            else {}
        ),
        state_of=lambda day: expiry_state(day, today, warning_days),
        form=AlertActionForm(),
    )


@bp.route(
    "/manage/review/<any(vehicles, persons, documents):what>/<int:item_id>"
    "/<any(approve, reject):step>",
    methods=["POST"],
)
@roles_required(*STAFF_ROLES)
def review_step(what: str, item_id: int, step: str) -> ResponseReturnValue:
    form = AlertActionForm()
    back = redirect(local_next(request.form.get("next"), url_for(".review", what=what)))
    item: Vehicle | Person | Document | None = (
        db.session.get(Vehicle, item_id)
        if what == "vehicles"
        else db.session.get(Person, item_id)
        if what == "persons"
        else db.session.get(Document, item_id)
    )
    if item is None:
        abort(404)
    name = (
        item.plate
        if isinstance(item, Vehicle)
        else item.full_name
        if isinstance(item, Person)
        else f"{label_of(item.kind)} · {item.owner_name}"
    )
    act = (
        fleet_service.review_vehicle
        if isinstance(item, Vehicle)
        else crew.review_person
        if isinstance(item, Person)
        else document_service.review_document
    )
    return _approve_or_reject(
        form,
        name,
        step,
        lambda approve, comment: act(item, approve, comment, current_user),  # type: ignore[arg-type]
        back,
    )


def _approve_or_reject(
    form: AlertActionForm,
    name: str,
    step: str,
    act: Callable[[bool, str | None], None],
    back: ResponseReturnValue,
) -> ResponseReturnValue:
    """A reviewer's approval or rejection (with the form's comment): refused ones say why
    beside the name, done ones are committed."""
    if not form.validate_on_submit():
        flash(gettext("The form expired: try again"), "error")
        return back
    try:
        act(step == "approve", form.comment.data)
    except fleet_service.FleetError as exc:
        db.session.rollback()
        for message in exc.errors.values():
            flash(f"{name}: {gettext(message)}", "error")
        return back
    db.session.commit()
    flash(
        gettext("%(plate)s approved", plate=name)
        if step == "approve"
        else gettext("%(plate)s rejected", plate=name),
        "ok",
    )
    return back


@bp.route("/manage/documents/<int:document_id>/file")
@roles_required(*STAFF_ROLES)
def document_file(document_id: int) -> ResponseReturnValue:
    document = db.session.get(Document, document_id)
    if document is None:
        abort(404)
    return send_document(document)


@bp.route("/manage/carriers")
@roles_required(Role.ADMIN)
def carriers() -> ResponseReturnValue:
    """Carrier companies: applications to approve or reject, and every account."""
    status = member(CarrierStatus, request.args.get("status")) or CarrierStatus.APPLIED
    page = paginate(
        select(Carrier).where(Carrier.status == status).order_by(Carrier.applied_at, Carrier.id),
        ALERTS_PER_PAGE,
    )
    waiting = db.session.scalar(
        select(func.count()).select_from(Carrier).where(Carrier.status == CarrierStatus.APPLIED)
    )
    return render_template(
        "home/carriers.html",
        page=page,
        status=status,
        statuses=list(CarrierStatus),
        waiting=waiting,
        today=park_today(),
        form=AlertActionForm(),
    )


@bp.route("/manage/carriers/<int:carrier_id>/<any(approve, reject):step>", methods=["POST"])
@roles_required(Role.ADMIN)
def carrier_step(carrier_id: int, step: str) -> ResponseReturnValue:
    form = AlertActionForm()
    back = redirect(local_next(request.form.get("next"), url_for(".carriers")))
    carrier = db.session.get(Carrier, carrier_id)
    if carrier is None:
        abort(404)
    return _approve_or_reject(
        form,
        carrier.name,
        step,
        lambda approve, comment: carrier_service.review_application(
            carrier, approve, comment, current_user
        ),
        back,
    )


@bp.route("/carrier/fleet")
@roles_required(Role.CARRIER)
def fleet() -> ResponseReturnValue:
    if current_user.carrier_id is None:  # the schema forbids this; fail closed anyway
        abort(403)
    warning_days = park_settings().expiry_warning_days
    today = park_today()
    vehicles, persons = queries.carrier_fleet(current_user.carrier_id)
    return render_template(
        "home/fleet.html",
        vehicles=[(v, queries.vehicle_documents(v, today, warning_days)) for v in vehicles],
        persons=persons,
        state_of=lambda day: expiry_state(day, today, warning_days),
        warning_days=warning_days,
    )


@bp.route("/notices", methods=["GET", "POST"])
@roles_required(Role.CARRIER, Role.DISPATCHER, *STAFF_ROLES)
def notices() -> ResponseReturnValue:
    """What the user should know: expiring documents, bookings after an expiry. A POST
    marks them all read."""
    form = AlertActionForm()
    if request.method == "POST":
        if form.validate_on_submit():
            notice_service.mark_read(current_user)
            db.session.commit()
        return redirect(url_for(".notices"))
    page = paginate(notice_service.notices_query(current_user), ALERTS_PER_PAGE)
    return render_template("home/notices.html", page=page, form=form)


@bp.app_template_global("unread_notices")
def unread_notices() -> int:
    """For the navigation bar (pages only; the kiosk's polled fragments never ask)."""
    if not current_user.is_authenticated:
        return 0
    return notice_service.unread_count(current_user)


@bp.route("/healthz")
@public
def healthz() -> ResponseReturnValue:
    """Liveness and dependencies, for load balancers and monitoring."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # report, never raise: this page must answer
        db.session.rollback()
        database = f"error: {type(exc).__name__}"
    queue_layer = jobs.queues()
    if queue_layer.embedded:
        redis = "not configured (embedded jobs)"
    else:
        redis = "ok" if queue_layer.ping() else "error: unreachable"
    healthy = database == "ok" and not redis.startswith("error")
    body: dict[str, Any] = {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "redis": redis,
    }
    if redis == "ok":
        body["jobs"] = queue_layer.stats()  # queue depth, failed jobs, workers
    return jsonify(body), 200 if healthy else 503

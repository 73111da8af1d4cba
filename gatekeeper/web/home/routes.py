"""The home page of each role and the overview pages it links to."""

from __future__ import annotations

import enum
from typing import TypeVar

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from gatekeeper import jobs
from gatekeeper.access import ALL_ROLES, STAFF_ROLES, public, roles_required
from gatekeeper.domain.expiry import expiry_state
from gatekeeper.extensions import db
from gatekeeper.models import AlertKind, AlertStatus, ReviewStatus, Role, Vehicle
from gatekeeper.services import alerts as alert_service
from gatekeeper.services import fleet as fleet_service
from gatekeeper.services.clock import park_today
from gatekeeper.services.park import park_settings
from gatekeeper.web.home import queries
from gatekeeper.web.home.forms import AlertActionForm

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


@bp.route("/dispatch/bookings")
@roles_required(Role.DISPATCHER, *STAFF_ROLES)
def bookings() -> ResponseReturnValue:
    today = park_today()
    return render_template("home/bookings.html", bookings=queries.bookings_on(today), day=today)


@bp.route("/manage/occupancy")
@roles_required(*STAFF_ROLES)
def occupancy() -> ResponseReturnValue:
    return render_template(
        "home/occupancy.html",
        zones=queries.occupancy(),
        hazmat=sorted(queries.hazmat_by_class().items()),
        inside=queries.inside_now(),
    )


@bp.route("/manage/alerts")
@roles_required(*STAFF_ROLES)
def alerts() -> ResponseReturnValue:
    """Alerts to handle, the most severe first; filter by kind and status; paged."""
    kind = _member(AlertKind, request.args.get("kind"))
    status = _member(AlertStatus, request.args.get("status"))
    page = db.paginate(
        queries.alerts_query(kind, status), per_page=ALERTS_PER_PAGE, error_out=False
    )
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
E = TypeVar("E", bound=enum.Enum)


def _member(kind: type[E], value: str | None) -> E | None:
    try:
        return kind(value) if value else None
    except ValueError:
        abort(400)


@bp.route("/manage/alerts/<int:alert_id>/<any(acknowledge, resolve):step>", methods=["POST"])
@roles_required(*STAFF_ROLES)
def alert_step(alert_id: int, step: str) -> ResponseReturnValue:
    form = AlertActionForm()
    back = redirect(request.form.get("next") or url_for(".alerts"))
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


@bp.route("/manage/review")
@roles_required(*STAFF_ROLES)
def review() -> ResponseReturnValue:
    """What carriers registered or changed, waiting for the park's review, oldest first."""
    status = _member(ReviewStatus, request.args.get("status")) or ReviewStatus.PENDING
    page = db.paginate(
        select(Vehicle)
        .where(Vehicle.review_status == status)
        .options(selectinload(Vehicle.carrier))
        .order_by(Vehicle.id),
        per_page=ALERTS_PER_PAGE,
        error_out=False,
    )
    today = park_today()
    warning_days = park_settings().expiry_warning_days
    return render_template(
        "home/review.html",
        page=page,
        status=status,
        statuses=list(ReviewStatus),
        documents={v.id: queries.vehicle_documents(v, today, warning_days) for v in page.items},
        form=AlertActionForm(),
    )


@bp.route("/manage/review/vehicles/<int:vehicle_id>/<any(approve, reject):step>", methods=["POST"])
@roles_required(*STAFF_ROLES)
def review_vehicle(vehicle_id: int, step: str) -> ResponseReturnValue:
    form = AlertActionForm()
    back = redirect(request.form.get("next") or url_for(".review"))
    vehicle = db.session.get(Vehicle, vehicle_id)
    if vehicle is None:
        abort(404)
    if not form.validate_on_submit():
        flash(gettext("The form expired: try again"), "error")
        return back
    try:
        fleet_service.review_vehicle(vehicle, step == "approve", form.comment.data, current_user)
    except fleet_service.FleetError as exc:
        db.session.rollback()
        for message in exc.errors.values():
            flash(f"{vehicle.plate}: {gettext(message)}", "error")
        return back
    db.session.commit()
    flash(
        gettext("%(plate)s approved", plate=vehicle.plate)
        if step == "approve"
        else gettext("%(plate)s rejected", plate=vehicle.plate),
        "ok",
    )
    return back


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
    body = {"status": "ok" if healthy else "degraded", "database": database, "redis": redis}
    return jsonify(body), 200 if healthy else 503

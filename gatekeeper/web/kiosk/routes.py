"""The guard's kiosk: one screen per lane, a gate overview, the holding-lot queue and the
guard's actions. The screen polls a fragment of itself (with an ETag, so an unchanged lane
costs one small query and a 304) and swaps it in: new events show within a second, behind
any number of gunicorn processes, without a reload."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

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
from sqlalchemy import select

from gatekeeper.access import STAFF_ROLES, roles_required
from gatekeeper.domain.gate import Decision, GateDecision
from gatekeeper.extensions import db
from gatekeeper.models import (
    Alert,
    AlertKind,
    AlertStatus,
    Document,
    DocumentKind,
    Gate,
    Lane,
    LaneDirection,
    LaneKind,
    Passage,
    Presence,
    Role,
)
from gatekeeper.models.types import record_id, utcnow
from gatekeeper.services import documents as document_service
from gatekeeper.services import gate as gate_service
from gatekeeper.services import holding, lanes, passes
from gatekeeper.services.clock import format_moment, local
from gatekeeper.services.fleet import FleetError
from gatekeeper.services.storage import files_root
from gatekeeper.web.form_errors import show_messages
from gatekeeper.web.kiosk.forms import (
    CrewForm,
    DecideForm,
    EmptyForm,
    GateDocumentForm,
    LaneStateForm,
    PlateForm,
    ScanForm,
)
from gatekeeper.web.labels import label_of

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk", template_folder="templates")
GUARDS = (Role.GUARD, *STAFF_ROLES)
RECENT = 8
T = TypeVar("T")


def _lane(code: str) -> Lane:
    lane = db.session.scalar(select(Lane).where(Lane.code == code))
    if lane is None:
        abort(404)
    return lane


def _gate(code: str) -> Gate:
    found = db.session.scalar(select(Gate).where(Gate.code == code))
    if found is None:
        abort(404)
    return found


def _recent(lanes: list[Lane], limit: int = RECENT) -> list[Passage]:
    return list(
        db.session.scalars(
            select(Passage)
            .where(Passage.lane_id.in_([lane.id for lane in lanes]))
            .order_by(Passage.id.desc())
            .limit(limit)
        )
    )


def _version(lanes: list[Lane], extra: str = "") -> str:
    """What the screen shows changes exactly when this changes."""
    rows = db.session.execute(
        select(
            Passage.id,
            Passage.read_status,
            Passage.decision,
            Passage.decided_at,
            Passage.barrier_opened_at,
            Passage.released_at,
        )
        .where(Passage.lane_id.in_([lane.id for lane in lanes]))
        .order_by(Passage.id.desc())
        .limit(RECENT)
    ).all()
    queue = [p.id for p in gate_service.holding_queue(lanes)]
    state = [(lane.is_open, lane.state_changed_at) for lane in lanes]
    read = db.session.execute(
        select(Document.id, Document.read_status)
        .join(Passage, Document.passage_id == Passage.id)
        .where(Passage.lane_id.in_([lane.id for lane in lanes]))
        .order_by(Document.id.desc())
        .limit(RECENT)
    ).all()
    alerts = [a.id for a in _exit_alerts(lanes)]
    raw = repr((rows, queue, state, read, alerts, extra, str(current_user.get_id()), _locale()))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


EXIT_ALERT_KINDS = (
    AlertKind.ROUTE_DEVIATION,
    AlertKind.WRONG_DIRECTION,
    AlertKind.SPEEDING,
    AlertKind.ILLEGAL_PARKING,
    AlertKind.OVERSTAY,
)


def _exit_alerts(lanes: list[Lane]) -> list[Alert]:
    """Open alerts about vehicles inside, for the guards at exit lanes (the vehicle may be
    stopped there): they appear with the next poll, within a second."""
    if not any(lane.direction in (LaneDirection.OUT, LaneDirection.BOTH) for lane in lanes):
        return []
    inside = select(Presence.vehicle_id).where(
        Presence.vehicle_id.is_not(None), Presence.passed_at.is_not(None)
    )
    return list(
        db.session.scalars(
            select(Alert)
            .where(
                Alert.status != AlertStatus.RESOLVED,
                Alert.kind.in_(EXIT_ALERT_KINDS),
                Alert.vehicle_id.in_(inside),
            )
            .order_by(Alert.id.desc())
            .limit(5)
        )
    )


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale())


def _lane_context(lane: Lane) -> dict[str, Any]:
    selected_id = record_id(request.args.get("passage"))
    recent = _recent([lane])
    selected = None
    if selected_id is not None:
        selected = db.session.get(Passage, selected_id)
        if selected is None or selected.lane_id != lane.id:
            selected = None
    if selected is None and recent:
        selected = recent[0]
    crew_form = CrewForm(prefix="crew")
    if selected is not None and selected.crew:
        crew_form.process(
            data={k: v for k, v in selected.crew.items() if k not in ("by", "pass", "ewaybill")}
        )
    return {
        "lane": lane,
        "passage": selected,
        "recent": recent,
        "queue": gate_service.holding_queue(lane.gate.lanes),
        "exit_alerts": _exit_alerts([lane]),
        "decide_form": DecideForm(prefix="decide"),
        "plate_form": PlateForm(prefix="plate"),
        "crew_form": crew_form,
        "scan_form": ScanForm(prefix="scan"),
        "document_form": GateDocumentForm(prefix="document"),
        "gate_documents": (
            document_service.gate_documents(selected.id) if selected is not None else []
        ),
        "button_form": EmptyForm(),
        "reason_required": (
            {a: gate_service.reason_required(selected, a) for a in ("open", "refuse", "hold")}
            if selected is not None
            else {}
        ),
    }


def _lane_version(lane: Lane) -> str:
    """The version of a lane's screen (its gate's lanes, the passage it shows): the page and
    its fragment compute it alike, or the first poll would not be answered 304."""
    return _version(lane.gate.lanes, request.args.get("passage", ""))


def _etag(version: str) -> str:
    """The ETag of a fragment at this version; the full page carries it too, so the
    screen's first poll is answered 304."""
    return f'"{version}"'


def _fragment(
    template: str, version: str, context: Callable[[], dict[str, Any]]
) -> ResponseReturnValue:
    """The fragment, or 304 when the screen already shows this version (the context is
    then never built)."""
    etag = _etag(version)
    if request.headers.get("If-None-Match") == etag:
        return Response(status=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    response = Response(render_template(template, **context()))
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/lanes/<code>")
@roles_required(*GUARDS)
def lane(code: str) -> ResponseReturnValue:
    return _lane_page(_lane(code), LaneStateForm(prefix="state"))


def _lane_page(found: Lane, state_form: LaneStateForm) -> str:
    return render_template(
        "kiosk/lane.html",
        panel_url=url_for(".lane_panel", code=found.code, passage=request.args.get("passage")),
        etag=_etag(_lane_version(found)),
        state_form=state_form,
        **_lane_context(found),
    )


@bp.route("/lanes/<code>/state", methods=["POST"])
@roles_required(*GUARDS)
def lane_state(code: str) -> ResponseReturnValue:
    """Close the lane or open it, with the reason (services.lanes)."""
    found = _lane(code)
    form = LaneStateForm(prefix="state")
    if not form.validate_on_submit():  # no CSRF token, or neither open nor close asked
        abort(400)
    wanted = form.open.data == "1"
    try:
        changed = lanes.set_open(found, wanted, form.reason.data or "", current_user, utcnow())
    except lanes.LaneStateError as exc:
        db.session.rollback()
        show_messages(form, exc.errors)
        return _lane_page(_lane(code), form)
    db.session.commit()
    if not changed:
        message = gettext("Lane %(lane)s was open already", lane=found.code)
        if not wanted:
            message = gettext("Lane %(lane)s was closed already", lane=found.code)
    elif wanted and found.kind is LaneKind.EMERGENCY:
        message = gettext(
            "Emergency lane %(lane)s is open: every vehicle passes unchecked and is alerted",
            lane=found.code,
        )
    elif wanted:
        message = gettext("Lane %(lane)s is open", lane=found.code)
    else:
        message = gettext("Lane %(lane)s is closed: vehicles there come to you", lane=found.code)
    flash(message, "ok")
    return redirect(url_for(".lane", code=found.code))


@bp.route("/lanes/<code>/panel")
@roles_required(*GUARDS)
def lane_panel(code: str) -> ResponseReturnValue:
    found = _lane(code)
    return _fragment("kiosk/_lane_panel.html", _lane_version(found), lambda: _lane_context(found))


@bp.route("/gates/<code>")
@roles_required(*GUARDS)
def gate_overview(code: str) -> ResponseReturnValue:
    found = _gate(code)
    return render_template(
        "kiosk/gate.html",
        panel_url=url_for(".gate_panel", code=code),
        etag=_etag(_version(found.lanes)),
        **_gate_context(found),
    )


def _gate_context(found: Gate) -> dict[str, Any]:
    latest = {lane.id: next(iter(_recent([lane], 1)), None) for lane in found.lanes}
    return {
        "gate": found,
        "latest": latest,
        "queue": gate_service.holding_queue(found.lanes),
        "button_form": EmptyForm(),
    }


@bp.route("/gates/<code>/panel")
@roles_required(*GUARDS)
def gate_panel(code: str) -> ResponseReturnValue:
    found = _gate(code)
    return _fragment("kiosk/_gate_panel.html", _version(found.lanes), lambda: _gate_context(found))


@bp.route("/passages/<int:passage_id>/images/<int:number>")
@roles_required(*GUARDS)
def image(passage_id: int, number: int) -> ResponseReturnValue:
    passage = db.session.get(Passage, passage_id)
    if passage is None or not 0 <= number < len(passage.images):
        abort(404)
    stored = passage.images[number]
    path = files_root() / stored.stored_path
    if not Path(path).is_file():
        abort(404)
    response = send_file(path, mimetype=stored.content_type, max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


# --- actions -----------------------------------------------------------------------------


def _passage(passage_id: int) -> Passage:
    """The passage a guard acts on, locked until the action is committed."""
    passage = gate_service.lock_passage(passage_id)
    if passage is None:
        abort(404)
    return passage


def _back(passage: Passage) -> ResponseReturnValue:
    return redirect(url_for(".lane", code=passage.lane.code, passage=passage.id))


def _finish(passage: Passage, done: str, *, may_open: bool = True) -> ResponseReturnValue:
    """Commit the action, then drive the barrier if the passage is now allowed (and the
    action is one that may open it)."""
    db.session.commit()
    if may_open and gate_service.should_open(passage):
        if gate_service.open_barrier(passage, current_user):
            flash(gettext("Barrier opened for %(plate)s", plate=passage.plate_read or "?"), "ok")
        else:
            flash(gettext("The barrier did not open: see the audit log"), "error")
    flash(done, "ok")
    return _back(passage)


def _act(
    passage: Passage,
    action: Callable[[], T],
    done: Callable[[T], str],
    *,
    may_open: bool = True,
) -> ResponseReturnValue:
    """Run a guard action: a refused one rolls back and says why; a done one is committed
    and may lift the barrier."""
    try:
        outcome = action()
    except gate_service.ActionError as exc:
        db.session.rollback()
        flash(gettext(str(exc)), "error")
        return _back(passage)
    return _finish(passage, done(outcome), may_open=may_open)


def _invalid(form: Any, passage: Passage) -> ResponseReturnValue:
    for field, errors in form.errors.items():
        label = getattr(form, field).label.text if hasattr(form, field) else field
        for error in errors:
            flash(f"{label}: {error}", "error")
    return _back(passage)


@bp.route("/passages/<int:passage_id>/decide", methods=["POST"])
@roles_required(*GUARDS)
def decide(passage_id: int) -> ResponseReturnValue:
    passage = _passage(passage_id)
    form = DecideForm(prefix="decide")
    if not form.validate_on_submit():
        return _invalid(form, passage)
    return _act(
        passage,
        lambda: gate_service.guard_decides(
            passage, form.action.data, current_user, form.reason.data
        ),
        lambda _: gettext("Decision recorded"),
    )


@bp.route("/passages/<int:passage_id>/plate", methods=["POST"])
@roles_required(*GUARDS)
def plate(passage_id: int) -> ResponseReturnValue:
    passage = _passage(passage_id)
    form = PlateForm(prefix="plate")
    if not form.validate_on_submit():
        return _invalid(form, passage)
    return _act(
        passage,
        lambda: gate_service.correct_plate(passage, form.plate.data, current_user),
        lambda result: (
            gettext("Plate corrected; the rules allow: open the barrier when ready")
            if result.decision is Decision.ALLOW
            else gettext("Plate corrected; the rules ran again")
        ),
        may_open=False,  # a typed plate never lifts the boom by itself
    )


@bp.route("/passages/<int:passage_id>/crew", methods=["POST"])
@roles_required(*GUARDS)
def crew(passage_id: int) -> ResponseReturnValue:
    passage = _passage(passage_id)
    form = CrewForm(prefix="crew")
    if not form.validate_on_submit():
        return _invalid(form, passage)
    return _act(
        passage,
        lambda: gate_service.record_crew(
            passage,
            current_user,
            driver_present=form.driver_present.data,
            escort_present=form.escort_present.data,
            ids_checked=form.ids_checked.data,
            persons=form.persons.data,
            waybill=form.waybill.data,
        ),
        lambda _: gettext("Crew recorded; the rules ran again"),
    )


@bp.route("/passages/<int:passage_id>/scan", methods=["POST"])
@roles_required(*GUARDS)
def scan(passage_id: int) -> ResponseReturnValue:
    passage = _passage(passage_id)
    form = ScanForm(prefix="scan")
    if not form.validate_on_submit():
        return _invalid(form, passage)
    return _act(
        passage,
        lambda: gate_service.record_scan(passage, form.text.data or "", current_user),
        lambda outcome: scan_message(outcome[0]),
    )


def scan_message(scan: passes.Scan) -> str:
    if scan.booking_pass is not None:
        return str(
            gettext("Booking pass scanned: %(reference)s", reference=scan.booking_pass.reference)
            if scan.booking_pass.genuine
            else gettext("Booking pass scanned: not genuine")
        )
    number = str((scan.waybill or {}).get("number"))
    if scan.kind == "ewaybill":
        return str(gettext("E-waybill %(number)s scanned", number=number))
    return str(gettext("Waybill number %(number)s scanned", number=number))


@bp.route("/passages/<int:passage_id>/documents", methods=["POST"])
@roles_required(*GUARDS)
def document(passage_id: int) -> ResponseReturnValue:
    """The guard photographs a certificate, permit or waybill with the kiosk tablet: it is
    read, matched against the records, and the rules run again with the result."""
    passage = _passage(passage_id)
    form = GateDocumentForm(prefix="document")
    if not form.validate_on_submit():
        return _invalid(form, passage)
    upload = form.file.data
    try:
        found = document_service.upload(
            passage,
            DocumentKind(form.kind.data),
            upload.filename or "",
            upload.read(),
            current_user,
        )
    except (ValueError, FleetError) as exc:
        db.session.rollback()
        errors = exc.errors if isinstance(exc, FleetError) else {"kind": "not valid"}
        for message in errors.values():
            flash(f"{form.file.label.text}: {gettext(message)}", "error")
        return _back(passage)
    db.session.commit()
    document_service.queue_reading(found)
    result = ((found.reading or {}).get("gate") or {}).get("state")
    flash(
        gettext(
            "%(kind)s read: %(result)s",
            kind=label_of(found.kind),
            result=gate_result_label(result),
        )
        if result
        else gettext("%(kind)s received: it is being read", kind=label_of(found.kind)),
        "ok",
    )
    db.session.refresh(passage)
    if gate_service.should_open(passage):
        gate_service.open_barrier(passage, current_user)
    return _back(passage)


@bp.app_template_global("gate_result_label")
def gate_result_label(state: str | None) -> str:
    """The checklist's word for a document read at the barrier."""
    words: dict[str, str] = {
        "matches": gettext("read, matches the records"),
        "differs": gettext("read, differs from the records"),
        "expired": gettext("read, expired"),
        "read": gettext("read"),
    }
    return str(words.get(state or "", gettext("being read")))


@bp.route("/passages/<int:passage_id>/release", methods=["POST"])
@roles_required(*GUARDS)
def release(passage_id: int) -> ResponseReturnValue:
    passage = _passage(passage_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    called: list[GateDecision] = []

    def call() -> GateDecision:
        called.append(gate_service.release(passage, current_user))
        return called[-1]

    response = _act(passage, call, _release_message)
    if called:
        holding.notify_called(passage)
    return response


def _release_message(result: GateDecision) -> str:
    if result.decision is not Decision.HOLD:
        return str(gettext("Called from the holding lot"))
    if any(check.code == "window" for check in result.reasons):
        return str(gettext("Still early for its booking window: the vehicle keeps waiting"))
    return str(gettext("Still no room: the vehicle keeps waiting"))


@bp.route("/passages/<int:passage_id>/passed", methods=["POST"])
@roles_required(*GUARDS)
def passed(passage_id: int) -> ResponseReturnValue:
    """The barrier failed; the guard lifted it by hand and saw the vehicle pass."""
    passage = _passage(passage_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _act(
        passage,
        lambda: gate_service.confirm_passed(passage, current_user),
        lambda _: gettext("Recorded as passed"),
    )


# --- template helpers ----------------------------------------------------------------------


@bp.app_template_filter("localtime")
def localtime(moment: datetime | None) -> str:
    return format_moment(moment)


@bp.app_template_filter("hhmm")
def hhmm(moment: datetime) -> str:
    """A time of day in the park's zone (booking windows, shown beside their day)."""
    return f"{local(moment):%H:%M}"


@bp.app_template_filter("localday")
def localday(moment: datetime) -> str:
    """The park day of a moment, as YYYY-MM-DD (links to a day's pages)."""
    return local(moment).date().isoformat()


@bp.app_template_filter("minutes_ago")
def minutes_ago(moment: datetime) -> int:
    return max(0, int((utcnow() - moment).total_seconds() // 60))

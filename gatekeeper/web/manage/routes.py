"""The park manager's pages for inside the park: the live dashboard, the hazardous goods on
site, the evacuation roll call, reports and the feed to the authorities' platform."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
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
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from gatekeeper.access import STAFF_ROLES, roles_required
from gatekeeper.domain.messages import N_, Code
from gatekeeper.extensions import db
from gatekeeper.models import (
    DailyReport,
    Lane,
    LaneKind,
    PersonKind,
    Role,
    RollCall,
    RollCallReason,
)
from gatekeeper.services import dashboard, exports, feed, inventory, reports, rollcall, site_pdf
from gatekeeper.services.clock import format_moment, local, park_today
from gatekeeper.services.park import park_settings
from gatekeeper.services.park_map import park_map
from gatekeeper.services.storage import files_root
from gatekeeper.web import downloads
from gatekeeper.web.labels import alert_message, label_of, report_value
from gatekeeper.web.manage.forms import DailyReportForm, MarkForm, ReportForm, StartRollCallForm
from gatekeeper.web.paging import page_number

bp = Blueprint("manage", __name__, template_folder="templates", url_prefix="/manage")
ROLL_CALL_ROLES = (*STAFF_ROLES, Role.GUARD)


@bp.route("/dashboard")
@roles_required(*STAFF_ROLES)
def dashboard_page() -> ResponseReturnValue:
    return render_template("manage/dashboard.html", pmap=park_map())


@bp.route("/dashboard.json")
@roles_required(*STAFF_ROLES)
def dashboard_json() -> ResponseReturnValue:
    """The dashboard's figures now; the page polls it (live without reload)."""
    data = dashboard.snapshot()
    alerts = data.pop("alerts")
    data["alerts"] = {
        "by_severity": alerts["by_severity"],
        "newest_id": alerts["newest_id"],
        "latest": [
            {
                "id": a.id,
                "severity": a.severity.value,
                "severity_label": str(label_of(a.severity)),
                "kind": str(label_of(a.kind)),
                "message": alert_message(a),
                "at": a.created_at.isoformat(),
            }
            for a in alerts["latest"]
        ],
    }
    data["lanes"] = [_lane_row(lane) for lane in data["lanes"]]
    return jsonify(data)


def _lane_row(lane: Lane) -> dict[str, Any]:
    """A lane out of its normal state, as the dashboard lists it, in the reader's words."""
    note = ""
    if lane.state_changed_at is not None and lane.state_reason:
        who = lane.state_changed_by.display_name if lane.state_changed_by else "?"
        words = (
            N_("opened at %(when)s by %(name)s: %(reason)s")
            if lane.is_open
            else N_("closed at %(when)s by %(name)s: %(reason)s")
        )
        note = gettext(
            words, when=format_moment(lane.state_changed_at), name=who, reason=lane.state_reason
        )
    return {
        "code": lane.code,
        "name": lane.name,
        "state": "emergency_open" if lane.is_open else "closed",
        "note": note,
        "url": url_for("kiosk.lane", code=lane.code),
    }


@bp.route("/inventory")
@roles_required(*STAFF_ROLES)
def inventory_page() -> ResponseReturnValue:
    lines = inventory.goods_inside()
    return render_template(
        "manage/inventory.html",
        lines=lines,
        totals=inventory.totals(lines),
        zones=dashboard.occupancy(0),
    )


def _inventory_rows() -> list[list[Any]]:
    return [
        [
            line.un_number or "",
            line.description,
            line.hazard_class or "",
            f"{line.quantity:g}",
            Code(line.unit, "quantity_unit"),
            line.plate,
            line.zone.code if line.zone else "",
            local(line.since).replace(second=0, microsecond=0),
        ]
        for line in inventory.goods_inside()
    ]


@bp.route("/inventory.<kind>")
@roles_required(*STAFF_ROLES)
def inventory_export(kind: str) -> ResponseReturnValue:
    """The goods on site as CSV or XLSX, in the reader's language, like the page."""
    headers = [
        gettext("UN number"),
        gettext("Name"),
        gettext("Class"),
        gettext("Quantity"),
        gettext("Unit"),
        gettext("Vehicle"),
        gettext("Zone"),
        gettext("Since"),
    ]
    return downloads.table(
        kind, headers, _inventory_rows(), gettext("Goods on site"), "goods-on-site"
    )


# The roll call ---------------------------------------------------------------------------


@bp.route("/rollcall")
@roles_required(*ROLL_CALL_ROLES)
def rollcall_page() -> ResponseReturnValue:
    running = rollcall.open_roll_call()
    inside = rollcall.everyone_inside() if running is None else []
    return render_template(
        "manage/rollcall.html",
        running=running,
        counts=rollcall.counts(running) if running else None,
        groups=_groups(running, inside),
        start_form=StartRollCallForm(),
        mark_form=MarkForm(),
        # The emergency gate doubles as the evacuation exit: its lanes, opened at their screen.
        emergency_lanes=list(
            db.session.scalars(
                select(Lane).where(Lane.kind == LaneKind.EMERGENCY).order_by(Lane.code)
            )
        )
        if running
        else [],
    )


def _groups(
    running: RollCall | None, inside: list[rollcall.Inside]
) -> list[tuple[str, list[dict[str, Any]]]]:
    people: list[dict[str, Any]]
    if running is not None:
        people = [
            {
                "id": e.id,
                "name": e.label,
                "kind": str(label_of_kind(e.kind)),
                "zone": e.zone_label,
                "muster_point": e.muster_point,
                "last_seen_at": e.last_seen_at,
                "where": e.last_seen_where,
                "accounted": e.accounted_at is not None,
            }
            for e in running.entries
        ]
    else:
        people = [
            {
                "id": None,
                "name": p.name + (f" ({p.vehicle})" if p.vehicle else ""),
                "kind": str(label_of_kind(p.kind)),
                "zone": p.zone,
                "muster_point": p.muster_point,
                "last_seen_at": p.last_seen_at,
                "where": p.last_seen_where,
                "accounted": False,
            }
            for p in inside
        ]
    groups: dict[str, list[dict[str, Any]]] = {}
    for person in people:
        groups.setdefault(person["muster_point"], []).append(person)
    return sorted(groups.items())


def label_of_kind(kind: str) -> object:
    return label_of(PersonKind(kind))


@bp.route("/rollcall/start", methods=["POST"])
@roles_required(*ROLL_CALL_ROLES)
def rollcall_start() -> ResponseReturnValue:
    form = StartRollCallForm()
    if form.validate_on_submit():
        try:
            started = rollcall.start(RollCallReason(form.reason.data), current_user)
        except rollcall.RollCallError as exc:
            db.session.rollback()
            flash(gettext(str(exc)), "error")
        else:
            db.session.commit()
            flash(
                gettext(
                    "Roll call started: %(count)s people to account for", count=len(started.entries)
                ),
                "ok",
            )
    return redirect(url_for(".rollcall_page"))


@bp.route("/rollcall/<int:roll_call_id>/entries/<int:entry_id>", methods=["POST"])
@roles_required(*ROLL_CALL_ROLES)
def rollcall_mark(roll_call_id: int, entry_id: int) -> ResponseReturnValue:
    """Mark one person (a tablet's tap: answered in JSON when asked, else a redirect)."""
    form = MarkForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        entry = rollcall.mark(roll_call_id, entry_id, form.accounted.data == "1", current_user)
    except LookupError:
        abort(404)
    except rollcall.RollCallError as exc:
        db.session.rollback()
        if request.accept_mimetypes.best == "application/json":
            return jsonify(error=gettext(str(exc))), 409
        flash(gettext(str(exc)), "error")
        return redirect(url_for(".rollcall_page"))
    db.session.commit()
    missing = rollcall.missing_count(roll_call_id)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(accounted=entry.accounted_at is not None, missing=missing)
    return redirect(url_for(".rollcall_page") + f"#entry-{entry_id}")


@bp.route("/rollcall/<int:roll_call_id>/close", methods=["POST"])
@roles_required(*ROLL_CALL_ROLES)
def rollcall_close(roll_call_id: int) -> ResponseReturnValue:
    form = MarkForm()
    if form.validate_on_submit():
        try:
            closed = rollcall.close(roll_call_id, current_user)
        except LookupError:
            abort(404)
        except rollcall.RollCallError as exc:
            db.session.rollback()
            flash(gettext(str(exc)), "error")
        else:
            db.session.commit()
            counts = rollcall.counts(closed)
            flash(
                gettext(
                    "Roll call closed: %(accounted)s of %(total)s found, %(missing)s missing",
                    **counts,
                ),
                "ok" if counts["missing"] == 0 else "error",
            )
    return redirect(url_for(".rollcall_page"))


@bp.route("/rollcall.pdf")
@roles_required(*ROLL_CALL_ROLES)
def rollcall_pdf() -> ResponseReturnValue:
    running = rollcall.open_roll_call()
    inside = rollcall.everyone_inside() if running is None else []
    started = running.started_at if running else None
    pdf = site_pdf.roll_call(_groups(running, inside), park_settings().name, started)
    return downloads.attachment(pdf, "application/pdf", "roll-call.pdf")


# Reports ---------------------------------------------------------------------------------


def _report_args() -> tuple[ReportForm, reports.Report | None, tuple[date, date] | None]:
    args = request.args
    if not args:  # the page as first opened: today's passages, no errors on the fields
        today = park_today().isoformat()
        args = MultiDict({"kind": "passages", "start": today, "end": today})
    form = ReportForm(args, meta={"csrf": False})
    chosen = reports.REPORTS.get(form.kind.data or "passages")
    if not form.validate() or chosen is None:
        return form, chosen, None
    try:
        span = reports.check_range(form.start.data, form.end.data)
    except reports.ReportError as exc:
        form.end.errors = [gettext(str(exc))]
        return form, chosen, None
    return form, chosen, span


@bp.route("/reports")
@roles_required(*STAFF_ROLES)
def reports_page() -> ResponseReturnValue:
    form, chosen, span = _report_args()
    number = page_number()
    rows: list[list[Any]] = []
    total = 0
    if chosen is not None and span is not None:
        text = form.q.data or ""
        total = reports.count(chosen, *span, text)
        number = min(number, max(1, math.ceil(total / reports.PAGE_ROWS)))
        # (text, whether it is prose that wraps): codes, plates and times stay on one line
        rows = [
            [(report_value(v), isinstance(v, exports.Phrases)) for v in row]
            for row in reports.page(chosen, *span, number, text)
        ]
    return render_template(
        "manage/reports.html",
        form=form,
        report=chosen,
        span=span,
        rows=rows,
        total=total,
        number=number,
        pages=max(1, math.ceil(total / reports.PAGE_ROWS)),
        daily=_daily_reports(),
        daily_form=DailyReportForm(),
    )


def _daily_reports() -> list[DailyReport]:
    return list(db.session.scalars(select(DailyReport).order_by(DailyReport.day.desc()).limit(31)))


@bp.route("/reports/export")
@roles_required(*STAFF_ROLES)
def reports_export() -> ResponseReturnValue:
    form, chosen, span = _report_args()
    if chosen is None or span is None:
        abort(400)
    headers = [gettext(column) for column in chosen.columns]
    kind = "xlsx" if request.args.get("format") == "xlsx" else "csv"
    text = form.q.data or ""
    if kind == "xlsx" and reports.count(chosen, *span, text) > exports.XLSX_MAX_ROWS:
        flash(
            gettext(
                "More rows than a spreadsheet's sheet holds (%(n)s): download CSV, or choose"
                " fewer days.",
                n=exports.XLSX_MAX_ROWS,
            ),
            "error",
        )
        shown: dict[str, Any] = {k: v for k, v in request.args.items() if k != "format"}
        return redirect(url_for(".reports_page", **shown))
    return downloads.table(
        kind,
        headers,
        reports.rows(chosen, *span, text),
        gettext(chosen.title),
        f"{chosen.key}-{span[0]}-{span[1]}",
    )


@bp.route("/reports/daily/<day>.pdf")
@roles_required(*STAFF_ROLES)
def daily_report_pdf(day: str) -> ResponseReturnValue:
    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        abort(404)
    found = db.session.scalar(select(DailyReport).where(DailyReport.day == wanted))
    if found is None:
        abort(404)
    path = files_root() / found.stored_path
    return downloads.attachment(path.read_bytes(), "application/pdf", f"daily-summary-{wanted}.pdf")


@bp.route("/reports/daily", methods=["POST"])
@roles_required(*STAFF_ROLES)
def daily_report_make() -> ResponseReturnValue:
    form = DailyReportForm()
    if form.validate_on_submit():
        made = reports.make_daily_report(form.day.data)
        db.session.commit()
        flash(gettext("Daily summary of %(day)s made", day=made.day.isoformat()), "ok")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for(".reports_page"))


# The authorities' platform ---------------------------------------------------------------


@bp.route("/feed")
@roles_required(*STAFF_ROLES)
def feed_page() -> ResponseReturnValue:
    return render_template(
        "manage/feed.html",
        url=current_app.config.get("GATEKEEPER_FEED_URL"),
        every=current_app.config.get("GATEKEEPER_FEED_EVERY_SECONDS"),
        batches=feed.recent_batches(),
        form=MarkForm(),
    )


@bp.route("/feed/send", methods=["POST"])
@roles_required(*STAFF_ROLES)
def feed_send() -> ResponseReturnValue:
    if MarkForm().validate_on_submit():
        if not current_app.config.get("GATEKEEPER_FEED_URL"):
            flash(gettext("No platform address is configured (GATEKEEPER_FEED_URL)."), "error")
        else:
            sent = feed.push()
            flash(gettext("%(count)s batch(es) delivered", count=sent), "ok" if sent else "error")
    return redirect(url_for(".feed_page"))

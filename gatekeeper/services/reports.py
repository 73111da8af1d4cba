"""Reports for a date range: vehicle passages, denials with their reasons, overrides by
guard, route deviations and other alerts, people on site. One table definition per
report serves the page, the CSV and the XLSX export; the PDF daily summary is made by a
scheduled job (see :func:`make_daily_report`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import selectinload

from gatekeeper.domain.messages import N_, Code, phrase
from gatekeeper.extensions import db
from gatekeeper.models import (
    Alert,
    AlertKind,
    AuditEntry,
    Booking,
    DailyReport,
    Decision,
    Passage,
    PassageDirection,
    Person,
    PersonPassage,
)
from gatekeeper.services.clock import day_bounds, local, plausible_day
from gatekeeper.services.dayplan import vehicles_matching
from gatekeeper.services.exports import Phrases

MAX_RANGE_DAYS = 366
PAGE_ROWS = 50


class ReportError(ValueError):
    """Shown next to the field."""


@dataclass(frozen=True)
class Report:
    key: str
    title: str  # N_ marked
    columns: tuple[str, ...]  # N_ marked
    query: Callable[[date, date], Select[Any]]
    row: Callable[[Any], list[Any]]
    # Rows about a plate or booking reference (vehicle reports), or a name or card (people).
    search: Callable[[str], ColumnElement[bool]]


def _when(moment: Any) -> datetime | str:
    """In the park's zone: the page shows it as a date and a time, the exports as ISO 8601
    with the zone's offset (a file travels)."""
    return local(moment).replace(microsecond=0) if moment else ""


def _reasons(reasons: list[dict[str, Any]] | None) -> Phrases:
    return Phrases(tuple(reasons or ()))


def _colour(code: str | None) -> Code | str:
    """A plate colour as the camera sent it (one the park does not know is shown as sent)."""
    return Code(code, "plate_colour") if code else ""


def _range(column: Any, start: date, end: date) -> Any:
    since, _ = day_bounds(start)
    _, until = day_bounds(end)
    return (column >= since) & (column < until)


def _passages(start: date, end: date) -> Select[Any]:
    return (
        select(Passage)
        .where(_range(Passage.occurred_at, start, end))
        .options(selectinload(Passage.lane), selectinload(Passage.vehicle))
        .order_by(Passage.occurred_at, Passage.id)
    )


def _passage_row(p: Passage) -> list[Any]:
    return [
        _when(p.occurred_at),
        p.lane.code,
        p.direction,
        p.vehicle.plate if p.vehicle else (p.plate_read or ""),
        _colour(p.plate_colour),
        p.un_read or "",
        p.decision,
        _reasons(p.reasons),
    ]


_SEPARATORS = re.compile(r"[\s\-.·]")


def _compacted(column: Any) -> Any:
    """A plate as read without its separators, upper case (HH-EB 1204 -> HHEB1204)."""
    for separator in (" ", "-", ".", "·"):
        column = func.replace(column, separator, "")
    return func.upper(column)


def _bookings_named(text: str) -> Select[Any]:
    return select(Booking.id).where(Booking.reference.ilike(f"%{text}%"))


def _persons_named(text: str) -> Select[Any]:
    return select(Person.id).where(Person.full_name.ilike(f"%{text}%"))


def _passage_search(text: str) -> ColumnElement[bool]:
    """A passage whose plate as read, or its matched vehicle's or trailer's plate, holds
    ``text`` (spaces, dots and dashes ignored), or whose booking's reference does."""
    vehicles = vehicles_matching(text)
    compact = _SEPARATORS.sub("", text.upper())
    return or_(
        Passage.plate_read.ilike(f"%{text}%"),
        *([_compacted(Passage.plate_read).like(f"%{compact}%")] if compact else []),
        Passage.vehicle_id.in_(vehicles),
        Passage.trailer_id.in_(vehicles),
        Passage.booking_id.in_(_bookings_named(text)),
    )


def _alert_search(text: str) -> ColumnElement[bool]:
    return or_(
        Alert.vehicle_id.in_(vehicles_matching(text)),
        Alert.booking_id.in_(_bookings_named(text)),
        Alert.person_id.in_(_persons_named(text)),
    )


def _people_search(text: str) -> ColumnElement[bool]:
    return or_(
        PersonPassage.person_id.in_(_persons_named(text)),
        PersonPassage.card_number.ilike(f"%{text}%"),
    )


def _denials(start: date, end: date) -> Select[Any]:
    return _passages(start, end).where(Passage.decision == Decision.DENY)


def _overrides(start: date, end: date) -> Select[Any]:
    return (
        _passages(start, end)
        .where(Passage.override_reason.is_not(None))
        .options(selectinload(Passage.operator))
    )


def _override_row(p: Passage) -> list[Any]:
    return [
        _when(p.decided_at or p.occurred_at),
        p.lane.code,
        p.vehicle.plate if p.vehicle else (p.plate_read or ""),
        p.system_decision,
        p.decision,
        p.operator.display_name if p.operator else "",
        Phrases((p.override_reason,)) if p.override_reason else "",
    ]


DEVIATION_KINDS = (
    AlertKind.ROUTE_DEVIATION,
    AlertKind.WRONG_DIRECTION,
    AlertKind.SPEEDING,
    AlertKind.ILLEGAL_PARKING,
    AlertKind.OVERSTAY,
    AlertKind.EMERGENCY_LANE,
)


def _deviations(start: date, end: date) -> Select[Any]:
    return (
        select(Alert)
        .where(_range(Alert.created_at, start, end), Alert.kind.in_(DEVIATION_KINDS))
        .options(selectinload(Alert.acknowledged_by), selectinload(Alert.resolved_by))
        .order_by(Alert.created_at, Alert.id)
    )


def _deviation_row(a: Alert) -> list[Any]:
    return [
        _when(a.created_at),
        a.kind,
        a.severity,
        Phrases(({"template": a.template, "params": a.params, "message": a.message},)),
        a.status,
        a.resolved_by.display_name if a.resolved_by else "",
        Phrases((a.resolution,)) if a.resolution else "",
    ]


def _people(start: date, end: date) -> Select[Any]:
    return (
        select(PersonPassage)
        .where(_range(PersonPassage.occurred_at, start, end))
        .options(selectinload(PersonPassage.person), selectinload(PersonPassage.lane))
        .order_by(PersonPassage.occurred_at, PersonPassage.id)
    )


def _people_row(p: PersonPassage) -> list[Any]:
    return [
        _when(p.occurred_at),
        p.lane.code,
        p.direction,
        p.person.full_name,
        p.person.kind,
        p.allowed,
        _reasons(p.reasons),
        p.card_number or "",
    ]


LANE_ACTIONS = ("lane.opened", "lane.closed")


def _lane_changes(start: date, end: date) -> Select[Any]:
    """Lanes closed and opened at the kiosk (the audit log keeps each with its reason)."""
    return (
        select(AuditEntry)
        .where(_range(AuditEntry.occurred_at, start, end), AuditEntry.action.in_(LANE_ACTIONS))
        .order_by(AuditEntry.seq)
    )


def _lane_change_row(entry: AuditEntry) -> list[Any]:
    details = json.loads(entry.details)
    what = N_("opened") if entry.action == "lane.opened" else N_("closed")
    return [
        _when(entry.occurred_at),
        details.get("lane", ""),
        Phrases((phrase(what),)),
        entry.actor,
        Phrases((details.get("reason", ""),)),
    ]


def _lane_search(text: str) -> ColumnElement[bool]:
    return func.lower(AuditEntry.details).contains(text.lower(), autoescape=True)


_PASSAGE_COLUMNS = (
    N_("Time"),
    N_("Lane"),
    N_("Direction"),
    N_("Vehicle"),
    N_("Plate colour"),
    N_("UN number"),
    N_("Decision"),
    N_("Reasons"),
)
REPORTS: dict[str, Report] = {
    r.key: r
    for r in (
        Report(
            "passages",
            N_("Vehicle passages"),
            _PASSAGE_COLUMNS,
            _passages,
            _passage_row,
            _passage_search,
        ),
        Report(
            "denials",
            N_("Denials with reasons"),
            _PASSAGE_COLUMNS,
            _denials,
            _passage_row,
            _passage_search,
        ),
        Report(
            "overrides",
            N_("Overrides by guard"),
            (
                N_("Time"),
                N_("Lane"),
                N_("Vehicle"),
                N_("System decision"),
                N_("Decision"),
                N_("Guard"),
                N_("Reason"),
            ),
            _overrides,
            _override_row,
            _passage_search,
        ),
        Report(
            "deviations",
            N_("Route deviations and alarms"),
            (
                N_("Time"),
                N_("Kind"),
                N_("Severity"),
                N_("Message"),
                N_("Status"),
                N_("Resolved by"),
                N_("Resolution"),
            ),
            _deviations,
            _deviation_row,
            _alert_search,
        ),
        Report(
            "people",
            N_("People in and out"),
            (
                N_("Time"),
                N_("Lane"),
                N_("Direction"),
                N_("Name"),
                N_("Kind"),
                N_("Allowed"),
                N_("Reasons"),
                N_("Card"),
            ),
            _people,
            _people_row,
            _people_search,
        ),
        Report(
            "lanes",
            N_("Lanes closed and opened"),
            (N_("Time"), N_("Lane"), N_("Change"), N_("By"), N_("Reason")),
            _lane_changes,
            _lane_change_row,
            _lane_search,
        ),
    )
}


def check_range(start: date | None, end: date | None) -> tuple[date, date]:
    if start is None or end is None:
        raise ReportError(N_("give a first and a last day"))
    if end < start:
        raise ReportError(N_("the last day is before the first"))
    if not (plausible_day(start) and plausible_day(end)):
        raise ReportError(N_("days from 1970 to 2999"))
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ReportError(N_("at most 366 days at a time"))
    return start, end


def _query(report: Report, start: date, end: date, text: str) -> Select[Any]:
    query = report.query(start, end)
    text = text.strip()
    return query.where(report.search(text)) if text else query


def count(report: Report, start: date, end: date, text: str = "") -> int:
    query = _query(report, start, end, text).order_by(None)
    return int(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def rows(report: Report, start: date, end: date, text: str = "") -> Iterator[list[Any]]:
    """Every row, read in batches (a year of passages does not sit in memory at once)."""
    query = _query(report, start, end, text).execution_options(yield_per=1000)
    for item in db.session.scalars(query):
        yield report.row(item)


def page(report: Report, start: date, end: date, number: int, text: str = "") -> list[list[Any]]:
    query = _query(report, start, end, text)
    query = query.limit(PAGE_ROWS).offset(max(0, number - 1) * PAGE_ROWS)
    return [report.row(item) for item in db.session.scalars(query)]


def day_figures(day: date) -> dict[str, Any]:
    """The figures of the daily summary."""
    since, until = day_bounds(day)
    in_day = (Passage.occurred_at >= since) & (Passage.occurred_at < until)
    vehicles = db.session.execute(
        select(
            func.count().filter(Passage.direction == PassageDirection.IN),
            func.count().filter(
                (Passage.direction == PassageDirection.IN) & (Passage.decision == Decision.ALLOW)
            ),
            func.count().filter(Passage.decision == Decision.DENY),
            func.count().filter(Passage.override_reason.is_not(None)),
            func.count().filter(
                (Passage.direction == PassageDirection.IN) & (Passage.un_read.is_not(None))
            ),
        ).where(in_day)
    ).one()
    alerts = dict(
        db.session.execute(
            select(Alert.kind, func.count())
            .where(Alert.created_at >= since, Alert.created_at < until)
            .group_by(Alert.kind)
        ).all()
    )
    people = db.session.scalar(
        select(func.count(PersonPassage.id)).where(
            PersonPassage.occurred_at >= since,
            PersonPassage.occurred_at < until,
            PersonPassage.allowed,
            PersonPassage.direction == PassageDirection.IN,
        )
    )
    return {
        "day": day,
        "vehicles_arrived": int(vehicles[0]),
        "vehicles_in": int(vehicles[1]),
        "denied": int(vehicles[2]),
        "overrides": int(vehicles[3]),
        "hazmat_in": int(vehicles[4]),
        "people_in": int(people or 0),
        "alerts": {kind.value: int(n) for kind, n in alerts.items()},
    }


def make_daily_report(day: date) -> DailyReport:
    """Render and store the day's PDF summary (again, if it exists). No commit."""
    from gatekeeper.services import site_pdf
    from gatekeeper.services.storage import store_new

    pdf = site_pdf.daily_summary(day_figures(day))
    existing = db.session.scalar(select(DailyReport).where(DailyReport.day == day))
    path = store_new("reports", "pdf", pdf)
    if existing is None:
        existing = DailyReport(day=day, stored_path=path)
        db.session.add(existing)
    else:
        existing.stored_path = path
    db.session.flush()
    return existing


def yesterday(today: date) -> date:
    return today - timedelta(days=1)

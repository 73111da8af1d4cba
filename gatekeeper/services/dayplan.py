"""The dispatcher's day plan: the bookings of a day (or a search), filtered by carrier and
status, with their conflicts, laid out per dock and per gate, and as rows to export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import selectinload

from gatekeeper.domain.dayplan import Row, Slot, conflicts, stack
from gatekeeper.domain.messages import N_, Code, Phrase, phrase
from gatekeeper.domain.plates import plate_skeleton
from gatekeeper.extensions import db
from gatekeeper.models import Booking, BookingStatus, CargoLine, RouteStop, Vehicle
from gatekeeper.services.clock import day_bounds, local
from gatekeeper.services.exports import Phrases

SEARCH_LIMIT = 200
SEARCH_DAYS = 60  # a search looks this far back and ahead


@dataclass(frozen=True)
class Filters:
    day: date
    carrier_id: int | None = None
    status: BookingStatus | None = None
    query: str = ""


def find(filters: Filters) -> list[Booking]:
    """The day's bookings; with a search text (a reference or a plate), the matching
    bookings of the days around instead."""
    query = select(Booking).options(
        selectinload(Booking.cargo),
        selectinload(Booking.route).selectinload(RouteStop.node),
    )
    text = filters.query.strip()
    if text:
        start, _ = day_bounds(filters.day - timedelta(days=SEARCH_DAYS))
        _, end = day_bounds(filters.day + timedelta(days=SEARCH_DAYS))
        query = query.where(matching(text))
    else:
        start, end = day_bounds(filters.day)
    query = query.where(Booking.window_start < end, Booking.window_end > start)
    if filters.carrier_id is not None:
        query = query.where(Booking.carrier_id == filters.carrier_id)
    if filters.status is not None:
        query = query.where(Booking.status == filters.status)
    return list(db.session.scalars(query.order_by(Booking.window_start).limit(SEARCH_LIMIT)))


def vehicles_matching(text: str) -> Select[Any]:
    """The ids of vehicles whose plate contains ``text`` (spaces, dots and dashes ignored:
    "hh eb 1204" finds HH-EB 1204)."""
    skeleton = plate_skeleton(text)
    return select(Vehicle.id).where(
        or_(
            Vehicle.plate.ilike(f"%{text}%"),
            *([Vehicle.plate_skeleton.contains(skeleton)] if skeleton else []),
        )
    )


def matching(text: str) -> ColumnElement[bool]:
    """Bookings whose reference or waybill number contains ``text``, or whose vehicle's or
    trailer's plate does (see :func:`vehicles_matching`)."""
    vehicles = vehicles_matching(text)
    return or_(
        Booking.reference.ilike(f"%{text}%"),
        Booking.waybill_number.ilike(f"%{text}%"),
        Booking.vehicle_id.in_(vehicles),
        Booking.trailer_id.in_(vehicles),
    )


# Bookings that take their place on the plan (cancelled and rejected ones do not).
PLANNED = (
    BookingStatus.REQUESTED,
    BookingStatus.ACCEPTED,
    BookingStatus.APPROVED,
    BookingStatus.ARRIVED,
    BookingStatus.INSIDE,
)


def slot(booking: Booking) -> Slot:
    return Slot(
        id=booking.id,
        reference=booking.reference,
        start=booking.window_start,
        end=booking.window_end,
        dock=booking.dock.code,
        dock_slots=booking.dock.slots_per_hour,
        units=tuple(i for i in (booking.vehicle_id, booking.trailer_id) if i is not None),
        people=tuple(i for i in (booking.driver_id, booking.escort_id) if i is not None),
    )


def day_conflicts(day: date) -> dict[int, list[Phrase]]:
    """Conflicts among all the day's planned bookings (whatever the page's filters)."""
    start, end = day_bounds(day)
    planned = db.session.scalars(
        select(Booking).where(
            Booking.window_start < end, Booking.window_end > start, Booking.status.in_(PLANNED)
        )
    ).all()
    return conflicts([slot(b) for b in planned])


def entry_gate(booking: Booking) -> str | None:
    first = booking.route[0].node if booking.route else None
    return first.code if first is not None else None


@dataclass(frozen=True)
class Timeline:
    start: datetime
    hours: int
    rows: list[Row]


def timeline(day: date, bookings: list[Booking], by: str) -> Timeline:
    """Rows per dock (``by="docks"``) or per entry gate (``"gates"``)."""
    start, end = day_bounds(day)
    groups: dict[str, list[Slot]] = {}
    for booking in bookings:
        if booking.status not in PLANNED:
            continue
        key = booking.dock.code if by == "docks" else (entry_gate(booking) or "—")
        groups.setdefault(key, []).append(slot(booking))
    rows = [stack(name, slots) for name, slots in sorted(groups.items())]
    return Timeline(start, int((end - start).total_seconds() // 3600), rows)


# The export's columns (N_ marked: the web layer writes them in the reader's language).
EXPORT_COLUMNS = (
    N_("Booking"),
    N_("Status"),
    N_("Day"),
    N_("Window start"),
    N_("Window end"),
    N_("Carrier"),
    N_("Vehicle"),
    N_("Trailer"),
    N_("Driver"),
    N_("Escort"),
    N_("Receiving company"),
    N_("Dock"),
    N_("Entry gate"),
    N_("Direction"),
    N_("Cargo"),
    N_("Waybill number"),
    N_("Conflicts"),
)


def export_rows(bookings: list[Booking], found: dict[int, list[Phrase]] | None) -> list[list[Any]]:
    """One row per booking, values kept (statuses, directions, units, conflicts) for the
    reader's words; times in the park's zone. ``found``: the day's conflicts, or None for
    a list without that column (a carrier's own bookings)."""
    rows = []
    for b in bookings:
        start = local(b.window_start).replace(second=0, microsecond=0)
        row = [
            b.reference,
            b.status,
            start.date().isoformat(),
            start,
            local(b.window_end).replace(second=0, microsecond=0),
            b.carrier.name,
            b.vehicle.plate,
            b.trailer.plate if b.trailer else "",
            b.driver.full_name,
            b.escort.full_name if b.escort else "",
            b.company.name,
            b.dock.code,
            entry_gate(b) or "",
            b.direction,
            Phrases(tuple(_cargo_line(line) for line in b.cargo)),
            b.waybill_number or "",
        ]
        if found is not None:
            row.append(Phrases(tuple(found.get(b.id, []))))
        rows.append(row)
    return rows


def export_columns(with_conflicts: bool = True) -> tuple[str, ...]:
    return EXPORT_COLUMNS if with_conflicts else EXPORT_COLUMNS[:-1]


def _cargo_line(line: CargoLine) -> Phrase:
    goods = f"UN{line.un_number} {line.description}" if line.un_number else line.description
    return phrase(
        N_("%(goods)s %(quantity)s %(unit)s"),
        goods=goods,
        quantity=f"{line.quantity.normalize():f}",
        unit=Code(line.unit.value, "quantity_unit"),
    )

"""The hazmat holding lot: who waits (in order of arrival, loaded and empty tankers apart),
calling vehicles forward (the receiving company, the park by the docks' capacity, or the
guard: one mechanism, :func:`gatekeeper.services.gate.release`), and telling the driver."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from gatekeeper.domain.gate import Decision
from gatekeeper.extensions import db
from gatekeeper.models import (
    Booking,
    Dock,
    Packaging,
    Passage,
    TripDirection,
    User,
)
from gatekeeper.notify import Sent, notifier
from gatekeeper.services import audit
from gatekeeper.services.gate import ActionError, release
from gatekeeper.services.gate.evaluation import holding_zone, inside_vehicles
from gatekeeper.services.gate.queue import waiting_query


@dataclass(frozen=True)
class Waiting:
    passage: Passage
    booking: Booking | None
    # A tanker waits as loaded (delivering) or empty (collecting); None: not a tanker.
    loaded: bool | None


def _tanker_state(booking: Booking | None) -> bool | None:
    if booking is None or not any(line.packaging is Packaging.TANK for line in booking.cargo):
        return None
    return booking.direction is TripDirection.DELIVERY


def waiting(company_id: int | None = None) -> list[Waiting]:
    """Vehicles in the holding lot, oldest first; ``company_id``: only those booked to
    that receiving company."""
    query = waiting_query()
    if company_id is not None:
        query = query.join(Booking, Passage.booking_id == Booking.id).where(
            Booking.company_id == company_id
        )
    passages = db.session.scalars(query.order_by(Passage.occurred_at, Passage.id)).all()
    return [Waiting(p, p.booking, _tanker_state(p.booking)) for p in passages]


@dataclass(frozen=True)
class LotState:
    waiting: int
    capacity: int | None
    loaded: int
    loaded_capacity: int | None
    empty: int
    empty_capacity: int | None


def lot_state(rows: list[Waiting] | None = None) -> LotState:
    rows = waiting() if rows is None else rows
    zone = holding_zone()
    kinds = Counter(row.loaded for row in rows)
    return LotState(
        waiting=len(rows),
        capacity=zone.capacity_vehicles if zone else None,
        loaded=kinds[True],
        loaded_capacity=zone.capacity_loaded_tankers if zone else None,
        empty=kinds[False],
        empty_capacity=zone.capacity_empty_tankers if zone else None,
    )


def call(passage: Passage, user: User) -> Decision:
    """Call one waiting vehicle forward. ActionError when it is not waiting or not the
    user's to call. No commit; tell the driver with notify_called after the commit."""
    return release(passage, user).decision


def call_next(company_id: int | None, user: User) -> Passage | None:
    """Call the vehicle that has waited longest for the company (None: nobody waits)."""
    rows = waiting(company_id)
    if not rows:
        return None
    call(rows[0].passage, user)
    return rows[0].passage


def dock_room() -> dict[int, int]:
    """Free places per dock now: its slots less the vehicles inside (or let in) booked to
    it, as the gate's capacity rule counts them."""
    inside = inside_vehicles().subquery()
    in_use: dict[int, int] = {
        dock_id: count
        for dock_id, count in db.session.execute(
            select(Booking.dock_id, func.count(inside.c.id))
            .select_from(inside)
            .join(Booking, inside.c.booking_id == Booking.id)
            .group_by(Booking.dock_id)
        )
    }
    return {
        dock.id: max(0, dock.slots_per_hour - int(in_use.get(dock.id, 0)))
        for dock in db.session.scalars(select(Dock))
    }


def call_by_capacity(user: User) -> list[Passage]:
    """The park calls waiting vehicles forward, oldest first, while their dock has room.
    A vehicle the rules still hold stays in the lot. No commit."""
    room = dock_room()
    called = []
    for row in waiting():
        if row.booking is None or room.get(row.booking.dock_id, 0) <= 0:
            continue
        try:
            decision = call(row.passage, user)
        except ActionError:
            continue
        called.append(row.passage)
        if decision is not Decision.HOLD:
            room[row.booking.dock_id] -= 1
    return called


def driver_message(passage: Passage) -> str:
    """What the driver reads, in Chinese and in English (the park's two languages)."""
    booking = passage.booking
    values: dict[str, Any] = {
        "plate": booking.vehicle.plate if booking else (passage.plate_read or "?"),
        "gate": passage.lane.gate.name,
        "dock": booking.dock.code if booking else "-",
        "reference": booking.reference if booking else "-",
    }
    texts = []
    for locale in ("zh_Hans_CN", "en"):
        with force_locale(locale):
            texts.append(
                gettext(
                    "%(plate)s: drive to %(gate)s now (booking %(reference)s, dock %(dock)s).",
                    **values,
                )
            )
    return " / ".join(texts)


def notify_called(passage: Passage) -> Sent:
    """Tell the called vehicle's driver (SMS/WeChat adapter; logged by default) and
    record it. Commits the record."""
    booking = passage.booking
    driver = booking.driver if booking else None
    sent = notifier().send(
        driver.phone if driver else None,
        driver_message(passage),
        booking.reference if booking else str(passage.id),
    )
    audit.record(
        "holding.driver_notified",
        entity_type="passage",
        entity_id=passage.id,
        details={
            "plate": passage.plate_read,
            "delivered": sent.delivered,
            "adapter": sent.adapter,
            "detail": sent.detail,
        },
    )
    db.session.commit()
    return sent

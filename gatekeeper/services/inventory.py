"""The hazardous goods inside the park now, line by line, kept incrementally: the lines of
the booking are put on the vehicle when its place is reserved, counted once it has passed,
follow the vehicle from zone to zone (through its presence), and go when a dock marks the
delivery unloaded or the vehicle leaves. This is what the fire brigade asks first."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from gatekeeper.domain.messages import N_
from gatekeeper.extensions import db
from gatekeeper.models import (
    Booking,
    BookingStatus,
    GoodsOnSite,
    Presence,
    PresenceKind,
    User,
    Vehicle,
    Zone,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit


class InventoryError(ValueError):
    """Shown to the user."""


def load_goods(presence: Presence, booking: Booking | None, at: datetime) -> None:
    """Put the booking's dangerous goods on the vehicle's presence (replacing any)."""
    presence.goods.clear()
    if booking is None:
        return
    for line in booking.cargo:
        if not line.un_number:
            continue
        good = line.dangerous_good
        presence.goods.append(
            GoodsOnSite(
                un_number=line.un_number,
                description=(good.name if good else line.description)[:200],
                hazard_class=good.hazard_class if good else None,
                quantity=float(line.quantity),
                unit=line.unit.value,
                since=at,
            )
        )


def mark_unloaded(booking: Booking, user: User) -> list[Presence]:
    """The dock took the delivery: the goods leave the vehicle, and the combination (truck
    and trailer) is an empty tanker now. No commit."""
    combination = list(
        db.session.scalars(
            select(Presence)
            .where(
                Presence.booking_id == booking.id,
                Presence.kind == PresenceKind.VEHICLE,
                Presence.passed_at.is_not(None),
            )
            .order_by(Presence.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    if not combination or booking.status is not BookingStatus.INSIDE:
        raise InventoryError(N_("the vehicle of this booking is not inside the park"))
    if all(p.unloaded_at is not None for p in combination):
        raise InventoryError(N_("this delivery is already marked unloaded"))
    lines = [f"{g.un_number} {g.quantity:g} {g.unit}" for p in combination for g in p.goods]
    now = utcnow()
    for presence in combination:
        presence.goods.clear()
        presence.unloaded_at = now
    audit.record(
        "booking.unloaded",
        entity_type="booking",
        entity_id=booking.id,
        details={"reference": booking.reference, "goods": lines},
        actor_user_id=user.id,
        actor=user.username,
    )
    return combination


@dataclass(frozen=True)
class GoodsLine:
    un_number: str | None
    description: str
    hazard_class: str | None
    quantity: float
    unit: str
    plate: str
    zone: Zone | None
    since: datetime


def goods_inside() -> list[GoodsLine]:
    """Every line of dangerous goods inside now, by zone, UN number and vehicle."""
    rows = db.session.execute(
        select(GoodsOnSite, Presence.plate, Vehicle.plate, Zone)
        .join(Presence, GoodsOnSite.presence_id == Presence.id)
        .outerjoin(Vehicle, Presence.vehicle_id == Vehicle.id)
        .outerjoin(Zone, Presence.zone_id == Zone.id)
        .where(Presence.passed_at.is_not(None))
        .order_by(Zone.code, GoodsOnSite.un_number, GoodsOnSite.id)
    ).all()
    return [
        GoodsLine(
            good.un_number,
            good.description,
            good.hazard_class,
            good.quantity,
            good.unit,
            vehicle_plate or plate or "?",
            zone,
            good.since,
        )
        for good, plate, vehicle_plate, zone in rows
    ]


def totals(lines: list[GoodsLine]) -> list[dict[str, Any]]:
    """Per UN number: the quantity by unit, the vehicles and the zones."""
    out: dict[str | None, dict[str, Any]] = {}
    for line in lines:
        entry = out.setdefault(
            line.un_number,
            {
                "un_number": line.un_number,
                "description": line.description,
                "hazard_class": line.hazard_class,
                "quantity": defaultdict(float),
                "vehicles": set(),
                "zones": set(),
            },
        )
        entry["quantity"][line.unit] += line.quantity
        entry["vehicles"].add(line.plate)
        entry["zones"].add(line.zone.code if line.zone else "?")
    return [
        {
            **entry,
            "quantity": dict(entry["quantity"]),
            "vehicles": sorted(entry["vehicles"]),
            "zones": sorted(entry["zones"]),
        }
        for _, entry in sorted(out.items(), key=lambda kv: kv[0] or "")
    ]


def tankers_by_zone() -> dict[int | None, dict[str, int]]:
    """Tankers inside per zone, a truck and its trailer counted once (by booking): loaded
    (goods on board) and empty (unloaded at the dock)."""
    loaded = select(GoodsOnSite.presence_id).where(GoodsOnSite.presence_id == Presence.id).exists()
    combination = func.coalesce(Presence.booking_id, -Presence.id)
    rows = db.session.execute(
        select(
            Presence.zone_id,
            func.count(combination.distinct()).filter(loaded),
            func.count(combination.distinct()).filter(Presence.unloaded_at.is_not(None)),
        )
        .where(Presence.kind == PresenceKind.VEHICLE, Presence.passed_at.is_not(None))
        .group_by(Presence.zone_id)
    ).all()
    return {zone_id: {"loaded": int(a), "empty": int(b)} for zone_id, a, b in rows}

"""A vehicle's file, for the park's managers looking into one truck: its registration and
documents, its standing, whether it is inside now (where, since when, its last checkpoint),
its bookings, every passage at the gates (paged), its alerts and its illegal parkings in the
park's counting period. Read only; each part one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from gatekeeper.domain.plates import normalize_plate
from gatekeeper.extensions import db
from gatekeeper.models import Alert, AlertKind, Booking, Passage, Presence, Vehicle
from gatekeeper.models.types import utcnow
from gatekeeper.services.alerts import latest_about

FOUND_LIMIT = 30
RECENT = 10


def find(text: str) -> list[Vehicle]:
    """Vehicles whose plate holds ``text`` (spaces, dashes and dots ignored), the closest
    first; a province character or plate colour need not be typed."""
    wanted = normalize_plate(text)
    if not wanted:
        return []
    return list(
        db.session.scalars(
            select(Vehicle)
            .where(Vehicle.plate_normalized.contains(wanted, autoescape=True))
            .options(selectinload(Vehicle.carrier), selectinload(Vehicle.company))
            .order_by(
                (Vehicle.plate_normalized != wanted),
                func.length(Vehicle.plate_normalized),
                Vehicle.plate_normalized,
                Vehicle.id,
            )
            .limit(FOUND_LIMIT)
        )
    )


@dataclass(frozen=True)
class VehicleFile:
    vehicle: Vehicle
    presence: Presence | None  # inside now (its barrier passed), or None
    bookings: list[Booking]  # the latest and coming ones, as motor vehicle or trailer
    alerts: list[Alert]
    parking_offences: int  # illegal parkings within the park's counting days
    offence_days: int


def file_of(vehicle: Vehicle, offence_days: int) -> VehicleFile:
    presence = db.session.scalar(
        select(Presence)
        .where(Presence.vehicle_id == vehicle.id, Presence.passed_at.is_not(None))
        .options(
            selectinload(Presence.zone),
            selectinload(Presence.last_checkpoint),
            selectinload(Presence.booking),
        )
    )
    bookings = list(
        db.session.scalars(
            select(Booking)
            .where(or_(Booking.vehicle_id == vehicle.id, Booking.trailer_id == vehicle.id))
            .options(selectinload(Booking.dock))
            .order_by(Booking.window_start.desc(), Booking.id.desc())
            .limit(RECENT)
        )
    )
    alerts = latest_about(RECENT, vehicle_id=vehicle.id)
    since = utcnow() - timedelta(days=offence_days)
    offences = db.session.scalar(
        select(func.count(Alert.id)).where(
            Alert.vehicle_id == vehicle.id,
            Alert.kind == AlertKind.ILLEGAL_PARKING,
            Alert.created_at >= since,
        )
    )
    return VehicleFile(vehicle, presence, bookings, alerts, int(offences or 0), offence_days)


def passages(vehicle: Vehicle) -> Select[Any]:
    """Every passage of the vehicle at the gates (as motor vehicle or trailer), the newest
    first: a query to page."""
    return (
        select(Passage)
        .where(or_(Passage.vehicle_id == vehicle.id, Passage.trailer_id == vehicle.id))
        .options(selectinload(Passage.lane), selectinload(Passage.operator))
        .order_by(Passage.occurred_at.desc(), Passage.id.desc())
    )


def documents(vehicle: Vehicle) -> list[tuple[str, str | None, date | None]]:
    """The vehicle's permits as the gate checks them: (which, number, last valid day)."""
    return [
        ("licence", vehicle.licence_number, vehicle.licence_inspection_expiry),
        ("dg_permit", vehicle.dg_permit_number, vehicle.dg_permit_expiry),
        ("adr_certificate", vehicle.adr_certificate_number, vehicle.adr_certificate_expiry),
        ("tank_inspection", vehicle.tank_code, vehicle.tank_inspection_expiry),
    ]

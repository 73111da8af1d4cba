"""Read-only queries behind the role home pages."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from gatekeeper.domain.expiry import ExpiryState, expiry_state
from gatekeeper.extensions import db
from gatekeeper.models import (
    Alert,
    AlertKind,
    AlertStatus,
    Booking,
    BookingStatus,
    Gate,
    Person,
    Presence,
    PresenceKind,
    Severity,
    Vehicle,
)
from gatekeeper.services.clock import day_bounds


def gates() -> list[Gate]:
    return list(
        db.session.scalars(select(Gate).options(selectinload(Gate.lanes)).order_by(Gate.code))
    )


def bookings_on(day: date, carrier_id: int | None = None) -> list[Booking]:
    start, end = day_bounds(day)
    query = (
        select(Booking)
        .where(Booking.window_start < end, Booking.window_end > start)
        .options(selectinload(Booking.cargo))
        .order_by(Booking.window_start)
    )
    if carrier_id is not None:
        query = query.where(Booking.carrier_id == carrier_id)
    return list(db.session.scalars(query))


def _inside() -> Any:
    """Who and what has passed a gate and not left (reserved places are not inside)."""
    return select(Presence).where(Presence.passed_at.is_not(None))


def hazmat_by_class() -> Counter[str]:
    counts: Counter[str] = Counter()
    for classes in db.session.scalars(
        select(Presence.hazard_classes).where(
            Presence.kind == PresenceKind.VEHICLE, Presence.passed_at.is_not(None)
        )
    ):
        counts.update(classes)
    return counts


def inside_now() -> Any:
    """Everyone and everything inside, by zone then arrival (a query to page)."""
    return (
        _inside()
        .options(
            selectinload(Presence.vehicle),
            selectinload(Presence.person),
            selectinload(Presence.zone),
            selectinload(Presence.booking),
        )
        .order_by(Presence.zone_id, Presence.passed_at, Presence.id)
    )


SEVERITY_ORDER = case(
    (Alert.severity == Severity.CRITICAL, 0), (Alert.severity == Severity.WARNING, 1), else_=2
)


def alerts_query(kind: AlertKind | None, status: AlertStatus | None) -> Any:
    """Alerts, the most severe first, then the newest; filtered by kind and status
    (``None``: open and acknowledged, i.e. not yet resolved)."""
    query = select(Alert).options(
        selectinload(Alert.acknowledged_by),
        selectinload(Alert.resolved_by),
        selectinload(Alert.vehicle),
        selectinload(Alert.person),
    )
    if kind is not None:
        query = query.where(Alert.kind == kind)
    if status is None:
        query = query.where(Alert.status != AlertStatus.RESOLVED)
    else:
        query = query.where(Alert.status == status)
    return query.order_by(SEVERITY_ORDER, Alert.created_at.desc(), Alert.id.desc())


def count_alerts() -> int:
    return (
        db.session.scalar(select(func.count(Alert.id)).where(Alert.status != AlertStatus.RESOLVED))
        or 0
    )


@dataclass(frozen=True)
class DatedItem:
    what: object  # a lazily translated label
    expires_on: date | None
    state: ExpiryState


def vehicle_documents(vehicle: Vehicle, today: date, warning_days: int) -> list[DatedItem]:
    items = [
        (_l("ADR certificate"), vehicle.adr_certificate_expiry, vehicle.adr_approval is not None),
        (_l("DG transport permit"), vehicle.dg_permit_expiry, vehicle.dg_permit_number is not None),
        (_l("Tank inspection"), vehicle.tank_inspection_expiry, vehicle.tank_code is not None),
    ]
    return [
        DatedItem(what, expires_on, expiry_state(expires_on, today, warning_days))
        for what, expires_on, needed in items
        if needed or expires_on is not None
    ]


def carrier_fleet(carrier_id: int) -> tuple[list[Vehicle], list[Person]]:
    vehicles = db.session.scalars(
        select(Vehicle)
        .where(Vehicle.carrier_id == carrier_id)
        .options(selectinload(Vehicle.documents))
        .order_by(Vehicle.plate)
    )
    persons = db.session.scalars(
        select(Person)
        .where(Person.carrier_id == carrier_id)
        .options(selectinload(Person.qualifications), selectinload(Person.documents))
        .order_by(Person.full_name)
    )
    return list(vehicles), list(persons)


def expected_today(day: date) -> list[Booking]:
    return [
        b for b in bookings_on(day) if b.status in (BookingStatus.APPROVED, BookingStatus.ARRIVED)
    ]

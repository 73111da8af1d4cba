"""The evacuation roll call: everyone inside now (staff, contractors, visitors, drivers,
escorts), where and when last seen, grouped by zone and muster point. A started roll call
keeps the list as it was at the alarm; wardens mark each person accounted for on a
tablet, and the count still missing is what the incident commander asks for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from gatekeeper.domain.messages import N_
from gatekeeper.extensions import db
from gatekeeper.models import (
    Booking,
    Checkpoint,
    Person,
    Presence,
    PresenceKind,
    RollCall,
    RollCallEntry,
    RollCallReason,
    User,
    Vehicle,
    Zone,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit


class RollCallError(ValueError):
    """Shown to the user."""


@dataclass(frozen=True)
class Inside:
    person_id: int
    name: str
    kind: str
    zone: str
    muster_point: str
    last_seen_at: datetime | None
    last_seen_where: str | None
    vehicle: str | None


def everyone_inside() -> list[Inside]:
    """Every person inside now, in one query of plain columns (a park of thousands is
    listed in milliseconds), by muster point, zone and name."""
    rows = db.session.execute(
        select(
            Person.id,
            Person.full_name,
            Person.kind,
            Zone.code,
            Zone.name,
            Zone.muster_point,
            Presence.last_seen_at,
            Presence.passed_at,
            Checkpoint.code,
            Vehicle.plate,
        )
        .select_from(Presence)
        .join(Person, Presence.person_id == Person.id)
        .outerjoin(Zone, Presence.zone_id == Zone.id)
        .outerjoin(Checkpoint, Presence.last_checkpoint_id == Checkpoint.id)
        .outerjoin(Booking, Presence.booking_id == Booking.id)
        .outerjoin(Vehicle, Booking.vehicle_id == Vehicle.id)
        .where(Presence.kind == PresenceKind.PERSON, Presence.passed_at.is_not(None))
    ).all()
    out = [
        Inside(
            person_id=person_id,
            name=name,
            kind=kind.value,
            zone=f"{zone_code} {zone_name}" if zone_code else "—",
            muster_point=muster or "—",
            last_seen_at=last_seen or passed,
            last_seen_where=checkpoint or zone_code,
            vehicle=plate,
        )
        for (
            person_id,
            name,
            kind,
            zone_code,
            zone_name,
            muster,
            last_seen,
            passed,
            checkpoint,
            plate,
        ) in rows
    ]
    return sorted(out, key=lambda i: (i.muster_point, i.zone, i.name))


def open_roll_call() -> RollCall | None:
    return db.session.scalar(
        select(RollCall)
        .where(RollCall.closed_at.is_(None))
        .options(selectinload(RollCall.entries))
        .order_by(RollCall.id.desc())
    )


def start(reason: RollCallReason, user: User) -> RollCall:
    """Freeze the list of everyone inside now into a roll call. No commit."""
    if open_roll_call() is not None:
        raise RollCallError(N_("a roll call is already running: close it first"))
    roll_call = RollCall(reason=reason, started_by_id=user.id, started_at=utcnow())
    for person in everyone_inside():
        roll_call.entries.append(
            RollCallEntry(
                person_id=person.person_id,
                label=person.name[:160],
                kind=person.kind,
                zone_label=person.zone[:160],
                muster_point=person.muster_point[:120],
                last_seen_at=person.last_seen_at,
                last_seen_where=person.last_seen_where,
            )
        )
    db.session.add(roll_call)
    db.session.flush()
    _audit(
        "rollcall.started",
        roll_call,
        user,
        {"reason": reason.value, "people": len(roll_call.entries)},
    )
    return roll_call


def mark(roll_call_id: int, entry_id: int, accounted: bool, user: User) -> RollCallEntry:
    """A warden found (or un-marks) one person. No commit."""
    entry = db.session.scalar(
        select(RollCallEntry)
        .where(RollCallEntry.id == entry_id, RollCallEntry.roll_call_id == roll_call_id)
        .with_for_update()
    )
    if entry is None:
        raise LookupError(entry_id)
    if entry.roll_call.closed_at is not None:
        raise RollCallError(N_("this roll call is closed"))
    entry.accounted_at = utcnow() if accounted else None
    entry.accounted_by_id = user.id if accounted else None
    _audit(
        "rollcall.marked" if accounted else "rollcall.unmarked",
        entry.roll_call,
        user,
        {"person": entry.label},
    )
    return entry


def close(roll_call_id: int, user: User) -> RollCall:
    roll_call = db.session.get(RollCall, roll_call_id)
    if roll_call is None:
        raise LookupError(roll_call_id)
    if roll_call.closed_at is not None:
        raise RollCallError(N_("this roll call is closed"))
    roll_call.closed_at = utcnow()
    _audit("rollcall.closed", roll_call, user, counts(roll_call))
    return roll_call


def counts(roll_call: RollCall) -> dict[str, int]:
    total = len(roll_call.entries)
    found = sum(1 for e in roll_call.entries if e.accounted_at is not None)
    return {"total": total, "accounted": found, "missing": total - found}


def missing_count(roll_call_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count(RollCallEntry.id)).where(
                RollCallEntry.roll_call_id == roll_call_id, RollCallEntry.accounted_at.is_(None)
            )
        )
        or 0
    )


def _audit(action: str, roll_call: RollCall, user: User, details: dict[str, Any]) -> None:
    audit.record(
        action,
        entity_type="roll_call",
        entity_id=roll_call.id,
        details=details,
        actor_user_id=user.id,
        actor=user.username,
    )

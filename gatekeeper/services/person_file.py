"""A person's file, for the park's managers looking into one driver, escort, employee,
contractor or visitor: who they are and for whom, their qualifications, their standing,
whether they are inside now (where, since when), their alerts and every passage on foot or
at the lanes' check-in (paged). Read only; each part one query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from gatekeeper.extensions import db
from gatekeeper.models import Alert, Booking, Person, PersonPassage, Presence
from gatekeeper.services.alerts import latest_about

RECENT = 10


@dataclass(frozen=True)
class PersonFile:
    person: Person
    presence: Presence | None  # inside now, or None
    bookings: list[Booking]  # the latest and coming ones as driver or escort
    alerts: list[Alert]


def file_of(person: Person) -> PersonFile:
    presence = db.session.scalar(
        select(Presence)
        .where(Presence.person_id == person.id, Presence.passed_at.is_not(None))
        .options(selectinload(Presence.zone), selectinload(Presence.vehicle))
    )
    bookings = list(
        db.session.scalars(
            select(Booking)
            .where(or_(Booking.driver_id == person.id, Booking.escort_id == person.id))
            .options(selectinload(Booking.vehicle), selectinload(Booking.dock))
            .order_by(Booking.window_start.desc(), Booking.id.desc())
            .limit(RECENT)
        )
    )
    alerts = latest_about(RECENT, person_id=person.id)
    return PersonFile(person, presence, bookings, alerts)


def passages(person: Person) -> Select[Any]:
    """Every passage of the person through the park's lanes, the newest first: a query to
    page."""
    return (
        select(PersonPassage)
        .where(PersonPassage.person_id == person.id)
        .options(selectinload(PersonPassage.lane), selectinload(PersonPassage.operator))
        .order_by(PersonPassage.occurred_at.desc(), PersonPassage.id.desc())
    )

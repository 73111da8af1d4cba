"""The park's blacklist: vehicles and people barred from the park for a time or until lifted.

A park manager blacklists a vehicle (repeated illegal parking: a year is usual) or suspends
it, and the gate refuses it from then on; a plate the park has never registered can be
barred too (it is kept as a vehicle record of no carrier, which the gate's plate matching
finds like any other). People are barred the same way: the gate refuses them as crew and
at the pedestrian lane. Every bar and every lifting is audited, and the carrier of a barred
vehicle or person is told on its notices page. A bar whose last day has passed no longer
holds (``domain.standing``); it stays listed as ended until someone bars again.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from gatekeeper.domain.messages import N_, Code, phrase
from gatekeeper.domain.plates import normalize_plate, province_of
from gatekeeper.domain.standing import barred_on
from gatekeeper.extensions import db
from gatekeeper.models import Notice, Person, Standing, User, Vehicle, VehicleKind
from gatekeeper.services import audit
from gatekeeper.services.dayplan import vehicles_matching
from gatekeeper.services.input_errors import InputErrors, Message
from gatekeeper.services.locks import park_write_lock
from gatekeeper.services.park import park_settings
from gatekeeper.services.plates import PlateError, check_typed_plate

BARS = (Standing.BLACKLISTED, Standing.SUSPENDED)
USUAL_DAYS = 365  # a year on the blacklist (repeated illegal parking): the form's proposal


class StandingError(InputErrors):
    """A bar or a lifting that cannot be saved: ``errors`` maps each field to its
    (translatable) message."""


class Period(enum.StrEnum):
    """Which bars a list shows: in force today, ended (their last day is past), or all."""

    CURRENT = "current"
    ENDED = "ended"
    ALL = "all"


@dataclass(frozen=True)
class Bar:
    standing: Standing
    reason: str
    until: date | None  # the last day; None: until lifted

    def check(self, today: date) -> None:
        errors: dict[str, Message] = {}
        if self.standing not in BARS:
            errors["standing"] = N_("choose blacklisted or suspended")
        if not self.reason.strip():
            errors["reason"] = N_("say why: the gate shows it to the guard")
        if self.until is not None and self.until < today:
            errors["until"] = N_("the last day cannot be before today")
        if errors:
            raise StandingError(errors)


# Vehicles ---------------------------------------------------------------------------------


def vehicles_by_plate(plate: str, country: str | None = None) -> list[Vehicle]:
    """Registered vehicles with this plate (separators ignored), in one country or any."""
    normalized = normalize_plate(plate)
    query = select(Vehicle).where(Vehicle.plate_normalized == normalized)
    if country:
        query = query.where(Vehicle.country == country.upper())
    return list(db.session.scalars(query.order_by(Vehicle.country, Vehicle.id)))


def _vehicle_to_bar(plate: str, country: str, kind: VehicleKind | None) -> Vehicle:
    """The registered vehicle with this plate, or a new record of no carrier for a plate
    the park does not know (a Chinese plate's province says its country). No flush."""
    try:
        typed = check_typed_plate(plate, park_settings().plate_formats)
    except PlateError as exc:
        raise StandingError({"plate": str(exc)}) from exc
    country = country.strip().upper() or ("CN" if province_of(typed) else "")
    found = vehicles_by_plate(typed, country or None)
    if len(found) == 1:
        return found[0]
    if found:
        countries = ", ".join(v.country for v in found)
        raise StandingError(
            {"country": phrase(N_("registered in %(countries)s: say which"), countries=countries)}
        )
    errors: dict[str, Message] = {}
    if len(country) != 2 or not country.isalpha():
        errors["country"] = N_("this plate is not registered: give its country (two letters)")
    if kind is None:
        errors["kind"] = N_("this plate is not registered: say what kind of vehicle it is")
    if errors:
        raise StandingError(errors)
    assert kind is not None
    vehicle = Vehicle(plate=typed, country=country, kind=kind)
    db.session.add(vehicle)
    return vehicle


def bar_vehicle(
    plate: str, country: str, kind: VehicleKind | None, bar: Bar, user: User, today: date
) -> Vehicle:
    """Blacklist or suspend the vehicle with this plate (see :func:`_vehicle_to_bar`).
    No commit."""
    park_write_lock()  # the plate's lookup and a new record as one: two at once bar once
    errors: dict[str, Message] = {}  # every field's error at once
    try:
        bar.check(today)
    except StandingError as exc:
        errors.update(exc.errors)
    try:
        vehicle = _vehicle_to_bar(plate, country, kind)
    except StandingError as exc:
        raise StandingError({**exc.errors, **errors}) from exc
    if errors:
        raise StandingError(errors)
    created = vehicle.id is None
    _apply(vehicle, bar)
    db.session.flush()
    _barred(vehicle, bar, user, created=created)
    return vehicle


def bar_person(person: Person, bar: Bar, user: User, today: date) -> Person:
    """Blacklist or suspend a person, and every registration of the same ID (a driver
    barred does not come back registered by another carrier). No commit."""
    bar.check(today)
    for same in [person, *same_id(person)]:
        _apply(same, bar)
        _barred(same, bar, user)
    return person


def same_id(person: Person) -> list[Person]:
    """The other registrations of the person's ID document (other carriers, the park)."""
    if person.id_number_digest is None or person.id_document_type is None:
        return []
    return list(
        db.session.scalars(
            select(Person)
            .where(
                Person.id_document_type == person.id_document_type,
                Person.id_number_digest == person.id_number_digest,
                Person.id != person.id,
            )
            .order_by(Person.id)
        )
    )


def inherit_bar(person: Person, today: date) -> None:
    """A person registered (or given an ID) that a bar in force names under another
    registration takes that bar. No commit."""
    for other in same_id(person):
        if barred_on(other.standing.value, other.standing_until, today):
            person.standing = other.standing
            person.standing_reason = other.standing_reason
            person.standing_until = other.standing_until
            return


def _apply(subject: Vehicle | Person, bar: Bar) -> None:
    subject.standing = bar.standing
    subject.standing_reason = bar.reason.strip()[:255]
    subject.standing_until = bar.until


def lift(subject: Vehicle | Person, why: str, user: User) -> None:
    """End a bar before its last day, with the reason (a person's, under every registration
    of the ID). No commit."""
    why = why.strip()[:500]
    if not why:
        raise StandingError({"why": N_("say why the bar is lifted")})
    if subject.standing not in BARS:
        raise StandingError({"why": N_("this is not barred")})
    if isinstance(subject, Person):
        for same in same_id(subject):
            if same.standing in BARS:
                _lift(same, why, user)
    _lift(subject, why, user)


def _lift(subject: Vehicle | Person, why: str, user: User) -> None:
    before = subject.standing
    subject.standing = Standing.ACTIVE
    subject.standing_reason = None
    subject.standing_until = None
    kind, name = _subject(subject)
    audit.record(
        f"{kind}.bar_lifted",
        entity_type=kind,
        entity_id=subject.id,
        details={"name": name, "was": before.value, "why": why},
        actor_user_id=user.id,
        actor=user.username,
    )
    if subject.carrier_id is not None:
        db.session.add(
            Notice.draft(
                phrase(N_("%(subject)s may enter the park again"), subject=name),
                carrier_id=subject.carrier_id,
                link=_carrier_link(subject),
                dedup_key=f"c{subject.carrier_id}:standing:{uuid.uuid4().hex}",
            )
        )


def _subject(subject: Vehicle | Person) -> tuple[str, str]:
    if isinstance(subject, Vehicle):
        return "vehicle", subject.plate
    return "person", subject.full_name


def _carrier_link(subject: Vehicle | Person) -> str:
    kind = "vehicles" if isinstance(subject, Vehicle) else "persons"
    return f"/carrier/{kind}/{subject.id}/edit"


def _barred(subject: Vehicle | Person, bar: Bar, user: User, created: bool = False) -> None:
    """Audit the bar and tell the subject's carrier, if any."""
    kind, name = _subject(subject)
    audit.record(
        f"{kind}.barred",
        entity_type=kind,
        entity_id=subject.id,
        details={
            "name": name,
            "standing": bar.standing.value,
            "reason": bar.reason.strip(),
            "until": bar.until.isoformat() if bar.until else None,
            "unregistered_plate": created,
        },
        actor_user_id=user.id,
        actor=user.username,
    )
    if subject.carrier_id is None:
        return
    standing = Code(bar.standing.value, "standing")
    text = (
        phrase(
            N_("%(subject)s is %(standing)s until %(day)s: %(why)s"),
            subject=name,
            standing=standing,
            day=bar.until.isoformat(),
            why=bar.reason.strip(),
        )
        if bar.until
        else phrase(
            N_("%(subject)s is %(standing)s until further notice: %(why)s"),
            subject=name,
            standing=standing,
            why=bar.reason.strip(),
        )
    )
    db.session.add(
        Notice.draft(
            text,
            carrier_id=subject.carrier_id,
            link=_carrier_link(subject),
            dedup_key=f"c{subject.carrier_id}:standing:{uuid.uuid4().hex}",
        )
    )


# Lists ------------------------------------------------------------------------------------


def _in_period(model: type[Vehicle] | type[Person], period: Period, today: date) -> Any:
    barred = model.standing.in_(BARS)
    ongoing = or_(model.standing_until.is_(None), model.standing_until >= today)
    if period is Period.CURRENT:
        return barred & ongoing
    if period is Period.ENDED:
        return barred & ~ongoing
    return barred


def barred_vehicles(period: Period, text: str, today: date) -> Select[Any]:
    """Barred vehicles in the period, by plate; ``text`` narrows them to plates containing
    it (separators ignored)."""
    query = (
        select(Vehicle)
        .where(_in_period(Vehicle, period, today))
        .options(selectinload(Vehicle.carrier), selectinload(Vehicle.company))
        .order_by(Vehicle.plate_normalized, Vehicle.id)
    )
    text = text.strip()
    if text:
        query = query.where(Vehicle.id.in_(vehicles_matching(text)))
    return query


def barred_persons(period: Period, text: str, today: date) -> Select[Any]:
    """Barred people in the period, by name; ``text`` narrows them by name."""
    query = (
        select(Person)
        .where(_in_period(Person, period, today))
        .options(selectinload(Person.carrier), selectinload(Person.company))
        .order_by(Person.full_name, Person.id)
    )
    text = text.strip()
    if text:
        query = query.where(func.lower(Person.full_name).contains(text.lower(), autoescape=True))
    return query

"""The park's own people: employees of the park's companies and contractors working for them,
registered by the park's safety office (carriers register their drivers and escorts
themselves, hosts their visitors).

A contractor walks in only with a valid safety induction and liability insurance
(``domain.people``); both are kept as qualifications with their last valid day, so the
pedestrian lane, the expiry notices and the alerts read them as they read a driver's
certificates. The park registers these people itself: they need no review.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import selectinload

from gatekeeper.domain.messages import N_, phrase
from gatekeeper.extensions import db
from gatekeeper.models import (
    Company,
    IdDocumentType,
    Person,
    PersonKind,
    Qualification,
    QualificationKind,
    ReviewStatus,
    User,
)
from gatekeeper.services import audit, standing
from gatekeeper.services.clock import park_today, plausible_day
from gatekeeper.services.crew import PHONE_PATTERN, checked_id, id_holder, normalise_id
from gatekeeper.services.fleet import input_errors
from gatekeeper.services.input_errors import InputErrors, Message
from gatekeeper.services.locks import park_write_lock

KINDS = (PersonKind.EMPLOYEE, PersonKind.CONTRACTOR)
# The dated qualifications this page keeps, by the input field that holds their last day.
DATED = {
    "induction_until": QualificationKind.INDUCTION,
    "insurance_until": QualificationKind.INSURANCE,
}


class StaffError(InputErrors):
    """Input that cannot be saved: ``errors`` maps each field to its message."""


class StaffInput(BaseModel):
    """An employee or contractor as the safety office types them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["employee", "contractor"]
    full_name: str = Field(min_length=2, max_length=160)
    # Checked against the park's companies with the rest (every error at once).
    company_id: int | None = Field(None, ge=1)
    badge_number: str | None = Field(None, max_length=40, pattern=r"^[A-Za-z0-9-]+$")
    id_document_type: IdDocumentType | None = None
    id_number: str | None = Field(None, min_length=4, max_length=40)
    phone: str | None = Field(None, pattern=PHONE_PATTERN)
    induction_until: date | None = None
    insurance_until: date | None = None
    registered_until: date | None = None  # the last day they work here; None: open-ended

    @field_validator("induction_until", "insurance_until", "registered_until")
    @classmethod
    def _plausible(cls, day: date | None) -> date | None:
        if day is not None and not plausible_day(day):
            raise ValueError("implausible day")
        return day


# The messages of this input's own patterns and ranges (shape_errors knows the common ones).
_OWN_MESSAGES = {
    "badge_number": N_("letters, digits and dashes"),
    "induction_until": N_("days from 1970 to 2999"),
    "insurance_until": N_("days from 1970 to 2999"),
    "registered_until": N_("days from 1970 to 2999"),
    "company_id": N_("choose one of the park's companies"),
}


def parse(data: dict[str, Any]) -> StaffInput:
    cleaned = {k: (None if v == "" else v) for k, v in data.items()}
    try:
        return StaffInput.model_validate(cleaned)
    except ValidationError as exc:
        errors: dict[str, Message] = dict(input_errors(exc, _OWN_MESSAGES))
        if cleaned.get("company_id") is None:  # said with the rest, not after them
            errors.setdefault("company_id", N_("choose one of the park's companies"))
        raise StaffError(errors) from exc


def _check(value: StaffInput, existing: Person | None) -> str | None:
    """The checks that need the park: the company, a badge nobody else holds, the ID's
    check digit and duplicates. Returns the ID digest (None: unchanged or none)."""
    errors: dict[str, Message] = {}
    if value.company_id is None or db.session.get(Company, value.company_id) is None:
        errors["company_id"] = N_("choose one of the park's companies")
    if value.badge_number:
        holder = db.session.scalar(
            select(Person).where(func.upper(Person.badge_number) == value.badge_number.upper())
        )
        if holder is not None and holder is not existing:
            errors["badge_number"] = phrase(
                N_("this badge is %(name)s's already"), name=holder.full_name
            )
    digest = None
    if value.id_number and value.id_document_type is None:
        errors["id_document_type"] = N_("say which document the number is from")
    elif value.id_number and value.id_document_type is not None:
        try:
            digest = checked_id(value.id_document_type, value.id_number)
        except ValueError as exc:
            errors["id_number"] = str(exc)
        else:
            holder = id_holder(value.id_document_type, digest, None)
            if holder is not None and holder is not existing:
                errors["id_number"] = phrase(
                    N_("%(name)s is registered with this ID already"), name=holder.full_name
                )
    if errors:
        raise StaffError(errors)
    return digest


def check(data: dict[str, Any], existing: Person | None) -> None:
    """Whether the input could be saved (StaffError if not). Writes nothing."""
    _check(parse(data), existing)


def register(data: dict[str, Any], user: User) -> Person:
    """A new employee or contractor. No commit."""
    park_write_lock()  # the duplicate checks and the write as one: two at once save once
    value = parse(data)
    digest = _check(value, None)
    person = Person(review_status=ReviewStatus.APPROVED)
    _apply(person, value, digest)
    db.session.add(person)
    db.session.flush()
    audit.record(
        "staff.person_registered",
        entity_type="person",
        entity_id=person.id,
        details={"name": person.full_name, "kind": person.kind.value},
        actor_user_id=user.id,
        actor=user.username,
    )
    return person


def change(person: Person, data: dict[str, Any], user: User) -> list[str]:
    """Change an employee or contractor (an empty ID number keeps the one stored). Returns
    the fields changed. No commit."""
    park_write_lock()  # the duplicate checks and the write as one: two at once save once
    if person.kind not in KINDS or person.carrier_id is not None:
        raise StaffError({"kind": N_("not an employee or contractor of the park")})
    value = parse(data)
    digest = _check(value, person)
    before = current(person)
    new_id = digest is not None and digest != person.id_number_digest
    _apply(person, value, digest)
    after = current(person)
    changed = [name for name, old in before.items() if after[name] != old]
    if new_id:
        changed.append("id_number")
    if changed:
        audit.record(
            "staff.person_changed",
            entity_type="person",
            entity_id=person.id,
            details={"name": person.full_name, "fields": changed},
            actor_user_id=user.id,
            actor=user.username,
        )
    return changed


def _apply(person: Person, value: StaffInput, digest: str | None) -> None:
    person.kind = PersonKind(value.kind)
    person.full_name = value.full_name
    person.company_id = value.company_id
    person.badge_number = value.badge_number.upper() if value.badge_number else None
    person.phone = value.phone
    person.registered_until = value.registered_until
    if digest is not None and value.id_number:
        person.id_document_type = value.id_document_type
        person.id_number_digest = digest
        person.id_number_tail = normalise_id(value.id_number)[-4:]
        standing.inherit_bar(person, park_today())
    for field, kind in DATED.items():
        _set_dated(person, kind, getattr(value, field))


def _set_dated(person: Person, kind: QualificationKind, last_day: date | None) -> None:
    """One qualification of the kind with this last day (None: none)."""
    held = [q for q in person.qualifications if q.kind is kind]
    if last_day is None:
        for q in held:
            person.qualifications.remove(q)
        return
    if held:
        held[0].expires_on = last_day
        if held[0].valid_from is not None and held[0].valid_from > last_day:
            held[0].valid_from = None
        for q in held[1:]:
            person.qualifications.remove(q)
    else:
        person.qualifications.append(Qualification(kind=kind, expires_on=last_day))


def last_day(person: Person, kind: QualificationKind) -> date | None:
    days = [q.expires_on for q in person.qualifications if q.kind is kind]
    return max(days) if days else None


def current(person: Person) -> dict[str, Any]:
    """The person's stored values in the input's shape (no ID number: it is not kept)."""
    return {
        "kind": person.kind.value,
        "full_name": person.full_name,
        "company_id": person.company_id,
        "badge_number": person.badge_number,
        "id_document_type": person.id_document_type,
        "phone": person.phone,
        "registered_until": person.registered_until,
        **{field: last_day(person, kind) for field, kind in DATED.items()},
    }


# The list ---------------------------------------------------------------------------------


class Attention(enum.StrEnum):
    """Which people a list shows: all, those a dated qualification keeps out today, or those
    whose qualification ends within the warning days."""

    ALL = "all"
    BARRED = "barred"
    EXPIRING = "expiring"
    LEFT = "left"  # their registration ended: they work here no longer


def _qualification(kind: QualificationKind, condition: Any) -> Any:
    return exists().where(
        Qualification.person_id == Person.id, Qualification.kind == kind, condition
    )


def listing(
    kind: PersonKind | None,
    company_id: int | None,
    text: str,
    attention: Attention,
    today: date,
    warning_days: int,
) -> Select[Any]:
    """The park's employees and contractors, by name."""
    query = (
        select(Person)
        .where(Person.carrier_id.is_(None), Person.kind.in_(KINDS))
        .options(selectinload(Person.company), selectinload(Person.qualifications))
        .order_by(Person.full_name, Person.id)
    )
    if kind is not None:
        query = query.where(Person.kind == kind)
    if company_id is not None:
        query = query.where(Person.company_id == company_id)
    text = text.strip()
    if text:
        query = query.where(
            or_(
                func.lower(Person.full_name).contains(text.lower(), autoescape=True),
                func.upper(Person.badge_number) == text.upper(),
                Person.id_number_tail == text[-4:].upper(),
            )
        )
    needed = list(DATED.values())
    valid = Qualification.expires_on >= today
    if attention is Attention.BARRED:  # a contractor without both valid today
        query = query.where(
            Person.kind == PersonKind.CONTRACTOR,
            or_(*(~_qualification(k, valid) for k in needed)),
        )
    elif attention is Attention.LEFT:
        query = query.where(Person.registered_until < today)
    elif attention is Attention.EXPIRING:
        soon = Qualification.expires_on.between(today, today + timedelta(days=warning_days))
        query = query.where(or_(*(_qualification(k, soon) for k in needed)))
    return query

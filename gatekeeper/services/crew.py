"""Carriers register and change their own drivers and escorts; the park reviews them.

One schema (:class:`PersonInput`, pydantic) validates the carrier's form and the carrier
API alike, as :mod:`gatekeeper.services.fleet` does for vehicles. A person's photo-ID
number is never stored: only a keyed digest (to refuse a duplicate and to make imports
idempotent) and its last four characters (to show it masked). A Chinese resident ID is
checked against its check digit (GB 11643-1999, ISO 7064 MOD 11-2).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date
from typing import Any, Literal

from flask import current_app
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from gatekeeper.domain.messages import N_
from gatekeeper.domain.standing import barred_on, standing_json
from gatekeeper.extensions import db
from gatekeeper.models import (
    Carrier,
    IdDocumentType,
    Person,
    PersonKind,
    Qualification,
    QualificationKind,
    ReviewStatus,
    User,
)
from gatekeeper.services import audit, standing
from gatekeeper.services.clock import park_today
from gatekeeper.services.fleet import FleetError, record_review, shape_errors
from gatekeeper.services.locks import park_write_lock

_CLASS = re.compile(r"^[1-9](\.[1-6])?$")
PHONE_PATTERN = r"^\+?[0-9][0-9 ()-]{4,38}$"
TANK = "tank"  # the marker of the ADR tank specialisation among a certificate's classes
# The certificates a carrier's crew hold (the park's own kinds are registered by the park).
CREW_QUALIFICATIONS = (
    QualificationKind.DG_DRIVER_CN,
    QualificationKind.ADR_DRIVER,
    QualificationKind.ESCORT,
)


class QualificationInput(BaseModel):
    """One certificate of a driver or escort."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["dg_driver_cn", "adr_driver", "escort"]
    number: str = Field(min_length=3, max_length=64)
    classes: list[str] = Field(default_factory=list, max_length=12)
    tank: bool = False
    valid_from: date | None = None
    expires_on: date

    @field_validator("classes", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):  # the form's "2, 3, 8"
            return [part for part in re.split(r"[\s,;]+", value) if part]
        return value


class PersonInput(BaseModel):
    """A driver or escort as a carrier describes them (form fields and API JSON).

    ``id_number`` is written, never read back: on a change, leaving it out keeps the
    stored one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["driver", "escort"]
    full_name: str = Field(min_length=2, max_length=160)
    id_document_type: IdDocumentType
    id_number: str | None = Field(None, min_length=4, max_length=40)
    nationality: str | None = Field(None, pattern=r"^[A-Za-z]{2}$")
    phone: str | None = Field(None, pattern=PHONE_PATTERN)
    qualifications: list[QualificationInput] = Field(default_factory=list, max_length=6)

    @field_validator("nationality")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value


def normalise_id(number: str) -> str:
    return re.sub(r"[\s-]", "", number).upper()


def cn_resident_id_valid(number: str) -> bool:
    """The 18th character of a resident ID is its ISO 7064 MOD 11-2 check digit."""
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        return False
    total = sum(int(digit) * (2 ** (17 - i) % 11) for i, digit in enumerate(number[:17]))
    return "10X98765432"[total % 11] == number[17]


def id_digest(kind: IdDocumentType, number: str) -> str:
    """A keyed digest of an ID number: equal for equal numbers, useless without the key
    (the audit key, kept outside the database)."""
    key = hmac.new(
        current_app.config["GATEKEEPER_AUDIT_KEY"].encode(), b"person-id", hashlib.sha256
    ).digest()
    message = f"{kind.value}:{normalise_id(number)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def checked_id(kind: IdDocumentType, number: str) -> str:
    """The digest of an ID number; ValueError (its message translatable) when a resident
    ID's check digit is wrong."""
    number = normalise_id(number)
    if kind is IdDocumentType.CN_RESIDENT_ID and not cn_resident_id_valid(number):
        raise ValueError(N_("not a resident ID number (18 characters, check digit)"))
    return id_digest(kind, number)


def id_holder(kind: IdDocumentType, digest: str, carrier_id: int | None) -> Person | None:
    """Who holds this ID among the carrier's people (None: among the park's own)."""
    owner = Person.carrier_id.is_(None) if carrier_id is None else Person.carrier_id == carrier_id
    return db.session.scalar(
        select(Person)
        .where(owner, Person.id_document_type == kind, Person.id_number_digest == digest)
        .limit(1)
    )


def parse_person(data: dict[str, Any]) -> PersonInput:
    """Validate the shape of the input (types, lengths, known values)."""
    cleaned = {k: (None if v == "" else v) for k, v in data.items()}
    try:
        return PersonInput.model_validate(cleaned)
    except ValidationError as exc:
        raise FleetError(shape_errors(exc)) from exc


def check_person(value: PersonInput, carrier_id: int, existing: Person | None) -> str | None:
    """The checks that need the park: the ID's check digit and duplicates, certificates
    that suit the role and have not expired. Returns the ID digest (None: unchanged)."""
    errors: dict[str, str] = {}
    digest: str | None = None
    if value.id_number is None:
        if existing is None:
            errors["id_number"] = N_("required")
    else:
        try:
            digest = checked_id(value.id_document_type, value.id_number)
        except ValueError as exc:
            errors["id_number"] = str(exc)
        else:
            holder = id_holder(value.id_document_type, digest, carrier_id)
            if holder is not None and holder is not existing:
                errors["id_number"] = N_("a person with this ID is registered already")
    today = park_today()
    for n, qual in enumerate(value.qualifications):
        where = f"qualifications.{n}"
        unknown = [c for c in qual.classes if not _CLASS.match(c)]
        if unknown:
            errors[f"{where}.classes"] = N_("hazard classes such as 2, 3, 6.1, 8")
        if qual.expires_on < today:
            errors[f"{where}.expires_on"] = N_(
                "already expired: enter the renewed document's expiry"
            )
        if qual.valid_from is not None and qual.valid_from > qual.expires_on:
            errors[f"{where}.valid_from"] = N_("after the expiry")
        if (qual.kind == "escort") != (value.kind == "escort"):
            errors[f"{where}.kind"] = N_("a certificate for the other role")
    if errors:
        raise FleetError(errors)
    return digest


def _qualifications(value: PersonInput) -> list[Qualification]:
    return [
        Qualification(
            kind=QualificationKind(q.kind),
            number=q.number,
            classes=[*q.classes, *([TANK] if q.tank else [])],
            valid_from=q.valid_from,
            expires_on=q.expires_on,
        )
        for q in value.qualifications
    ]


def register_person(carrier: Carrier, data: dict[str, Any]) -> Person:
    """A new driver or escort of the carrier, waiting for the park's review. No commit."""
    park_write_lock()  # the duplicate checks and the write as one: two at once save once
    value = parse_person(data)
    digest = check_person(value, carrier.id, None)
    assert value.id_number is not None  # _check requires it for a new person
    person = Person(
        carrier=carrier,
        kind=PersonKind(value.kind),
        full_name=value.full_name,
        id_document_type=value.id_document_type,
        id_number_digest=digest,
        id_number_tail=normalise_id(value.id_number)[-4:],
        nationality=value.nationality,
        phone=value.phone,
        review_status=ReviewStatus.PENDING,
    )
    person.qualifications.extend(_qualifications(value))
    db.session.add(person)
    db.session.flush()
    standing.inherit_bar(person, park_today())
    audit.record(
        "crew.person_registered",
        entity_type="person",
        entity_id=person.id,
        details={"name": person.full_name, "kind": person.kind.value, "carrier": carrier.code},
    )
    return person


def current_input(person: Person) -> dict[str, Any]:
    """A person's stored values in the input's shape (no ID number: it is not kept)."""
    return {
        "kind": person.kind.value,
        "full_name": person.full_name,
        "id_document_type": person.id_document_type,
        "nationality": person.nationality,
        "phone": person.phone,
        "qualifications": [qualification_json(q) for q in person.qualifications],
    }


def change_person(person: Person, data: dict[str, Any]) -> list[str]:
    """Change a person (the fields given, API PATCH; or all, the form); a change goes back
    to the park's review. ``qualifications``, when given, replaces the list. Returns the
    changed fields. No commit."""
    park_write_lock()  # the duplicate checks and the write as one: two at once save once
    current = current_input(person)
    merged = {**current, **{k: v for k, v in data.items() if k != "id_number" or v}}
    if merged.get("id_document_type") != current["id_document_type"] and not data.get("id_number"):
        raise FleetError({"id_number": N_("type the number of the new ID document")})
    value = parse_person(merged)
    if person.carrier_id is None:  # the carrier's own person only; fail closed anyway
        raise FleetError({"body": N_("not valid")})
    digest = check_person(value, person.carrier_id, person)
    new = value.model_dump(mode="json", exclude={"id_number"})
    old = PersonInput.model_validate(current).model_dump(mode="json", exclude={"id_number"})
    changed = [name for name in new if new[name] != old[name]]
    if digest is not None and digest != person.id_number_digest:
        changed.append("id_number")
    for name in changed:
        if name == "qualifications":
            person.qualifications.clear()
            db.session.flush()
            person.qualifications.extend(_qualifications(value))
        elif name == "id_number":
            assert value.id_number is not None
            person.id_number_digest = digest
            person.id_number_tail = normalise_id(value.id_number)[-4:]
            standing.inherit_bar(person, park_today())
        elif name == "kind":
            person.kind = PersonKind(value.kind)
        else:
            setattr(person, name, getattr(value, name))
    if changed:
        person.review_status = ReviewStatus.PENDING
        person.review_comment = None
        audit.record(
            "crew.person_changed",
            entity_type="person",
            entity_id=person.id,
            details={"name": person.full_name, "fields": changed},
        )
    return changed


def review_person(person: Person, approve: bool, comment: str | None, user: User) -> None:
    """The park approves or rejects (with a reason) a driver or escort. No commit."""
    record_review(person, approve, comment, user, "crew.person_reviewed")


def carrier_person(carrier_id: int, person_id: int) -> Person | None:
    """The carrier's own person, or None (another carrier's person is not found)."""
    return db.session.scalar(
        select(Person)
        .where(Person.id == person_id, Person.carrier_id == carrier_id)
        .options(selectinload(Person.qualifications))
    )


def carrier_persons(carrier_id: int) -> list[Person]:
    return list(
        db.session.scalars(
            select(Person)
            .where(Person.carrier_id == carrier_id)
            .options(selectinload(Person.qualifications))
            .order_by(Person.full_name)
        )
    )


def qualification_json(q: Qualification) -> dict[str, Any]:
    return {
        "kind": q.kind.value,
        "number": q.number,
        "classes": [c for c in q.classes if c != TANK],
        "tank": TANK in q.classes,
        "valid_from": q.valid_from.isoformat() if q.valid_from else None,
        "expires_on": q.expires_on.isoformat(),
    }


def person_json(person: Person) -> dict[str, Any]:
    return {
        "id": person.id,
        "kind": person.kind.value,
        "full_name": person.full_name,
        "id_document_type": person.id_document_type.value if person.id_document_type else None,
        "id_number_masked": person.id_masked,
        "nationality": person.nationality,
        "phone": person.phone,
        "qualifications": [qualification_json(q) for q in person.qualifications],
        "review": {"status": person.review_status.value, "comment": person.review_comment},
        **standing_json(person.standing.value, person.standing_until, park_today()),
    }


def booking_blockers(
    person: Person, first_day: date, last_day: date, dangerous: bool = True
) -> list[str]:
    """Why the driver or escort cannot be booked for these days (empty: they can): not
    approved by the park, not in good standing, or (carrying dangerous goods) no
    certificate of their role valid over the days."""
    problems: list[str] = []
    if person.review_status is not ReviewStatus.APPROVED:
        problems.append(N_("not approved by the park"))
    if barred_on(person.standing.value, person.standing_until, first_day):
        problems.append(N_("not in good standing"))
    kinds = ("escort",) if person.kind == PersonKind.ESCORT else ("dg_driver_cn", "adr_driver")
    if dangerous and not any(
        q.kind.value in kinds
        and (q.valid_from is None or q.valid_from <= first_day)
        and last_day <= q.expires_on
        for q in person.qualifications
    ):
        problems.append(N_("no valid certificate over the booked days"))
    return problems

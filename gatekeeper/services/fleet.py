"""Carriers register and change their own vehicles and trailers; the park reviews them.

One schema (:class:`VehicleInput`, pydantic) validates the carrier's form and the carrier
API alike; the checks that need the park (plate formats, duplicates, the dangerous-goods
list, today's date) follow it. Errors are per field, with translatable messages, and
nothing is written unless everything is valid. A vehicle a carrier registers or changes
waits for the park's review (pending); only approved vehicles can be booked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select

from gatekeeper.domain.messages import N_
from gatekeeper.domain.plates import normalize_plate
from gatekeeper.domain.standing import barred_on, standing_json
from gatekeeper.extensions import db
from gatekeeper.models import (
    AdrApproval,
    Carrier,
    DangerousGood,
    Document,
    Person,
    PlateColour,
    ReviewStatus,
    User,
    Vehicle,
    VehicleKind,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit
from gatekeeper.services.clock import park_today
from gatekeeper.services.locks import park_write_lock
from gatekeeper.services.park import park_settings
from gatekeeper.services.plates import PlateError, check_typed_plate

_CLASS = re.compile(r"^[1-9](\.[1-6])?$")
_UN = re.compile(r"^[0-9]{4}$")
# A vehicle's dated documents (column: what it is), for checks, notices and bookings.
VEHICLE_DOCUMENT_LABELS = {
    "licence_inspection_expiry": N_("vehicle licence inspection"),
    "dg_permit_expiry": N_("road transport certificate"),
    "adr_certificate_expiry": N_("ADR certificate of approval"),
    "tank_inspection_expiry": N_("tank inspection"),
}


class VehicleInput(BaseModel):
    """A vehicle or trailer as a carrier describes it (form fields and API JSON)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    plate: str = Field(min_length=2, max_length=20)
    country: str = Field(pattern=r"^[A-Za-z]{2}$")
    plate_colour: PlateColour | None = None
    kind: VehicleKind
    make_model: str | None = Field(None, max_length=80)
    licence_number: str | None = Field(None, max_length=64)
    licence_inspection_expiry: date | None = None
    dg_permit_number: str | None = Field(None, max_length=64)
    dg_permit_expiry: date | None = None
    adr_approval: AdrApproval | None = None
    adr_certificate_number: str | None = Field(None, max_length=64)
    adr_certificate_expiry: date | None = None
    tank_code: str | None = Field(None, max_length=16)
    tank_inspection_expiry: date | None = None
    tank_approved: list[str] = Field(default_factory=list, max_length=40)

    @field_validator("country")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @field_validator("tank_approved", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):  # the form's "1203, 1202, 3"
            return [part for part in re.split(r"[\s,;]+", value) if part]
        return value


class FleetError(ValueError):
    """Input that cannot be saved: ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def parse_vehicle(data: dict[str, Any]) -> VehicleInput:
    """Validate the shape of the input (types, lengths, known values)."""
    cleaned = {k: (None if v == "" else v) for k, v in data.items()}
    try:
        return VehicleInput.model_validate(cleaned)
    except ValidationError as exc:
        raise FleetError(shape_errors(exc)) from exc


def shape_errors(exc: ValidationError) -> dict[str, str]:
    """One message per field; a nested field is named by its path ("qualifications.0.number")."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) if error["loc"] else "body"
        errors.setdefault(field, _shape_message(error))
    return errors


# Failures whose common message says it best (a date that is no date, a field left out).
_COMMON_ONLY = ("missing", "date_parsing", "date_from_datetime_parsing")


def input_errors(exc: ValidationError, own: Mapping[str, str]) -> dict[str, str]:
    """:func:`shape_errors`, with an input's own message for its fields' patterns and ranges
    (``own``: field -> message)."""
    errors = shape_errors(exc)
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        if field in own and error["type"] not in _COMMON_ONLY:
            errors[field] = own[field]
    return errors


def _shape_message(error: Any) -> str:
    kind = error.get("type", "")
    if kind == "missing" or (kind.endswith("_type") and error.get("input") is None):
        return N_("required")
    if kind == "extra_forbidden":
        return N_("unknown field")
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        return N_("a date as YYYY-MM-DD")
    if kind in ("enum", "literal_error"):
        return N_("not one of the listed values")
    if kind in ("string_too_long", "string_too_short", "too_long"):
        return N_("too long or too short")
    if kind == "string_pattern_mismatch":
        if error["loc"] and error["loc"][-1] == "phone":
            return N_("a phone number: digits, spaces, +, -")
        return N_("two letters (ISO country code)")
    if kind in ("bool_parsing", "bool_type"):
        return N_("yes or no")
    if kind in ("list_type", "model_type", "model_attributes_type", "dict_type"):
        return N_("not valid")
    return N_("not valid")


def check_vehicle(value: VehicleInput, existing: Vehicle | None) -> VehicleInput:
    """The checks that need the park: formats, duplicates, the list, today."""
    errors: dict[str, str] = {}
    try:
        plate = check_typed_plate(value.plate, list(park_settings().plate_formats))
    except PlateError as exc:
        errors["plate"] = str(exc)
    else:
        value = value.model_copy(update={"plate": plate})
        duplicate = db.session.scalar(
            select(Vehicle.id).where(
                Vehicle.plate_normalized == normalize_plate(plate),
                Vehicle.country == value.country,
            )
        )
        if duplicate is not None and (existing is None or duplicate != existing.id):
            errors["plate"] = N_("a vehicle with this plate is registered already")
    if value.country == "CN" and value.plate_colour is None:
        errors["plate_colour"] = N_("a Chinese plate's colour is recorded with every passage")
    today = park_today()
    for name in VEHICLE_DOCUMENT_LABELS:
        expires = getattr(value, name)
        if expires is not None and expires < today:
            errors[name] = N_("already expired: enter the renewed document's expiry")
    if value.adr_approval is not None and value.adr_certificate_expiry is None:
        errors["adr_certificate_expiry"] = N_("required with an ADR certificate of approval")
    unknown = [item for item in value.tank_approved if not _tank_approval_known(item)]
    if unknown:
        errors["tank_approved"] = N_("not a UN number on the list or a hazard class")
    if errors:
        raise FleetError(errors)
    return value


def _tank_approval_known(item: str) -> bool:
    if _CLASS.match(item):
        return True
    return bool(
        _UN.match(item)
        and db.session.scalar(
            select(DangerousGood.un_number).where(DangerousGood.un_number == item)
        )
    )


def register_vehicle(carrier: Carrier, data: dict[str, Any]) -> Vehicle:
    """A new vehicle of the carrier, waiting for the park's review. No commit."""
    park_write_lock()  # the duplicate checks and the write as one: two at once save once
    value = check_vehicle(parse_vehicle(data), None)
    vehicle = Vehicle(carrier=carrier, review_status=ReviewStatus.PENDING, **value.model_dump())
    db.session.add(vehicle)
    db.session.flush()
    audit.record(
        "fleet.vehicle_registered",
        entity_type="vehicle",
        entity_id=vehicle.id,
        details={"plate": vehicle.plate, "carrier": carrier.code},
    )
    return vehicle


def change_vehicle(vehicle: Vehicle, data: dict[str, Any]) -> list[str]:
    """Change a vehicle (the fields given, API PATCH; or all, the form); a change goes
    back to the park's review. Returns the changed fields. No commit."""
    park_write_lock()  # the duplicate checks and the write as one: two at once save once
    current = {name: getattr(vehicle, name) for name in VehicleInput.model_fields}
    value = check_vehicle(parse_vehicle({**current, **data}), vehicle)
    changed = [name for name, new in value.model_dump().items() if getattr(vehicle, name) != new]
    for name in changed:
        setattr(vehicle, name, getattr(value, name))
    if changed:
        vehicle.review_status = ReviewStatus.PENDING
        vehicle.review_comment = None
        audit.record(
            "fleet.vehicle_changed",
            entity_type="vehicle",
            entity_id=vehicle.id,
            details={"plate": vehicle.plate, "fields": changed},
        )
    return changed


def record_review(
    item: Vehicle | Person | Document,
    approve: bool,
    comment: str | None,
    user: User,
    action: str,
    why: str = N_("say why it is rejected"),
) -> None:
    """The park approves or rejects (with a reason, ``why`` asks for it) what a carrier
    registered or uploaded: the same for vehicles, persons and documents. No commit."""
    comment = (comment or "").strip()[:500] or None
    if not approve and comment is None:
        raise FleetError({"comment": why})
    item.review_status = ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED
    item.review_comment = comment
    item.reviewed_at = utcnow()
    item.reviewed_by_id = user.id
    audit.record(
        action,
        entity_type=type(item).__tablename__,
        entity_id=item.id,
        details={"status": item.review_status.value, "comment": comment},
        actor_user_id=user.id,
        actor=user.username,
    )


def review_vehicle(vehicle: Vehicle, approve: bool, comment: str | None, user: User) -> None:
    """The park approves or rejects (with a reason) a vehicle. No commit."""
    record_review(
        vehicle,
        approve,
        comment,
        user,
        "fleet.vehicle_reviewed",
        N_("say why the vehicle is rejected"),
    )


def carrier_vehicle(carrier_id: int, vehicle_id: int) -> Vehicle | None:
    """The carrier's own vehicle, or None (another carrier's vehicle is not found)."""
    return db.session.scalar(
        select(Vehicle).where(Vehicle.id == vehicle_id, Vehicle.carrier_id == carrier_id)
    )


def vehicle_json(vehicle: Vehicle) -> dict[str, Any]:
    body = VehicleInput.model_construct(
        **{name: getattr(vehicle, name) for name in VehicleInput.model_fields}
    ).model_dump(mode="json")
    return {
        "id": vehicle.id,
        **body,
        "review": {
            "status": vehicle.review_status.value,
            "comment": vehicle.review_comment,
        },
        **standing_json(vehicle.standing.value, vehicle.standing_until, park_today()),
    }


def booking_blockers(vehicle: Vehicle, first_day: date, last_day: date) -> list[str]:
    """Why the vehicle cannot be booked for these days (empty: it can): not approved by
    the park, not in good standing, or a registered document not valid over the days."""
    problems: list[str] = []
    if vehicle.review_status is not ReviewStatus.APPROVED:
        problems.append(N_("not approved by the park"))
    if barred_on(vehicle.standing.value, vehicle.standing_until, first_day):
        problems.append(N_("not in good standing"))
    for column, what in VEHICLE_DOCUMENT_LABELS.items():
        expires = getattr(vehicle, column)
        if expires is not None and expires < last_day:
            problems.append(what)
    return problems

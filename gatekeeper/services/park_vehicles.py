"""The park companies' own vehicles: vans, shuttles and residents' cars that come in on a
registration the park renews every year instead of a booking for each trip.

The gate lets such a vehicle in without a booking while its registration holds
(``domain.gate.rules.booking``); it carries no dangerous goods (those come booked, through
the hazmat lanes). The park registers these vehicles itself: they need no review.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from gatekeeper.domain.messages import N_, phrase
from gatekeeper.domain.plates import normalize_plate
from gatekeeper.extensions import db
from gatekeeper.models import Company, PlateColour, User, Vehicle, VehicleKind
from gatekeeper.services import audit
from gatekeeper.services.clock import plausible_day
from gatekeeper.services.dayplan import vehicles_matching
from gatekeeper.services.fleet import input_errors
from gatekeeper.services.input_errors import InputErrors, Message
from gatekeeper.services.locks import park_write_lock
from gatekeeper.services.park import park_settings
from gatekeeper.services.plates import PlateError, check_typed_plate

USUAL_DAYS = 365  # the registration is renewed every year: the form's proposal
# The kinds a park company runs itself (tankers and trailers come with carriers, booked).
KINDS = (VehicleKind.CAR, VehicleKind.VAN, VehicleKind.BOX_TRUCK, VehicleKind.RIGID_TRUCK)


class ParkVehicleError(InputErrors):
    """Input that cannot be saved: ``errors`` maps each field to its message."""


class ParkVehicleInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    plate: str = Field(min_length=2, max_length=20)
    country: str = Field(pattern=r"^[A-Za-z]{2}$")
    plate_colour: PlateColour | None = None
    kind: VehicleKind
    # Checked against the park's companies with the rest (every error at once).
    company_id: int | None = Field(None, ge=1)
    make_model: str | None = Field(None, max_length=80)
    registered_until: date

    @field_validator("country")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @field_validator("registered_until")
    @classmethod
    def _plausible(cls, day: date) -> date:
        if not plausible_day(day):
            raise ValueError("implausible day")
        return day


_OWN_MESSAGES = {
    "registered_until": N_("days from 1970 to 2999"),
    "company_id": N_("choose one of the park's companies"),
}


def parse(data: dict[str, Any]) -> ParkVehicleInput:
    cleaned = {k: (None if v == "" else v) for k, v in data.items()}
    try:
        return ParkVehicleInput.model_validate(cleaned)
    except ValidationError as exc:
        errors: dict[str, Message] = dict(input_errors(exc, _OWN_MESSAGES))
        if cleaned.get("company_id") is None:  # said with the rest, not after them
            errors.setdefault("company_id", N_("choose one of the park's companies"))
        raise ParkVehicleError(errors) from exc


def _check(value: ParkVehicleInput, existing: Vehicle | None) -> str:
    """The checks that need the park: the plate's formats, a plate nobody else registered,
    the colour of a Chinese plate, the kind, the company. Returns the plate as stored."""
    errors: dict[str, Message] = {}
    plate = value.plate
    try:
        plate = check_typed_plate(value.plate, park_settings().plate_formats)
    except PlateError as exc:
        errors["plate"] = str(exc)
    else:
        holder = db.session.scalar(
            select(Vehicle).where(
                Vehicle.plate_normalized == normalize_plate(plate),
                Vehicle.country == value.country,
            )
        )
        if holder is not None and holder is not existing:
            owner = holder.carrier.name if holder.carrier else None
            errors["plate"] = (
                phrase(N_("registered already, by %(owner)s"), owner=owner)
                if owner
                else N_("registered already")
            )
    if value.country == "CN" and value.plate_colour is None:
        errors["plate_colour"] = N_("a Chinese plate's colour is recorded with it")
    if value.kind not in KINDS:
        errors["kind"] = N_("tankers and trailers come with a carrier, booked")
    if value.company_id is None or db.session.get(Company, value.company_id) is None:
        errors["company_id"] = N_("choose one of the park's companies")
    if errors:
        raise ParkVehicleError(errors)
    return plate


def check(data: dict[str, Any], existing: Vehicle | None) -> None:
    """Whether the input could be saved (ParkVehicleError if not). Writes nothing."""
    _check(parse(data), existing)


def register(data: dict[str, Any], user: User) -> Vehicle:
    """A park company's vehicle. No commit."""
    park_write_lock()  # the duplicate checks and the write as one: two at once save once
    value = parse(data)
    plate = _check(value, None)
    vehicle = Vehicle(plate=plate, country=value.country, kind=value.kind)
    _apply(vehicle, value, plate)
    db.session.add(vehicle)
    db.session.flush()
    _audit("park_vehicle.registered", vehicle, user, {})
    return vehicle


def change(vehicle: Vehicle, data: dict[str, Any], user: User) -> list[str]:
    """Change or renew a park vehicle's registration. Returns the fields changed. No
    commit."""
    park_write_lock()  # the duplicate checks and the write as one: two at once save once
    if vehicle.carrier_id is not None or vehicle.company_id is None:
        raise ParkVehicleError({"plate": N_("not a vehicle of a park company")})
    value = parse(data)
    plate = _check(value, vehicle)
    before = current(vehicle)
    _apply(vehicle, value, plate)
    after = current(vehicle)
    changed = [name for name, old in before.items() if after[name] != old]
    if changed:
        _audit("park_vehicle.changed", vehicle, user, {"fields": changed})
    return changed


def _apply(vehicle: Vehicle, value: ParkVehicleInput, plate: str) -> None:
    vehicle.plate = plate
    vehicle.country = value.country
    vehicle.plate_colour = value.plate_colour
    vehicle.kind = value.kind
    vehicle.company_id = value.company_id
    vehicle.make_model = value.make_model
    vehicle.registered_until = value.registered_until


def _audit(action: str, vehicle: Vehicle, user: User, details: dict[str, Any]) -> None:
    audit.record(
        action,
        entity_type="vehicle",
        entity_id=vehicle.id,
        details={
            "plate": vehicle.plate,
            "company_id": vehicle.company_id,
            "registered_until": vehicle.registered_until.isoformat()
            if vehicle.registered_until
            else None,
            **details,
        },
        actor_user_id=user.id,
        actor=user.username,
    )


def current(vehicle: Vehicle) -> dict[str, Any]:
    return {
        "plate": vehicle.plate,
        "country": vehicle.country,
        "plate_colour": vehicle.plate_colour.value if vehicle.plate_colour else None,
        "kind": vehicle.kind.value,
        "company_id": vehicle.company_id,
        "make_model": vehicle.make_model,
        "registered_until": vehicle.registered_until,
    }


class Attention(enum.StrEnum):
    ALL = "all"
    ENDING = "ending"  # within the park's warning days
    ENDED = "ended"


def listing(
    company_id: int | None, text: str, attention: Attention, today: date, warning_days: int
) -> Select[Any]:
    """The park companies' vehicles, by plate."""
    query = (
        select(Vehicle)
        .where(Vehicle.company_id.is_not(None), Vehicle.carrier_id.is_(None))
        .options(selectinload(Vehicle.company))
        .order_by(Vehicle.plate_normalized, Vehicle.id)
    )
    if company_id is not None:
        query = query.where(Vehicle.company_id == company_id)
    text = text.strip()
    if text:
        query = query.where(Vehicle.id.in_(vehicles_matching(text)))
    if attention is Attention.ENDING:
        query = query.where(
            Vehicle.registered_until.between(today, today + timedelta(days=warning_days))
        )
    elif attention is Attention.ENDED:
        query = query.where(Vehicle.registered_until < today)
    return query

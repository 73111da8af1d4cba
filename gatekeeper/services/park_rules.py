"""The park's rules as its safety office sets them (``models.Park``): how early and late a
booked vehicle may come, what a hazmat vehicle needs at the gate, how long a stay may last,
the route tracking's slack, when illegal parking proposes the blacklist, how sure a reading
must be, and which plate formats the gates read.

Each rule has the range a park can sensibly choose; the same ranges check the admin area's
park form, so neither page can store a rule the gate would misread (a negative stay, a
threshold of 300 %). A change takes effect with the next decision and is audited with each
rule's old and new value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import or_, select

from gatekeeper.domain.messages import N_, phrase
from gatekeeper.extensions import db
from gatekeeper.models import AuditEntry, Park, User
from gatekeeper.models.park import hazmat_hours_fault
from gatekeeper.services import audit
from gatekeeper.services.input_errors import InputErrors, Message
from gatekeeper.services.locks import park_write_lock
from gatekeeper.vision.formats import FORMATS

CHANGED = "park.rules_changed"
# The rules on the page, as stored, with the values a park may choose (inclusive). The two
# reading thresholds are fractions here and percentages on the page.
BOUNDS: dict[str, tuple[float, float]] = {
    "early_tolerance_minutes": (0, 720),
    "late_tolerance_minutes": (0, 720),
    "booking_freeze_minutes": (0, 2880),
    "small_load_points_threshold": (1, 100_000),
    "hazmat_vehicle_capacity": (0, 10_000),
    "max_stay_minutes": (15, 2880),
    "checkpoint_tolerance_minutes": (1, 240),
    "speed_tolerance_percent": (0, 100),
    "parking_limit_minutes": (1, 240),
    "parking_offences_to_blacklist": (0, 100),
    "parking_offence_days": (1, 730),
    "expiry_warning_days": (1, 365),
    "plate_confidence_threshold": (0.5, 0.99),
    "hazard_confidence_threshold": (0.3, 0.99),
}
SWITCHES = (
    "escort_required_for_hazmat",
    "crew_check_required_for_hazmat",
    "waybill_required_for_hazmat",
    "uses_positioning_cards",
)
# On the page the thresholds are whole percentages.
PERCENT = {
    "plate_confidence_percent": "plate_confidence_threshold",
    "hazard_confidence_percent": "hazard_confidence_threshold",
}
HOURS = ("hazmat_hours_from", "hazmat_hours_until")
RULES = (*BOUNDS, *SWITCHES, *HOURS, "plate_formats")


def _bounded(column: str, *, optional: bool = False, percent: bool = False) -> Any:
    low, high = BOUNDS[column]
    if percent:
        low, high = round(low * 100), round(high * 100)
    return Field(None if optional else ..., ge=low, le=high)


class RulesInput(BaseModel):
    """The rules as the page sends them (numbers as typed, thresholds in per cent)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    early_tolerance_minutes: int = _bounded("early_tolerance_minutes")
    late_tolerance_minutes: int = _bounded("late_tolerance_minutes")
    booking_freeze_minutes: int = _bounded("booking_freeze_minutes")
    escort_required_for_hazmat: bool
    crew_check_required_for_hazmat: bool
    waybill_required_for_hazmat: bool
    small_load_points_threshold: int = _bounded("small_load_points_threshold")
    # None: no limit on hazmat vehicles inside at once.
    hazmat_vehicle_capacity: int | None = _bounded("hazmat_vehicle_capacity", optional=True)
    max_stay_minutes: int = _bounded("max_stay_minutes")
    checkpoint_tolerance_minutes: int = _bounded("checkpoint_tolerance_minutes")
    speed_tolerance_percent: int = _bounded("speed_tolerance_percent")
    parking_limit_minutes: int = _bounded("parking_limit_minutes")
    parking_offences_to_blacklist: int = _bounded("parking_offences_to_blacklist")
    parking_offence_days: int = _bounded("parking_offence_days")
    uses_positioning_cards: bool
    expiry_warning_days: int = _bounded("expiry_warning_days")
    plate_confidence_percent: int = _bounded("plate_confidence_threshold", percent=True)
    hazard_confidence_percent: int = _bounded("hazard_confidence_threshold", percent=True)
    # The hours hazmat vehicles may enter (both empty: any time).
    hazmat_hours_from: time | None = None
    hazmat_hours_until: time | None = None
    # The park's own market, read first, then the others the gates see.
    main_plate_format: str
    other_plate_formats: list[str] = []


class RulesError(InputErrors):
    """Rules that cannot be saved: ``errors`` maps each field to its message."""


def _range_message(field: str) -> Message:
    info = RulesInput.model_fields[field]
    low = next(m.ge for m in info.metadata if hasattr(m, "ge"))
    high = next(m.le for m in info.metadata if hasattr(m, "le"))
    return phrase(N_("a whole number from %(low)s to %(high)s"), low=low, high=high)


def parse(data: dict[str, Any]) -> RulesInput:
    """The page's input checked: every wrong rule at once (RulesError)."""
    cleaned = {k: (None if v == "" else v) for k, v in data.items()}
    errors = _format_errors(cleaned)
    try:
        value = RulesInput.model_validate(cleaned)
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "body"
            if field in HOURS:
                errors.setdefault(field, N_("a time of day as HH:MM"))
            elif field in ("main_plate_format", "other_plate_formats"):
                errors.setdefault(field, N_("choose from the listed formats"))
            elif field in RulesInput.model_fields and field not in SWITCHES:
                if error["type"] == "missing" or error.get("input") is None:
                    errors.setdefault(field, N_("required"))
                else:
                    errors.setdefault(field, _range_message(field))
            else:
                errors.setdefault(field, N_("not valid"))
    if errors:
        raise RulesError(errors)
    fault = hazmat_hours_fault(value.hazmat_hours_from, value.hazmat_hours_until)
    if fault is not None:
        field, message = fault
        raise RulesError({field: message})
    return value


def _format_errors(cleaned: dict[str, Any]) -> dict[str, Message]:
    """The plate formats: the main one and the others each one the reader knows."""
    errors: dict[str, Message] = {}
    if cleaned.get("main_plate_format") not in FORMATS:
        errors["main_plate_format"] = N_("choose from the listed formats")
    others = cleaned.get("other_plate_formats") or []
    if not isinstance(others, list) or any(code not in FORMATS for code in others):
        errors["other_plate_formats"] = N_("choose from the listed formats")
    return errors


def stored(value: RulesInput) -> dict[str, Any]:
    """The rules as the park keeps them."""
    out: dict[str, Any] = {
        name: getattr(value, name) for name in RulesInput.model_fields if name in RULES
    }
    for field, column in PERCENT.items():
        out[column] = round(getattr(value, field) / 100, 2)
    formats = [value.main_plate_format]
    formats += [c for c in dict.fromkeys(value.other_plate_formats) if c not in formats]
    out["plate_formats"] = formats
    return out


def current(park: Park) -> dict[str, Any]:
    """The page's fields as the park holds them now."""
    data: dict[str, Any] = {name: getattr(park, name) for name in (*BOUNDS, *SWITCHES)}
    for name in HOURS:
        moment = getattr(park, name)
        data[name] = f"{moment:%H:%M}" if moment is not None else None
    for field, column in PERCENT.items():
        data[field] = round(data.pop(column) * 100)
    formats = list(park.plate_formats or [])
    data["main_plate_format"] = formats[0] if formats else ""
    data["other_plate_formats"] = formats[1:]
    return data


def change(park: Park, data: dict[str, Any], user: User) -> list[str]:
    """Set the park's rules from the page's input. Returns the rules changed (stored names);
    audited with each one's old and new value. No commit."""
    value = stored(parse(data))
    park_write_lock()  # two managers saving at once: one after the other, each audited
    if park.id is None:  # no park set up yet: the defaults shown become the park's
        db.session.add(park)
        db.session.flush()
    else:
        db.session.refresh(park)
    return audit.apply_changes(park, value, CHANGED, entity_type="park", user=user)


@dataclass(frozen=True)
class Change:
    """One save of the rules: when, by whom (their name) and each rule's old and new value."""

    at: datetime
    by: str
    rules: dict[str, list[Any]]


def history(park: Park, limit: int = 10) -> list[Change]:
    """The latest changes of the rules, from this page or the admin area."""
    if park.id is None:
        return []
    entries = db.session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.entity_type == "park",
            AuditEntry.entity_id == str(park.id),
            or_(AuditEntry.action == CHANGED, AuditEntry.action == "admin.update"),
        )
        .order_by(AuditEntry.seq.desc())
        .limit(limit)
    )
    out = []
    for entry in entries:
        changes = json.loads(entry.details).get("changes", {})
        shown = {name: pair for name, pair in changes.items() if name in RULES}
        if shown:
            user = db.session.get(User, entry.actor_user_id) if entry.actor_user_id else None
            out.append(Change(entry.occurred_at, user.display_name if user else entry.actor, shown))
    return out

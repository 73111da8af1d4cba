"""The park's zones as its safety office keeps them: each zone's name, its capacities (people,
vehicles, hazmat vehicles; the holding lot's loaded and empty tanker spaces), the hazard
classes allowed in it and its muster point. The zones themselves (their codes, kinds and
roads) are the park's layout, set up in the admin area; what a manager changes here is read
by the next gate decision (capacity), the route tracking (illegal parking where a class is
not allowed) and the roll call (muster points). Audited with each value's old and new."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gatekeeper.domain.messages import N_, phrase
from gatekeeper.extensions import db
from gatekeeper.models import User, Zone
from gatekeeper.models.park import HAZARD_CLASSES
from gatekeeper.services import audit, dashboard, holding
from gatekeeper.services.input_errors import InputErrors, Message
from gatekeeper.services.locks import park_write_lock

CHANGED = "zone.changed"
CAPACITY_MAX = 100_000
CAPACITIES = (
    "capacity_people",
    "capacity_vehicles",
    "capacity_hazmat_vehicles",
    "capacity_loaded_tankers",
    "capacity_empty_tankers",
)
FIELDS = ("name", *CAPACITIES, "allowed_hazard_classes", "muster_point")


def _capacity() -> Any:
    return Field(None, ge=0, le=CAPACITY_MAX)


class ZoneInput(BaseModel):
    """A zone as the page sends it (capacities empty: no limit)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=120)
    capacity_people: int | None = _capacity()
    capacity_vehicles: int | None = _capacity()
    capacity_hazmat_vehicles: int | None = _capacity()
    capacity_loaded_tankers: int | None = _capacity()
    capacity_empty_tankers: int | None = _capacity()
    allowed_hazard_classes: list[str] = []
    muster_point: str | None = Field(None, max_length=120)


class ZoneError(InputErrors):
    """A zone that cannot be saved: ``errors`` maps each field to its message."""


def parse(data: dict[str, Any]) -> ZoneInput:
    """The page's input checked: every wrong field at once (ZoneError)."""
    cleaned = {k: (None if v == "" else v) for k, v in data.items()}
    errors: dict[str, Message] = {}
    classes = cleaned.get("allowed_hazard_classes") or []
    if not isinstance(classes, list) or any(c not in HAZARD_CLASSES for c in classes):
        errors["allowed_hazard_classes"] = N_("choose from the listed classes")
    try:
        value = ZoneInput.model_validate(cleaned)
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "body"
            if field in CAPACITIES:
                errors.setdefault(
                    field,
                    phrase(
                        N_("a whole number from %(low)s to %(high)s, or empty for no limit"),
                        low=0,
                        high=CAPACITY_MAX,
                    ),
                )
            elif field == "name":
                errors.setdefault(field, N_("2 to 120 characters"))
            elif field == "muster_point":
                errors.setdefault(field, N_("at most 120 characters"))
            else:
                errors.setdefault(field, N_("choose from the listed classes"))
    if errors:
        raise ZoneError(errors)
    return value


def current(zone: Zone) -> dict[str, Any]:
    """The page's fields as the zone holds them now."""
    data = {name: getattr(zone, name) for name in FIELDS}
    data["allowed_hazard_classes"] = list(zone.allowed_hazard_classes or [])
    return data


def change(zone: Zone, data: dict[str, Any], user: User) -> list[str]:
    """Set the zone's name, capacities, classes and muster point. Returns the fields changed;
    audited with old and new values. No commit."""
    value = parse(data)
    park_write_lock()  # two managers at once: one after the other, each audited
    db.session.refresh(zone)
    new = value.model_dump()
    new["allowed_hazard_classes"] = [
        c for c in HAZARD_CLASSES if c in new["allowed_hazard_classes"]
    ]
    details = {"zone": zone.code}
    return audit.apply_changes(zone, new, CHANGED, entity_type="zone", user=user, details=details)


def inside(zone: Zone) -> dict[str, int]:
    """Who and what is in the zone now, by the capacity each is set against: the
    occupancy page's and the dashboard's figures (the holding lot counts the vehicles
    waiting in it)."""
    row = next(
        r for r in dashboard.occupancy(holding.lot_state().waiting) if r["code"] == zone.code
    )
    return {
        "capacity_vehicles": row["vehicles"],
        "capacity_hazmat_vehicles": row["hazmat_vehicles"],
        "capacity_people": row["people"],
    }


def over_capacity(zone: Zone) -> list[tuple[str, int, int]]:
    """The capacities the zone holds more than now: (field, inside, capacity). Newcomers
    then wait; nobody inside is sent out."""
    counts = inside(zone)
    return [
        (name, count, limit)
        for name, count in counts.items()
        if (limit := getattr(zone, name)) is not None and count > limit
    ]

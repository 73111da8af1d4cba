"""Importing the park companies' vehicles from a CSV or XLSX file into their register
(``services.park_vehicles``), as ``services.register_imports`` imports a register. A row is
known by its plate and country.

Columns: ``plate, country, plate_colour, kind, company, make_model, registered_until``
(``company``: its code or its name).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gatekeeper.domain.plates import normalize_plate
from gatekeeper.extensions import db
from gatekeeper.models import Vehicle
from gatekeeper.services import park_vehicles
from gatekeeper.services.register_imports import RegisterImport
from gatekeeper.services.staff_imports import company_id, unknown_company

COLUMNS = (
    "plate",
    "country",
    "plate_colour",
    "kind",
    "company",
    "make_model",
    "registered_until",
)


def _data(row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {c: (row.get(c) or "").strip() for c in COLUMNS if c != "company"}
    data["plate_colour"] = data["plate_colour"].lower()
    data["kind"] = data["kind"].lower()
    data["company_id"] = company_id(row.get("company") or "")
    return data


def _existing(data: dict[str, Any]) -> Vehicle | None:
    """The park company's vehicle with this plate and country (a carrier's is not it: its
    plate is then refused as registered already)."""
    return db.session.scalar(
        select(Vehicle).where(
            Vehicle.carrier_id.is_(None),
            Vehicle.company_id.is_not(None),
            Vehicle.plate_normalized == normalize_plate(data.get("plate") or ""),
            Vehicle.country == (data.get("country") or "").upper(),
        )
    )


def _key(row: dict[str, str]) -> tuple[str, str] | None:
    plate = normalize_plate(row.get("plate") or "")
    if not plate:
        return None
    return ("plate", f"{plate}/{(row.get('country') or '').strip().upper()}")


VEHICLES = RegisterImport(
    what="park_fleet",  # (FleetImport.what holds 10 characters)
    columns=COLUMNS,
    example={
        "plate": "苏E·N2031",
        "country": "CN",
        "plate_colour": "blue",
        "kind": "van",
        "company": "NORDCHEM",
        "make_model": "Wuling Rongguang",
        "registered_until": "2027-11-30",
    },
    data=_data,
    existing=_existing,
    key=_key,
    check=park_vehicles.check,
    register=park_vehicles.register,
    change=park_vehicles.change,
    current=park_vehicles.current,
    error=park_vehicles.ParkVehicleError,
    unknown=unknown_company,
    field_columns={"company_id": "company"},
)

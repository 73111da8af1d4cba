"""Importing bookings from a CSV or XLSX file, or from e-waybills as JSON: one booking per
waybill (one vehicle, one trip), every row checked as the booking form checks it, then all
written or none. Idempotent by waybill number: a waybill already booked is skipped.

Table columns (one cargo line per row; rows with the same waybill number are one booking's
lines): ``waybill_number, carrier, vehicle, trailer, driver, escort, dock, direction, day,
start, end, un, description, quantity, unit, packaging, transport_category, notes``.
JSON: a list of e-waybills (or ``{"waybills": [...]}``) in the shape of docs/e-waybill.md
with ``carrier``, ``driver``, ``escort``, ``start`` and ``end`` added.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import select

from gatekeeper.domain.messages import N_
from gatekeeper.domain.plates import normalize_plate
from gatekeeper.extensions import db
from gatekeeper.models import (
    Booking,
    BookingStatus,
    Carrier,
    Dock,
    FleetImport,
    Person,
    PersonKind,
    User,
    Vehicle,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit, bookings
from gatekeeper.services.imports import MAX_BYTES, ImportError_, new_job, read_rows
from gatekeeper.services.input_errors import stored
from gatekeeper.services.storage import files_root

COLUMNS = (
    "waybill_number",
    "carrier",
    "vehicle",
    "trailer",
    "driver",
    "escort",
    "dock",
    "direction",
    "day",
    "start",
    "end",
    "un",
    "description",
    "quantity",
    "unit",
    "packaging",
    "transport_category",
    "notes",
)
# The booking's fields, by the column a person corrects.
FIELD_COLUMNS = {
    "carrier_id": "carrier",
    "vehicle_id": "vehicle",
    "trailer_id": "trailer",
    "driver_id": "driver",
    "escort_id": "escort",
    "dock_id": "dock",
    "window_start": "start",
    "window_end": "end",
    "waybill_number": "waybill_number",
    "direction": "direction",
    "notes": "notes",
}


def template_csv() -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerow(
        {
            "waybill_number": "WB202611300001",
            "carrier": "BRABANT",
            "vehicle": "1-VKR-301",
            "driver": "Jan Peeters",
            "escort": "Tom Wouters",
            "dock": "D4",
            "direction": "delivery",
            "day": "2026-11-30",
            "start": "08:00",
            "end": "10:00",
            "un": "1203",
            "quantity": "30000",
            "unit": "l",
            "packaging": "tank",
            "transport_category": "2",
        }
    )
    return out.getvalue()


def _json_rows(data: bytes) -> list[dict[str, str]]:
    """E-waybills as table rows (one per goods line)."""
    from gatekeeper.services.passes import WaybillError, read_waybill

    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportError_(N_("not a JSON file of e-waybills")) from exc
    waybills = parsed.get("waybills") if isinstance(parsed, dict) else parsed
    if not isinstance(waybills, list) or not waybills:
        raise ImportError_(N_("not a JSON file of e-waybills"))
    rows: list[dict[str, str]] = []
    for item in waybills:
        if not isinstance(item, dict):
            raise ImportError_(N_("not a JSON file of e-waybills"))
        try:
            waybill = read_waybill(json.dumps(item))
        except WaybillError:
            waybill = {"number": "", "un_numbers": []}
        base = {
            "waybill_number": waybill.get("number") or "",
            "carrier": str(item.get("carrier", "")),
            "vehicle": waybill.get("plate") or "",
            "trailer": waybill.get("trailer_plate") or "",
            "driver": str(item.get("driver", "")),
            "escort": str(item.get("escort", "")),
            "dock": waybill.get("destination") or "",
            "direction": str(item.get("direction", "delivery")),
            "day": waybill.get("day") or "",
            "start": str(item.get("start", "")),
            "end": str(item.get("end", "")),
            "notes": str(item.get("notes", "")),
        }
        goods = item.get("goods") or item.get("cargo") or item.get("货物") or [{}]
        for line in goods if isinstance(goods, list) else [{}]:
            line = line if isinstance(line, dict) else {}
            un = str(line.get("un") or line.get("un_number") or line.get("UN编号") or "")
            rows.append(
                {
                    **base,
                    "un": un.upper().removeprefix("UN").strip(),
                    "description": str(line.get("name") or line.get("description") or ""),
                    "quantity": str(line.get("quantity", "")),
                    "unit": str(line.get("unit", "kg")),
                    "packaging": str(line.get("packaging", "tank")),
                    "transport_category": str(line.get("transport_category", "")),
                }
            )
    return rows


def read_booking_rows(data: bytes, filename: str) -> list[dict[str, str]]:
    if len(data) > MAX_BYTES:
        raise ImportError_(N_("the file is too large (at most 5 MB)"))
    if filename.lower().endswith(".json") or data.lstrip()[:1] in (b"[", b"{"):
        return _json_rows(data)
    return read_rows(data, filename)


def start(user: User, filename: str, data: bytes) -> FleetImport:
    """Keep the file and queue its import (after the commit). No commit."""
    read_booking_rows(data, filename)  # refuse an unreadable file now, beside the form
    job = new_job(user, "bookings", filename or "bookings", data)
    audit.record(
        "booking.import_started",
        entity_type="fleet_import",
        entity_id=job.id,
        details={"file": job.original_name},
    )
    return job


def rows_of(job: FleetImport) -> list[dict[str, str]]:
    return read_booking_rows((files_root() / job.stored_path).read_bytes(), job.original_name)


def _groups(rows: list[dict[str, str]]) -> list[tuple[int, list[tuple[int, dict[str, str]]]]]:
    """Rows by waybill number, in file order: (first row number, [(row number, row)])."""
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    loose: list[list[tuple[int, dict[str, str]]]] = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        key = (row.get("waybill_number") or "").strip().upper()
        if key:
            groups.setdefault(key, []).append((number, row))
        else:
            loose.append([(number, row)])
    ordered = [*groups.values(), *loose]
    return sorted(((lines[0][0], lines) for lines in ordered), key=lambda g: g[0])


def _lookup(row: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The booking's ids from the row's codes, plates and names; errors by column."""
    errors: dict[str, str] = {}
    found: dict[str, Any] = {}
    carrier = db.session.scalar(
        select(Carrier).where(Carrier.code == (row.get("carrier") or "").strip().upper())
    )
    if carrier is None:
        errors["carrier"] = N_("no carrier with this code")
        return found, errors
    found["carrier_id"] = carrier.id
    for column in ("vehicle", "trailer"):
        plate = (row.get(column) or "").strip()
        if not plate:
            continue
        vehicle_id = db.session.scalar(
            select(Vehicle.id).where(
                Vehicle.carrier_id == carrier.id,
                Vehicle.plate_normalized == normalize_plate(plate),
            )
        )
        if vehicle_id is None:
            errors[column] = N_("not one of the carrier's vehicles")
        found[f"{column}_id"] = vehicle_id
    for column, kind in (("driver", PersonKind.DRIVER), ("escort", PersonKind.ESCORT)):
        name = (row.get(column) or "").strip()
        if not name:
            continue
        person_ids = db.session.scalars(
            select(Person.id).where(
                Person.carrier_id == carrier.id, Person.full_name == name, Person.kind == kind
            )
        ).all()
        if len(person_ids) != 1:
            errors[column] = (
                N_("not one of the carrier's drivers or escorts")
                if not person_ids
                else N_("two persons have this name: register them apart")
            )
        else:
            found[f"{column}_id"] = person_ids[0]
    dock_id = db.session.scalar(
        select(Dock.id).where(Dock.code == (row.get("dock") or "").strip().upper())
    )
    if dock_id is None:
        errors["dock"] = N_("no dock with this code")
    found["dock_id"] = dock_id
    return found, errors


def _data(group: list[tuple[int, dict[str, str]]]) -> tuple[dict[str, Any], dict[str, str]]:
    """A booking's input from its rows, or errors by column."""
    first = group[0][1]
    found, errors = _lookup(first)
    if errors:
        return {}, errors
    try:
        day = date.fromisoformat((first.get("day") or "").strip())
        start, end = bookings.window(day, first.get("start") or "", first.get("end") or "")
    except ValueError:
        return {}, {"day": N_("a day as YYYY-MM-DD and times as HH:MM")}
    cargo = [
        {
            "un": (row.get("un") or "").strip() or None,
            "description": (row.get("description") or "").strip() or None,
            "quantity": (row.get("quantity") or "").strip(),
            "unit": (row.get("unit") or "").strip().lower(),
            "packaging": (row.get("packaging") or "").strip().lower(),
            "transport_category": (row.get("transport_category") or "").strip() or None,
        }
        for _number, row in group
    ]
    return {
        **found,
        "direction": (first.get("direction") or "delivery").strip().lower(),
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "cargo": cargo,
        "waybill_number": (first.get("waybill_number") or "").strip() or None,
        "notes": (first.get("notes") or "").strip() or None,
    }, {}


def already_booked(waybill: str | None) -> str | None:
    """The reference of the booking that has this waybill (cancelled ones aside)."""
    if not waybill:
        return None
    return db.session.scalar(
        select(Booking.reference).where(
            Booking.waybill_number == waybill,
            Booking.status.not_in((BookingStatus.CANCELLED, BookingStatus.REJECTED)),
        )
    )


def _error(
    number: int, column: str, message: str, value: str = "", **params: Any
) -> dict[str, Any]:
    return {"row": number, "field": column, "message": message, "params": params, "value": value}


def _row_errors(
    group: list[tuple[int, dict[str, str]]], errors: dict[str, Any]
) -> list[dict[str, Any]]:
    out = []
    first_number, first = group[0]
    for field, message in errors.items():
        text, params = stored(message)
        if field.startswith("cargo."):
            parts = field.split(".")
            line = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            number, row = group[min(line, len(group) - 1)]
            column = parts[2] if len(parts) > 2 else "quantity"
            out.append(_error(number, column, text, str(row.get(column, ""))[:100], **params))
        else:
            column = FIELD_COLUMNS.get(field, field)
            out.append(
                _error(first_number, column, text, str(first.get(column, ""))[:100], **params)
            )
    return out


def check_all(job: FleetImport, rows: list[dict[str, str]]) -> Iterator[int]:
    """Check every booking of the file (nothing written); errors kept on the import."""
    errors: list[dict[str, Any]] = []
    for _first, group in _groups(rows):
        data, found = _data(group)
        if found:
            errors += _row_errors(group, found)
        elif already_booked(data.get("waybill_number")) is None:
            try:
                bookings.check(bookings.parse(data))
            except bookings.BookingError as exc:
                errors += _row_errors(group, dict(exc.errors))
        job.errors = list(errors)
        for _row in group:
            yield _first


def write_all(job: FleetImport, rows: list[dict[str, str]], user: User) -> list[Booking]:
    """Make every booking not booked yet, through the booking service (checked again:
    two rows may not fit together). BookingError names the row. No commit."""
    made: list[Booking] = []
    skipped = 0
    for _first, group in _groups(rows):
        data, _errors = _data(group)
        if already_booked(data.get("waybill_number")) is not None:
            skipped += 1
            continue
        try:
            made.append(bookings.create(data, user))
        except bookings.BookingError as exc:
            job.errors = _row_errors(group, dict(exc.errors))
            raise
    job.created, job.updated = len(made), 0
    job.status = "done"
    job.finished_at = utcnow()
    audit.record(
        "booking.imported",
        entity_type="fleet_import",
        entity_id=job.id,
        details={"created": len(made), "already_booked": skipped},
        actor="import",
    )
    return made

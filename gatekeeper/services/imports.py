"""Bulk import of a carrier's fleet from a CSV or XLSX file: vehicles, or drivers and
escorts. A background job checks every row with the same rules as the forms (progress
kept on the import), then writes all rows in one transaction, or none when any row is
wrong; the errors are shown per row and can be downloaded. Importing the same file again
changes nothing: rows are matched by plate (vehicles) and ID number (persons)."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select

from gatekeeper import jobs
from gatekeeper.domain.messages import N_
from gatekeeper.domain.plates import normalize_plate
from gatekeeper.extensions import db
from gatekeeper.models import Carrier, FleetImport, IdDocumentType, Person, User, Vehicle
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit, crew, fleet
from gatekeeper.services.storage import files_root, store_new

MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024
PROGRESS_EVERY = 25  # rows between progress commits
LONG_NUMBER = "\x00long-number"

VEHICLE_COLUMNS = tuple(fleet.VehicleInput.model_fields)
CERTIFICATE_COLUMNS = (
    "certificate_kind",
    "certificate_number",
    "certificate_classes",
    "certificate_tank",
    "certificate_valid_from",
    "certificate_expires_on",
)
PERSON_COLUMNS = (
    "kind",
    "full_name",
    "id_document_type",
    "id_number",
    "nationality",
    "phone",
    *CERTIFICATE_COLUMNS,
)
COLUMNS = {"vehicles": VEHICLE_COLUMNS, "persons": PERSON_COLUMNS}


class ImportError_(ValueError):
    """The file cannot be imported at all (not a table, no header, too large)."""


def template_csv(what: str) -> str:
    """An empty file with the expected header row (and one example row)."""
    examples = {
        "vehicles": {
            "plate": "苏E·D8892",
            "country": "CN",
            "plate_colour": "yellow",
            "kind": "tanker",
            "dg_permit_number": "320500001",
            "dg_permit_expiry": "2027-12-31",
            "adr_approval": "FL",
            "adr_certificate_expiry": "2027-06-30",
            "tank_approved": "1203 1202 3",
        },
        "persons": {
            "kind": "driver",
            "full_name": "王建国",
            "id_document_type": "cn_resident_id",
            "id_number": "11010519491231002X",
            "phone": "+86 138 0000 1234",
            "certificate_kind": "dg_driver_cn",
            "certificate_number": "320500199001011234",
            "certificate_classes": "2 3 8",
            "certificate_tank": "yes",
            "certificate_expires_on": "2028-05-31",
        },
    }
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS[what])
    writer.writeheader()
    writer.writerow(examples[what])
    return out.getvalue()


def read_rows(data: bytes, filename: str) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, with or without BOM; comma or semicolon) or XLSX file, as
    dicts by the header row's lower-case names. Numbers and dates of a spreadsheet become
    text as a person typed them (dates as YYYY-MM-DD)."""
    if len(data) > MAX_BYTES:
        raise ImportError_(N_("the file is too large (at most 5 MB)"))
    if data.startswith(b"PK\x03\x04"):
        table = _xlsx_rows(data)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportError_(N_("not a CSV file in UTF-8 or an XLSX workbook")) from exc
        delimiter = ","
        with contextlib.suppress(csv.Error):
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
        table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    table = [row for row in table if any(cell.strip() for cell in row)]
    if len(table) < 2:
        raise ImportError_(N_("the file has no header row or no rows"))
    if len(table) - 1 > MAX_ROWS:
        raise ImportError_(N_("too many rows (at most 2000)"))
    header = [cell.strip().lower() for cell in table[0]]
    return [dict(zip(header, (cell.strip() for cell in row), strict=False)) for row in table[1:]]


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from datetime import date, datetime
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportError_(N_("not a CSV file in UTF-8 or an XLSX workbook")) from exc
    sheet = book.worksheets[0]
    rows: list[list[str]] = []
    for values in sheet.iter_rows(values_only=True):
        cells = []
        for value in values:
            if isinstance(value, datetime):
                value = value.date()
            if isinstance(value, date):
                cells.append(value.isoformat())
            elif isinstance(value, int | float) and abs(value) >= 1e15:
                # A spreadsheet keeps 15 digits of a number: an 18-digit ID or certificate
                # number typed as a number has lost its last digits already.
                cells.append(LONG_NUMBER)
            elif isinstance(value, float) and value.is_integer():
                cells.append(str(int(value)))
            else:
                cells.append("" if value is None else str(value))
        rows.append(cells)
        if len(rows) > MAX_ROWS + 1:
            break
    book.close()
    return rows


def new_job(
    user: User, what: str, filename: str, data: bytes, carrier_id: int | None = None
) -> FleetImport:
    """The uploaded file kept and its import recorded, queued (flushed, no commit)."""
    job = FleetImport(
        carrier_id=carrier_id,
        user_id=user.id,
        what=what,
        original_name=(Path(filename or what).name or what)[:255],
        stored_path=store_new("imports", "bin", data),
        status="queued",
    )
    db.session.add(job)
    db.session.flush()
    return job


def start(carrier: Carrier, user: User, what: str, filename: str, data: bytes) -> FleetImport:
    """Keep the file and queue its import (after the commit). No commit."""
    if what not in COLUMNS:
        raise ImportError_(N_("not one of the listed values"))
    read_rows(data, filename)  # refuse an unreadable file now, beside the form
    job = new_job(user, what, filename or "import", data, carrier.id)
    audit.record(
        "fleet.import_started",
        entity_type="fleet_import",
        entity_id=job.id,
        details={"what": what, "file": job.original_name},
    )
    return job


def queue(job: FleetImport) -> None:
    """Run the import job (a fleet's or the park's bookings) after the commit."""
    from gatekeeper.jobs.imports import run_import

    kind = "fleet" if job.what in COLUMNS else job.what  # a carrier's, or the park's
    jobs.enqueue(run_import, job.id, job_id=f"{kind}-import-{job.id}")
    db.session.refresh(job)


def _person_data(row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {k: row.get(k, "") for k in PERSON_COLUMNS[:6]}
    typed = {c.removeprefix("certificate_"): row.get(c, "") for c in CERTIFICATE_COLUMNS}
    if any(v for k, v in typed.items() if k != "tank"):
        certificate: dict[str, Any] = {k: (v if v != "" else None) for k, v in typed.items()}
        certificate["tank"] = typed.get("tank", "").lower() in ("yes", "y", "1", "true", "是")
        data["qualifications"] = [certificate]
    return data


def _existing_person(carrier_id: int, data: dict[str, Any]) -> Person | None:
    try:
        kind = IdDocumentType(data.get("id_document_type") or "")
    except ValueError:
        return None
    number = data.get("id_number") or ""
    if not number:
        return None
    return db.session.scalar(
        select(Person).where(
            Person.carrier_id == carrier_id,
            Person.id_document_type == kind,
            Person.id_number_digest == crew.id_digest(kind, number),
        )
    )


def _existing_vehicle(carrier_id: int, data: dict[str, Any]) -> Vehicle | None:
    return db.session.scalar(
        select(Vehicle).where(
            Vehicle.carrier_id == carrier_id,
            Vehicle.plate_normalized == normalize_plate(data.get("plate") or ""),
            Vehicle.country == (data.get("country") or "").upper(),
        )
    )


def _row_data(what: str, row: dict[str, str]) -> dict[str, Any]:
    if what == "persons":
        return _person_data(row)
    return {k: row.get(k, "") for k in VEHICLE_COLUMNS}


def _carrier_id(job: FleetImport) -> int:
    """A fleet import is always a carrier's (only booking imports are the park's)."""
    if job.carrier_id is None:
        raise ImportError_("a fleet import without a carrier")
    return job.carrier_id


def check_row(job: FleetImport, row: dict[str, str]) -> dict[str, str]:
    """The row's errors by field (empty: it can be imported). Writes nothing."""
    data = _row_data(job.what, row)
    try:
        if job.what == "vehicles":
            existing_vehicle = _existing_vehicle(_carrier_id(job), data)
            if existing_vehicle is not None:
                current = {n: getattr(existing_vehicle, n) for n in VEHICLE_COLUMNS}
                data = {**current, **{k: v for k, v in data.items() if v not in ("", None)}}
            fleet.check_vehicle(fleet.parse_vehicle(data), existing_vehicle)
        else:
            existing_person = _existing_person(_carrier_id(job), data)
            crew.check_person(crew.parse_person(data), _carrier_id(job), existing_person)
    except fleet.FleetError as exc:
        return exc.errors
    return {}


def _key(what: str, row: dict[str, str]) -> str:
    if what == "vehicles":
        return normalize_plate(row.get("plate", "")) + "/" + row.get("country", "").upper()
    return row.get("id_document_type", "") + "/" + crew.normalise_id(row.get("id_number", ""))


def rows_of(job: FleetImport) -> list[dict[str, str]]:
    return read_rows((files_root() / job.stored_path).read_bytes(), job.original_name)


def check_all(job: FleetImport, rows: list[dict[str, str]]) -> Iterator[int]:
    """Check every row, collecting errors on the import; yields after each row."""
    errors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        key = _key(job.what, row)
        mangled = [field for field, value in row.items() if value == LONG_NUMBER]
        if mangled:
            errors += [
                {
                    "row": number,
                    "field": field,
                    "message": N_(
                        "a long number saved as a number loses its last digits in a "
                        "spreadsheet: format the column as text and type it again"
                    ),
                    "params": {},
                    "value": "",
                }
                for field in mangled
            ]
        elif key in seen:
            field = "plate" if job.what == "vehicles" else "id_number"
            errors.append(
                {
                    "row": number,
                    "field": field,
                    "message": N_("the same as row %(row)s"),
                    "params": {"row": seen[key]},
                    "value": row.get(field, ""),
                }
            )
        else:
            seen[key] = number
            for field, message in check_row(job, row).items():
                errors.append(
                    {
                        "row": number,
                        "field": field,
                        "message": message,
                        "params": {},
                        "value": str(row.get(field.split(".")[0], ""))[:100],
                    }
                )
        job.errors = list(errors)
        yield number


def write_all(job: FleetImport, rows: list[dict[str, str]], carrier: Carrier) -> None:
    """Register or change every row (they were all checked). No commit."""
    created = updated = 0
    for row in rows:
        data = _row_data(job.what, row)
        if job.what == "vehicles":
            vehicle = _existing_vehicle(_carrier_id(job), data)
            if vehicle is None:
                fleet.register_vehicle(carrier, data)
                created += 1
            elif fleet.change_vehicle(vehicle, {k: v for k, v in data.items() if v != ""}):
                updated += 1
        else:
            person = _existing_person(_carrier_id(job), data)
            if person is None:
                crew.register_person(carrier, data)
                created += 1
            elif crew.change_person(person, data):
                updated += 1
    job.created, job.updated = created, updated
    job.status = "done"
    job.finished_at = utcnow()


def errors_csv(job: FleetImport, translate: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "field", "value", "message"])
    for error in job.errors:
        message = translate(error["message"], **(error.get("params") or {}))
        writer.writerow([error["row"], error["field"], error.get("value", ""), message])
    return out.getvalue()

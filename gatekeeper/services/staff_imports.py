"""Importing the park's employees and contractors from a CSV or XLSX file (a company's staff
list): every row checked as the people register's form checks it, then all written or none.
A row whose badge, or ID, is registered already changes that person: importing the same file
again changes nothing.

Columns: ``kind, full_name, company, badge_number, id_document_type, id_number, phone,
induction_until, insurance_until, registered_until`` (``company``: its code or its name).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, or_, select

from gatekeeper.domain.messages import N_, Phrase
from gatekeeper.extensions import db
from gatekeeper.models import Company, FleetImport, IdDocumentType, Person, User
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit, staff
from gatekeeper.services.crew import checked_id, id_holder, normalise_id
from gatekeeper.services.imports import new_job, read_rows
from gatekeeper.services.storage import files_root

WHAT = "people"
COLUMNS = (
    "kind",
    "full_name",
    "company",
    "badge_number",
    "id_document_type",
    "id_number",
    "phone",
    "induction_until",
    "insurance_until",
    "registered_until",
)
# The input's fields, by the column a person corrects.
FIELD_COLUMNS = {"company_id": "company"}


def template_csv() -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerow(
        {
            "kind": "contractor",
            "full_name": "Zhou Qiang",
            "company": "NORDCHEM",
            "badge_number": "CTR-0101",
            "id_document_type": "cn_resident_id",
            "id_number": "11010519491231002X",
            "phone": "+86 139 0000 0000",
            "induction_until": "2027-06-30",
            "insurance_until": "2027-03-31",
        }
    )
    return out.getvalue()


def start(user: User, filename: str, data: bytes) -> FleetImport:
    """Keep the file and queue its import (after the commit). No commit."""
    read_rows(data, filename)  # refuse an unreadable file now, beside the form
    job = new_job(user, WHAT, filename or WHAT, data)
    audit.record(
        "staff.import_started",
        entity_type="fleet_import",
        entity_id=job.id,
        details={"file": job.original_name},
    )
    return job


def rows_of(job: FleetImport) -> list[dict[str, str]]:
    return read_rows((files_root() / job.stored_path).read_bytes(), job.original_name)


def _company_id(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    return db.session.scalar(
        select(Company.id).where(
            or_(func.upper(Company.code) == text.upper(), Company.name == text)
        )
    )


def _data(row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {c: (row.get(c) or "").strip() for c in COLUMNS if c != "company"}
    data["company_id"] = _company_id(row.get("company") or "")
    return data


def _existing(data: dict[str, Any]) -> Person | None:
    """The park's person the row names: by badge, else by ID."""
    badge = (data.get("badge_number") or "").upper()
    if badge:
        found = db.session.scalar(
            select(Person).where(Person.carrier_id.is_(None), Person.badge_number == badge)
        )
        if found is not None:
            return found
    try:
        kind = IdDocumentType(data.get("id_document_type") or "")
        digest = checked_id(kind, data.get("id_number") or "")
    except ValueError:
        return None
    return id_holder(kind, digest, None) if data.get("id_number") else None


def _key(row: dict[str, str]) -> str:
    badge = (row.get("badge_number") or "").strip().upper()
    number = normalise_id(row.get("id_number") or "")
    return f"b:{badge}" if badge else (f"i:{number}" if number else "")


def _row_errors(number: int, row: dict[str, str], errors: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for field, message in errors.items():
        column = FIELD_COLUMNS.get(field, field)
        text = message.template if isinstance(message, Phrase) else message
        params = dict(message.to_dict()["p"]) if isinstance(message, Phrase) else {}
        value = str(row.get(column, ""))[:100]
        out.append(
            {"row": number, "field": column, "message": text, "params": params, "value": value}
        )
    return out


def check_all(job: FleetImport, rows: list[dict[str, str]]) -> Iterator[int]:
    """Check every row (nothing written); errors kept on the import; yields after each."""
    errors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        key = _key(row)
        if key and key in seen:
            column = "badge_number" if key.startswith("b:") else "id_number"
            errors.append(
                {
                    "row": number,
                    "field": column,
                    "message": N_("the same as row %(row)s"),
                    "params": {"row": seen[key]},
                    "value": row.get(column, ""),
                }
            )
        else:
            if key:
                seen[key] = number
            data = _data(row)
            existing = _existing(data)
            try:
                staff.check(_merged(existing, data), existing)
            except staff.StaffError as exc:
                found = dict(exc.errors)
                if (row.get("company") or "").strip() and data["company_id"] is None:
                    found["company_id"] = N_("no company of the park has this code or name")
                errors += _row_errors(number, row, found)
        job.errors = list(errors)
        yield number


def write_all(job: FleetImport, rows: list[dict[str, str]], user: User) -> None:
    """Register or change every row (they were all checked). StaffError if one no longer
    fits (changed meanwhile). No commit."""
    created = updated = 0
    for number, row in enumerate(rows, start=2):
        data = _data(row)
        person = _existing(data)
        try:
            if person is None:
                staff.register(data, user)
                created += 1
            elif staff.change(person, _merged(person, data), user):
                updated += 1
        except staff.StaffError as exc:
            job.errors = _row_errors(number, row, dict(exc.errors))
            raise
    job.created, job.updated = created, updated
    job.status = "done"
    job.finished_at = utcnow()
    audit.record(
        "staff.imported",
        entity_type="fleet_import",
        entity_id=job.id,
        details={"created": created, "updated": updated},
        actor="import",
    )


def _merged(person: Person | None, data: dict[str, Any]) -> dict[str, Any]:
    """The row over the person's stored values: what the row leaves empty is kept."""
    if person is None:
        return data
    typed = {k: v for k, v in data.items() if v not in ("", None)}
    return {**staff.current(person), **typed}

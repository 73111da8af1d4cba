"""Importing the park's employees and contractors from a CSV or XLSX file (a company's staff
list) into the people register (``services.staff``), as ``services.register_imports``
imports a register. A row is known by its badge, else by its ID.

Columns: ``kind, full_name, company, badge_number, id_document_type, id_number, phone,
induction_until, insurance_until, registered_until`` (``company``: its code or its name).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from gatekeeper.domain.messages import N_
from gatekeeper.extensions import db
from gatekeeper.models import Company, IdDocumentType, Person
from gatekeeper.services import staff
from gatekeeper.services.crew import checked_id, id_holder, normalise_id
from gatekeeper.services.input_errors import Message
from gatekeeper.services.register_imports import RegisterImport

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


def company_id(text: str) -> int | None:
    """The park's company by its code or its name."""
    text = text.strip()
    if not text:
        return None
    return db.session.scalar(
        select(Company.id).where(
            or_(func.upper(Company.code) == text.upper(), Company.name == text)
        )
    )


def unknown_company(row: dict[str, str], data: dict[str, Any]) -> dict[str, Message]:
    if (row.get("company") or "").strip() and data.get("company_id") is None:
        return {"company_id": N_("no company of the park has this code or name")}
    return {}


def _data(row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {c: (row.get(c) or "").strip() for c in COLUMNS if c != "company"}
    data["company_id"] = company_id(row.get("company") or "")
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


def _key(row: dict[str, str]) -> tuple[str, str] | None:
    badge = (row.get("badge_number") or "").strip().upper()
    if badge:
        return ("badge_number", badge)
    number = normalise_id(row.get("id_number") or "")
    return ("id_number", number) if number else None


PEOPLE = RegisterImport(
    what="people",
    columns=COLUMNS,
    example={
        "kind": "contractor",
        "full_name": "Zhou Qiang",
        "company": "NORDCHEM",
        "badge_number": "CTR-0101",
        "id_document_type": "cn_resident_id",
        "id_number": "11010519491231002X",
        "phone": "+86 139 0000 0000",
        "induction_until": "2027-06-30",
        "insurance_until": "2027-03-31",
    },
    data=_data,
    existing=_existing,
    key=_key,
    check=staff.check,
    register=staff.register,
    change=staff.change,
    current=staff.current,
    error=staff.StaffError,
    unknown=unknown_company,
    field_columns={"company_id": "company"},
)
WHAT = PEOPLE.what

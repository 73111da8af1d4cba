"""Importing a staff list (CSV or XLSX) into the park's people register: every row checked as
the form checks it, all written or none, the wrong rows listed and downloadable; a row whose
badge or ID is registered already changes that person, so a second import adds nobody."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select

from gatekeeper.extensions import db
from gatekeeper.models import FleetImport, Person, QualificationKind, Role
from gatekeeper.services import staff
from gatekeeper.services.clock import park_today
from gatekeeper.services.staff_imports import COLUMNS
from tests.conftest import csv_bytes, demo_user_client, upload_file
from tests.gate_samples import Demo


def _row(name: str, **changes: str) -> dict[str, str]:
    later = (park_today() + timedelta(days=200)).isoformat()
    return {
        "kind": "contractor",
        "full_name": name,
        "company": "NORDCHEM",
        "badge_number": "",
        "id_document_type": "",
        "id_number": "",
        "phone": "",
        "induction_until": later,
        "insurance_until": later,
        "registered_until": "",
        **changes,
    }


def _latest() -> FleetImport:
    job = db.session.scalar(select(FleetImport).order_by(FleetImport.id.desc()))
    assert job is not None
    return job


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Person)) or 0


def test_a_staff_list_is_imported_once_and_changes_people_by_badge(app: Any, demo: Demo) -> None:
    browser = demo_user_client(app, Role.MANAGER)
    before = _count()
    rows = [
        _row("Zhou Qiang", badge_number="ctr-0101", company="Nordchem AG"),  # by name
        _row("Qian Li", kind="employee", badge_number="EMP-0901", insurance_until=""),
        _row("Sun Wu", id_document_type="passport", id_number="E7654321"),
    ]
    page = upload_file(
        browser, "/manage/people/imports", csv_bytes(COLUMNS, rows), "staff.csv"
    ).get_data(as_text=True)
    job = _latest()
    assert job.status == "done", job.errors
    assert job.total == job.processed == 3 and (job.created, job.updated) == (3, 0)
    assert "3 people registered, 0 changed." in page and 'id="import-progress"' in page
    assert _count() == before + 3
    zhou = db.session.scalar(select(Person).where(Person.badge_number == "CTR-0101"))
    assert zhou is not None and zhou.company is not None and zhou.company.code == "NORDCHEM"

    # The same file again adds nobody; a renewed insurance changes the one person.
    again = upload_file(
        browser, "/manage/people/imports", csv_bytes(COLUMNS, rows), "staff-again.csv"
    ).get_data(as_text=True)
    assert _latest().status == "done", _latest().errors
    assert (_latest().created, _latest().updated) == (0, 0)
    assert "0 people registered, 0 changed." in again and _count() == before + 3
    renewed = (park_today() + timedelta(days=400)).isoformat()
    rows[0] = {**rows[0], "insurance_until": renewed, "phone": ""}
    upload_file(browser, "/manage/people/imports", csv_bytes(COLUMNS, rows[:1]), "renewal.csv")
    assert (_latest().created, _latest().updated) == (0, 1)
    db.session.refresh(zhou)
    assert staff.last_day(zhou, QualificationKind.INSURANCE).isoformat() == renewed


def test_one_wrong_row_imports_nothing_and_says_where(app: Any, demo: Demo) -> None:
    browser = demo_user_client(app, Role.MANAGER)
    before = _count()
    rows = [
        _row("Good Row"),
        _row("Bad Company", company="ACME"),
        _row("X"),
        _row("Bad Date", induction_until="31.12.2027"),
        _row("Twin One", badge_number="EMP-7777"),
        _row("Twin Two", badge_number="emp-7777"),
    ]
    page = upload_file(
        browser, "/manage/people/imports", csv_bytes(COLUMNS, rows), "broken.csv"
    ).get_data(as_text=True)
    job = _latest()
    assert job.status == "failed" and _count() == before
    assert {(e["row"], e["field"]) for e in job.errors} == {
        (3, "company"),
        (4, "full_name"),
        (5, "induction_until"),
        (7, "badge_number"),
    }
    assert "no company of the park has this code or name" in page
    download = browser.get(f"/manage/people/imports/{job.id}/errors.csv")
    lines = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0] == ["row", "field", "value", "message"] and len(lines) == 5
    assert "the same as row 6" in lines[-1][3]


def test_an_xlsx_staff_list_and_the_template(app: Any, as_role: Any, demo: Demo) -> None:
    browser = demo_user_client(app, Role.MANAGER)
    template = browser.get("/manage/people/imports/template.csv").get_data(as_text=True)
    header = next(csv.reader(io.StringIO(template.lstrip("\ufeff"))))
    assert tuple(header) == COLUMNS
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    sheet.append(list(_row("Xlsx Person", badge_number="CTR-5555").values()))
    data = io.BytesIO()
    book.save(data)
    upload_file(browser, "/manage/people/imports", data.getvalue(), "staff.xlsx")
    assert _latest().status == "done", _latest().errors
    assert db.session.scalar(select(Person).where(Person.badge_number == "CTR-5555"))
    for role in (Role.GUARD, Role.DISPATCHER, Role.CARRIER):
        assert as_role(role).get("/manage/people/imports").status_code == 403

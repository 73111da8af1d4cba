"""Bulk import of a carrier's fleet from CSV or XLSX: a background job checks every row as
the forms do (progress on the page), imports all rows or none, lists the wrong rows (also
as a file), and importing the same file again changes nothing."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from flask import Flask
from openpyxl import Workbook
from sqlalchemy import func, select

from gatekeeper.extensions import db
from gatekeeper.models import FleetImport, Person, ReviewStatus, Role, Vehicle
from gatekeeper.services.clock import park_today
from gatekeeper.services.imports import VEHICLE_COLUMNS, read_rows
from gatekeeper.services.reference_data import load_reference_data
from tests.conftest import csrf_token_from, login_as
from tests.factories import make_user


def _csv(rows: list[dict[str, str]], columns: tuple[str, ...], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


def _vehicle(plate: str, **changes: str) -> dict[str, str]:
    expiry = (park_today() + timedelta(days=300)).isoformat()
    row = {
        "plate": plate,
        "country": "BE",
        "kind": "tanker",
        "dg_permit_number": f"P-{plate}",
        "dg_permit_expiry": expiry,
        "adr_approval": "FL",
        "adr_certificate_expiry": expiry,
        "tank_approved": "1203 3",
    }
    row.update(changes)
    return row


def _import(browser: Any, data: bytes, name: str, what: str = "vehicles") -> Any:
    token = csrf_token_from(browser.get("/carrier/imports").get_data(as_text=True))
    return browser.post(
        "/carrier/imports",
        data={"csrf_token": token, "what": what, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _count(model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_fleet_is_imported_and_importing_it_again_changes_nothing(
    app: Flask, session: Any
) -> None:
    load_reference_data()
    user = make_user(Role.CARRIER)
    browser = login_as(app.test_client(), user)
    rows = [_vehicle(f"1-IMP-{n:03d}") for n in range(30)]
    response = _import(browser, _csv(rows, VEHICLE_COLUMNS), "fleet.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    job = db.session.scalar(select(FleetImport))
    assert job.status == "done" and job.total == job.processed == 30 and job.created == 30
    assert 'id="import-progress"' in page and 'value="30"' in page and "30 registered" in page
    vehicles = db.session.scalars(select(Vehicle).where(Vehicle.carrier_id == user.carrier_id))
    assert {v.review_status for v in vehicles} == {ReviewStatus.PENDING}
    # The same file again (with semicolons, as a spreadsheet saves it): nothing new.
    again = _import(browser, _csv(rows, VEHICLE_COLUMNS, ";"), "fleet-again.csv")
    assert "0 registered, 0 changed" in again.get_data(as_text=True)
    assert _count(Vehicle) == 30


def test_one_wrong_row_imports_nothing_and_is_explained(app: Flask, session: Any) -> None:
    load_reference_data()
    browser = login_as(app.test_client(), make_user(Role.CARRIER))
    rows = [
        _vehicle("1-OK-001"),
        _vehicle("AB#12"),
        _vehicle("1-OK-003", dg_permit_expiry="2020-01-31"),
        _vehicle("1-OK-001"),
        _vehicle("1-OK-005", kind="spaceship"),
    ]
    response = _import(browser, _csv(rows, VEHICLE_COLUMNS), "broken.csv")
    page = response.get_data(as_text=True)
    job = db.session.scalar(select(FleetImport))
    assert job.status == "failed" and _count(Vehicle) == 0
    assert "nothing imported" in page
    wrong = {(e["row"], e["field"]) for e in job.errors}
    assert wrong == {(3, "plate"), (4, "dg_permit_expiry"), (5, "plate"), (6, "kind")}
    assert "the same as row 2" in page and "already expired" in page
    download = browser.get(f"/carrier/imports/{job.id}/errors.csv")
    assert download.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0] == ["row", "field", "value", "message"] and len(lines) == 5


def test_drivers_and_escorts_from_a_workbook(app: Flask, session: Any) -> None:
    browser = login_as(app.test_client(), make_user(Role.CARRIER))
    book = Workbook()
    sheet = book.active
    header = ["kind", "full_name", "id_document_type", "id_number", "phone"]
    header += ["certificate_kind", "certificate_number", "certificate_classes"]
    header += ["certificate_tank", "certificate_expires_on"]
    sheet.append(header)
    expiry = park_today() + timedelta(days=500)
    sheet.append(
        [
            "driver",
            "王建国",
            "cn_resident_id",
            "11010519491231002X",
            "13800001111",
            "dg_driver_cn",
            "320500199001011234",
            "2 3",
            "yes",
            expiry,
        ]
    )
    sheet.append(
        ["escort", "李押运", "passport", "E12345678", "", "escort", "YY-42", "3", "", expiry]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    response = _import(browser, buffer.getvalue(), "crew.xlsx", what="persons")
    job = db.session.scalar(select(FleetImport))
    assert job.status == "done", (job.errors, response.get_data(as_text=True)[-2000:])
    driver = db.session.scalar(select(Person).where(Person.full_name == "王建国"))
    assert driver.qualifications[0].number == "320500199001011234"
    assert driver.qualifications[0].classes == ["2", "3", "tank"]
    assert driver.id_masked == "…002X"
    _import(browser, buffer.getvalue(), "crew.xlsx", what="persons")
    assert _count(Person) == 2
    # An 18-digit number typed as a number has lost digits: said, not imported.
    sheet.append(
        [
            "driver",
            "Wu",
            "passport",
            "G1234567",
            "",
            "dg_driver_cn",
            320500199001019999,
            "3",
            "",
            expiry,
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    page = _import(browser, buffer.getvalue(), "crew.xlsx", what="persons").get_data(as_text=True)
    assert "format the column as text" in page and _count(Person) == 2


def test_a_file_that_is_no_table_is_refused_beside_the_field(app: Flask, session: Any) -> None:
    browser = login_as(app.test_client(), make_user(Role.CARRIER))
    for data, message in (
        (b"\xff\xfe\x00garbage", "not a CSV file"),
        (b"plate,country\n", "no header row or no rows"),
        (b"PK\x03\x04 not really a workbook", "not a CSV file"),
    ):
        response = _import(browser, data, "fleet.csv")
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert message in page.split('for="file"', 1)[1].split("</label>", 1)[0]
    assert _count(FleetImport) == 0


def test_rows_are_read_from_csv_with_a_bom_and_semicolons() -> None:
    rows = read_rows("\ufeffPlate;Country\n1-ABC-123;be\n\n".encode(), "x.csv")
    assert rows == [{"plate": "1-ABC-123", "country": "be"}]


def test_another_carriers_import_is_never_found(app: Flask, session: Any) -> None:
    load_reference_data()
    owner = login_as(app.test_client(), make_user(Role.CARRIER))
    _import(owner, _csv([_vehicle("1-MIN-001")], VEHICLE_COLUMNS), "fleet.csv")
    job = db.session.scalar(select(FleetImport))
    other = login_as(app.test_client(), make_user(Role.CARRIER))
    assert other.get(f"/carrier/imports/{job.id}").status_code == 404
    assert other.get(f"/carrier/imports/{job.id}/errors.csv").status_code == 404

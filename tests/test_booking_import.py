"""Importing bookings: CSV/XLSX rows (one cargo line each, grouped by waybill) and e-waybill
JSON, checked as the booking form checks them, all or none, idempotent by waybill number."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

from flask import Flask
from openpyxl import Workbook
from sqlalchemy import func, select

from gatekeeper.extensions import db
from gatekeeper.models import Booking, FleetImport, Role
from gatekeeper.services.booking_imports import COLUMNS
from gatekeeper.services.clock import park_today
from tests.conftest import csv_bytes, login_as, upload_file
from tests.factories import make_user


def _day() -> str:
    return (park_today() + timedelta(days=3)).isoformat()


def _row(waybill: str, **changes: str) -> dict[str, str]:
    row = {
        "waybill_number": waybill,
        "carrier": "BRABANT",
        "vehicle": "1-VKR-301",
        "driver": "Jan Peeters",
        "escort": "Tom Wouters",
        "dock": "D4",
        "direction": "delivery",
        "day": _day(),
        "start": "08:00",
        "end": "10:00",
        "un": "1203",
        "quantity": "20000",
        "unit": "l",
        "packaging": "tank",
        "transport_category": "2",
    }
    row.update(changes)
    return row


def _imported() -> int:
    return int(
        db.session.scalar(
            select(func.count(Booking.id)).where(Booking.waybill_number.like("IMP-%"))
        )
        or 0
    )


def _latest() -> FleetImport:
    job = db.session.scalar(select(FleetImport).order_by(FleetImport.id.desc()))
    assert job is not None
    return job


def test_bookings_are_imported_once(app: Flask, park: dict[str, Any]) -> None:
    browser = login_as(app.test_client(), park["user"])
    rows = [
        _row("IMP-1"),
        _row("IMP-1", un="1202", quantity="5000"),  # a second line of the same waybill
        _row(
            "IMP-2",
            vehicle="1-XTB-482",
            trailer="Q-AKX-769",
            driver="Koen Claes",
            escort="Noor Vermeulen",
            start="10:00",
            end="12:00",
            un="1789",
            quantity="18000",
            transport_category="3",
            dock="D2",
        ),
    ]
    page = upload_file(
        browser, "/dispatch/imports", csv_bytes(COLUMNS, rows), "bookings.csv"
    ).get_data(as_text=True)
    job = _latest()
    assert job.status == "done", job.errors
    assert job.total == job.processed == 3 and job.created == 2
    assert "2 bookings made" in page and 'id="import-progress"' in page
    first = db.session.scalar(select(Booking).where(Booking.waybill_number == "IMP-1"))
    assert [line.un_number for line in first.cargo] == ["1203", "1202"]
    assert first.route  # planned as any booking
    again = upload_file(
        browser, "/dispatch/imports", csv_bytes(COLUMNS, rows), "bookings-again.csv"
    ).get_data(as_text=True)
    assert "0 bookings made" in again and _imported() == 2


def test_one_wrong_row_imports_nothing_and_says_where(app: Flask, park: dict[str, Any]) -> None:
    browser = login_as(app.test_client(), park["user"])
    rows = [
        _row("IMP-1"),
        _row("IMP-2", vehicle="ZZ-999-ZZ"),
        _row("IMP-3", dock="D9"),
        _row("IMP-4", un="9999"),
        _row("IMP-5", day="31.12.2026"),
    ]
    page = upload_file(
        browser, "/dispatch/imports", csv_bytes(COLUMNS, rows), "broken.csv"
    ).get_data(as_text=True)
    job = _latest()
    assert job.status == "failed" and _imported() == 0
    assert {(e["row"], e["field"]) for e in job.errors} == {
        (3, "vehicle"),
        (4, "dock"),
        (5, "un"),
        (6, "day"),
    }
    assert "not one of the carrier&#39;s vehicles" in page or "not one of the carrier's" in page
    download = browser.get(f"/dispatch/imports/{job.id}/errors.csv")
    lines = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0] == ["row", "field", "value", "message"] and len(lines) == 5


def test_rows_that_do_not_fit_together_import_nothing(app: Flask, park: dict[str, Any]) -> None:
    # Dock D2 takes one vehicle an hour: each row fits alone, the two do not.
    browser = login_as(app.test_client(), park["user"])
    common = {
        "dock": "D2",
        "un": "1789",
        "transport_category": "3",
        "start": "08:00",
        "end": "09:00",
    }
    rows = [
        _row("IMP-1", vehicle="1-HZT-118", driver="Koen Claes", escort="Noor Vermeulen", **common),
        _row("IMP-2", **common),
    ]
    upload_file(browser, "/dispatch/imports", csv_bytes(COLUMNS, rows), "clash.csv")
    job = _latest()
    assert job.status == "failed" and _imported() == 0
    assert job.errors[0]["row"] == 3 and "fully booked" in job.errors[0]["message"]


def test_e_waybills_as_json_and_a_workbook(app: Flask, park: dict[str, Any]) -> None:
    browser = login_as(app.test_client(), park["user"])
    waybills = [
        {
            "运单编号": "IMP-J1",
            "车牌号码": "1-VKR-301",
            "运输日期": _day(),
            "卸货地点": "D4",
            "carrier": "BRABANT",
            "driver": "Jan Peeters",
            "escort": "Tom Wouters",
            "start": "14:00",
            "end": "16:00",
            "货物": [{"UN编号": "UN1203", "quantity": 20000, "unit": "l", "packaging": "tank"}],
        }
    ]
    upload_file(
        browser,
        "/dispatch/imports",
        json.dumps({"waybills": waybills}, ensure_ascii=False).encode(),
        "w.json",
    )
    assert _latest().status == "done" and _imported() == 1
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    row = _row("IMP-X1", start="18:00", end="20:00")
    sheet.append([row.get(c, "") for c in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    upload_file(browser, "/dispatch/imports", buffer.getvalue(), "bookings.xlsx")
    assert _latest().status == "done" and _imported() == 2


def test_a_dispatcher_sees_only_their_own_imports(app: Flask, park: dict[str, Any]) -> None:
    browser = login_as(app.test_client(), park["user"])
    upload_file(browser, "/dispatch/imports", csv_bytes(COLUMNS, [_row("IMP-1")]), "mine.csv")
    job = _latest()
    other = login_as(app.test_client(), make_user(Role.DISPATCHER))
    assert other.get(f"/dispatch/imports/{job.id}").status_code == 404
    assert (
        login_as(app.test_client(), make_user(Role.MANAGER))
        .get(f"/dispatch/imports/{job.id}")
        .status_code
        == 200
    )
    assert "not a JSON file" in upload_file(
        browser, "/dispatch/imports", b"[1, 2]", "x.json"
    ).get_data(as_text=True)

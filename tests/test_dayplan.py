"""The day plan: filters, search, timelines per dock and per gate with conflicts marked,
and the CSV and XLSX exports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from gatekeeper.domain.dayplan import Slot, conflicts, stack
from gatekeeper.extensions import db
from gatekeeper.models import Booking, Carrier, Role
from gatekeeper.services.clock import park_today
from gatekeeper.services.demo import seed_demo_park
from tests.conftest import login_as
from tests.factories import make_user

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
PARK_ZONE = ZoneInfo("Asia/Shanghai")  # the demo park's


def _slot(n: int, start_h: float, end_h: float, **values: Any) -> Slot:
    defaults: dict[str, Any] = {"dock": "D1", "dock_slots": 1, "units": (n,), "people": (100 + n,)}
    defaults.update(values)
    return Slot(
        n, f"BK-{n}", T0 + timedelta(hours=start_h), T0 + timedelta(hours=end_h), **defaults
    )


def test_a_dock_booked_beyond_its_slots_is_a_conflict() -> None:
    # One slot an hour: two one-hour windows at once do not fit, a third later does.
    found = conflicts([_slot(1, 0, 1), _slot(2, 0.5, 1.5), _slot(3, 3, 4)])
    assert set(found) == {1, 2}
    assert "2 bookings in this window for 1 slots" in found[1][0].english()
    # A two-hour window holds two slots; two slots an hour hold both one-hour windows.
    assert conflicts([_slot(1, 0, 2), _slot(2, 1, 3)]) == {}
    assert conflicts([_slot(1, 0, 1, dock_slots=2), _slot(2, 0, 1, dock_slots=2)]) == {}


def test_a_vehicle_or_crew_booked_twice_is_a_conflict() -> None:
    found = conflicts(
        [_slot(1, 0, 2, dock="D1", units=(7,)), _slot(2, 1, 3, dock="D2", people=(101,))]
    )
    assert [p.english() for p in found[2]] == ["crew also booked in BK-1"]
    assert conflicts([_slot(1, 0, 1, units=(7,)), _slot(2, 1, 2, units=(7,))]) == {}  # touching


def test_overlapping_bars_are_stacked_on_tracks() -> None:
    row = stack("D1", [_slot(1, 0, 2), _slot(2, 1, 3), _slot(3, 2, 4)])
    assert [[s.id for s in track] for track in row.tracks] == [[1, 3], [2]]


def _page(client: Any, **args: Any) -> str:
    response = client.get("/dispatch/bookings", query_string=args)
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def _two_bookings_for_the_one_place_of_dock_d2() -> Booking:
    """The demo's acid delivery and its cans booked into dock D2's one place at the same
    hour; the acid booking."""
    acid = db.session.scalar(select(Booking).where(Booking.reference.like("BK-%-004")))
    cans = db.session.scalar(select(Booking).where(Booking.reference.like("BK-%-008")))
    acid.window_end = acid.window_start + timedelta(hours=1)
    cans.window_start, cans.window_end = acid.window_start, acid.window_end
    db.session.commit()
    return acid


def test_filters_search_timeline_and_csv(app: Flask, session: Any) -> None:
    seed_demo_park()
    client = login_as(app.test_client(), make_user(Role.DISPATCHER))
    day = park_today().isoformat()
    page = _page(client, day=day)
    assert "BK-" in page and page.count('id="booking-BK-') == 8
    assert 'id="conflicts"' not in page  # the demo's bookings were checked when made
    huaxin = db.session.scalar(select(Carrier).where(Carrier.code == "HUAXIN"))
    assert _page(client, day=day, carrier=huaxin.id).count('id="booking-BK-') == 2
    assert _page(client, day=day, status="requested").count('id="booking-BK-') == 1
    # Search by plate (spaces and separators ignored) or by reference, over the days around.
    assert _page(client, q="hh eb 1204").count('id="booking-BK-') == 1
    assert _page(client, q="-003").count('id="booking-BK-') == 1
    docks = _page(client, day=day, view="docks")
    assert 'class="timeline"' in docks and ">D5<" in docks
    gates = _page(client, day=day, view="gates")
    assert ">G1<" in gates and ">G2<" in gates
    # A second booking for the one place of dock D2 at the same time: both marked.
    acid = _two_bookings_for_the_one_place_of_dock_d2()
    page = _page(client, day=day, view="docks")
    assert 'id="conflicts"' in page and "bar conflict" in page
    assert "dock D2: 2 bookings in this window for 1 slots" in page
    export = client.get("/dispatch/bookings.csv", query_string={"day": day})
    assert export.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 8
    clash = next(r for r in rows if r["Booking"] == acid.reference)
    assert "dock D2" in clash["Conflicts"] and clash["Dock"] == "D2"
    assert clash["Window start"].endswith("+08:00") and clash["Day"] == day
    assert clash["Status"] == "approved" and clash["Direction"] == "delivery"
    assert "UN1789" in clash["Cargo"] and clash["Cargo"].endswith(" L")


def test_the_export_is_in_the_readers_language_as_csv_and_xlsx(app: Flask, session: Any) -> None:
    seed_demo_park()
    reader = make_user(Role.DISPATCHER)
    reader.locale = "zh_CN"
    db.session.commit()
    client = login_as(app.test_client(), reader)
    day = park_today().isoformat()
    page = client.get("/dispatch/bookings", query_string={"day": day}).get_data(as_text=True)
    assert 'id="export-csv"' in page and 'id="export-xlsx"' in page
    acid = _two_bookings_for_the_one_place_of_dock_d2()
    body = client.get("/dispatch/bookings.csv", query_string={"day": day})
    rows = list(csv.reader(io.StringIO(body.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["预约", "状态", "日期"] and rows[0][-1] == "冲突"
    clash = next(r for r in rows if r[0] == acid.reference)
    assert clash[1:5] == [
        "已批准",
        day,
        acid.window_start.astimezone(PARK_ZONE).isoformat(),
        acid.window_end.astimezone(PARK_ZONE).isoformat(),
    ]
    assert clash[13] == "送货" and clash[14] == "UN1789 Hydrochloric acid 33 % 18000 升"
    assert clash[16] == "装卸点 D2：该时段有 2 个预约，仅有 1 个时段名额"
    xlsx = client.get("/dispatch/bookings.xlsx", query_string={"day": day})
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    table = [[c if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)]
    assert table == rows
    assert client.get("/dispatch/bookings.pdf", query_string={"day": day}).status_code == 404


def test_csv_cells_are_not_formulas(app: Flask, session: Any) -> None:
    seed_demo_park()
    booking = db.session.scalar(select(Booking).where(Booking.reference.like("BK-%-001")))
    booking.waybill_number = "=HYPERLINK(1)"
    db.session.commit()
    client = login_as(app.test_client(), make_user(Role.MANAGER))
    body = client.get("/dispatch/bookings.csv", query_string={"day": park_today().isoformat()})
    assert "'=HYPERLINK(1)" in body.get_data(as_text=True)


def test_bad_filters_are_refused(app: Flask, session: Any) -> None:
    client = login_as(app.test_client(), make_user(Role.DISPATCHER))
    assert client.get("/dispatch/bookings?status=nonsense").status_code == 400
    assert client.get("/dispatch/bookings?day=2026-13-01").status_code == 400

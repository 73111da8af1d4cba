"""The manager's inside-the-park pages on the demo park: dashboard figures, goods on site
and unloading, the roll call (start, mark, close, PDF), reports and their exports, the
daily summary, and the exit kiosk's alerts."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import func, select

from gatekeeper.extensions import db
from gatekeeper.jobs import maintenance
from gatekeeper.models import (
    DailyReport,
    GoodsOnSite,
    Passage,
    Person,
    Presence,
    Role,
    RollCall,
    User,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import people, reports
from gatekeeper.services.clock import park_today
from tests.conftest import csrf_token_from, demo_user_client, login_as
from tests.gate_samples import Demo


def _walk_in(names: list[str]) -> None:
    from gatekeeper.models import Lane

    lane = db.session.scalar(select(Lane).where(Lane.code == "G1-PED"))
    for name in names:
        person = db.session.scalar(select(Person).where(Person.full_name == name))
        assert people.check_in(person, lane, utcnow()).allowed
    db.session.commit()


@pytest.mark.embedded  # hours and days grouped by SQLite's own functions
def test_the_dashboard_shows_occupancy_goods_alerts_and_positions(
    app: Any, client: Any, demo: Demo
) -> None:
    demo.enter_lox(client)
    _walk_in(["Wang Fang", "Li Wei"])
    demo.post_sighting(client, "CP3", event_id="d1", plate="QAKX769")  # off its route
    manager = demo_user_client(app, Role.MANAGER)
    page = manager.get("/manage/dashboard").get_data(as_text=True)
    assert "chart-4.6.1.umd.min.js" in page and "cdn" not in page.lower()
    data = manager.get("/manage/dashboard.json").json
    zones = {z["code"]: z for z in data["zones"]}
    # The LOX truck and trailer moved to CP3's zone with their crew.
    assert zones["Z-PROD"]["vehicles"] == 2 and zones["Z-PROD"]["hazmat_vehicles"] == 1
    assert zones["Z-PROD"]["people"] == 4  # driver, escort, two employees
    assert zones["Z-PROD"]["loaded_tankers"] == 1
    (goods,) = data["goods"]
    assert goods["un_number"] == "1073" and goods["zones"] == ["Z-PROD"]
    assert data["alerts"]["by_severity"]["critical"] == 1
    assert "not on its route" in data["alerts"]["latest"][0]["message"]
    assert {p["node"] for p in data["positions"]} == {"CP3"}
    assert sum(data["flows_today"]["vehicles_in"]) == 1
    assert sum(data["flows_today"]["people_in"]) == 4  # two on foot, the crew with its tanker
    assert data["flows_by_day"][-1]["allowed"] == 1 and len(data["flows_by_day"]) == 7
    assert data["dwell"] == [2, 0, 0, 0, 0]


def test_held_vehicles_count_in_the_holding_lot(app: Any, client: Any, demo: Demo) -> None:
    from gatekeeper.models import Park

    db.session.scalar(select(Park)).hazmat_vehicle_capacity = 0
    db.session.commit()
    from tests.gate_samples import LOX_PLATE

    body = demo.post_event(
        client, "G1-HAZ", event_id="e-held", plate="QAKX769", hazard=LOX_PLATE
    ).json
    assert body["decision"] == "hold"
    data = demo_user_client(app, Role.MANAGER).get("/manage/dashboard.json").json
    hold = next(z for z in data["zones"] if z["code"] == "Z-HOLD")
    assert hold["vehicles"] == 1 and data["lot"]["waiting"] == 1


def test_goods_leave_the_inventory_when_the_dock_marks_them_unloaded(
    app: Any, client: Any, demo: Demo
) -> None:
    demo.enter_lox(client)
    manager = demo_user_client(app, Role.MANAGER)
    page = manager.get("/manage/inventory").get_data(as_text=True)
    assert "1073" in page and "1-XTB-482" in page
    csv = manager.get("/manage/inventory.csv").get_data(as_text=True)
    assert csv.startswith("\ufeffUN number") and "1073" in csv
    sheet = load_workbook(io.BytesIO(manager.get("/manage/inventory.xlsx").data)).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][0] == "UN number" and table[1][0] == "1073" and table[1][4] == "kg"
    assert table[1][7].endswith("+08:00")  # since, in the park's zone, ISO 8601
    dispatcher = login_as(
        app.test_client(), db.session.scalar(select(User).where(User.role == Role.DISPATCHER))
    )
    booking_page = dispatcher.get(f"/dispatch/bookings/{demo.lox.reference}")
    html = booking_page.get_data(as_text=True)
    assert "Mark unloaded" in html
    answer = dispatcher.post(
        f"/dispatch/bookings/{demo.lox.reference}/unloaded",
        data={"csrf_token": csrf_token_from(html)},
        follow_redirects=True,
    )
    assert "unloaded" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(GoodsOnSite.id))) == 0
    data = manager.get("/manage/dashboard.json").json
    tank = next(z for z in data["zones"] if z["code"] == "Z-TANK")
    assert (tank["loaded_tankers"], tank["empty_tankers"]) == (0, 1)
    again = dispatcher.post(
        f"/dispatch/bookings/{demo.lox.reference}/unloaded",
        data={"csrf_token": csrf_token_from(html)},
        follow_redirects=True,
    )
    assert "already marked unloaded" in again.get_data(as_text=True)


def test_goods_leave_with_the_vehicle(client: Any, demo: Demo) -> None:
    demo.enter_lox(client)
    assert db.session.scalar(select(func.count(GoodsOnSite.id))) == 1
    body = demo.post_event(client, "G1-OUT", event_id="e-out", plate="1-XTB-482").json
    assert body["decision"] == "allow"
    assert db.session.scalar(select(func.count(GoodsOnSite.id))) == 0
    assert db.session.scalar(select(func.count(Presence.id))) == 0


def test_the_roll_call_freezes_the_list_and_counts_who_is_missing(
    app: Any, client: Any, demo: Demo
) -> None:
    demo.enter_lox(client)
    _walk_in(["Wang Fang", "Zhang Min"])
    guard = login_as(app.test_client(), demo.guard)
    page = guard.get("/manage/rollcall").get_data(as_text=True)
    assert "4 people inside now" in page and "Muster point M3" in page
    assert "Wang Fang" in page and "Tom Wouters (1-XTB-482)" in page and "Li Wei" not in page
    guard.post(
        "/manage/rollcall/start",
        data={"csrf_token": csrf_token_from(page), "reason": "drill"},
    )
    roll_call = db.session.scalar(select(RollCall))
    assert roll_call is not None and len(roll_call.entries) == 4
    _walk_in(["Li Wei"])  # came in after the alarm: not on the frozen list
    db.session.refresh(roll_call)
    assert len(roll_call.entries) == 4
    page = guard.get("/manage/rollcall").get_data(as_text=True)
    # The emergency gate is the evacuation exit: the running roll call links its lane.
    assert 'href="/kiosk/lanes/G2-EMG"' in page and "open it at its screen" in page
    entry = roll_call.entries[0]
    answer = guard.post(
        f"/manage/rollcall/{roll_call.id}/entries/{entry.id}",
        data={"csrf_token": csrf_token_from(page), "accounted": "1"},
        headers={"Accept": "application/json"},
    )
    assert answer.json == {"accounted": True, "missing": 3}
    pdf = guard.get("/manage/rollcall.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    closed = guard.post(
        f"/manage/rollcall/{roll_call.id}/close",
        data={"csrf_token": csrf_token_from(page)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "1 of 4 found, 3 missing" in closed
    late = guard.post(
        f"/manage/rollcall/{roll_call.id}/entries/{entry.id}",
        data={"csrf_token": csrf_token_from(page), "accounted": "0"},
        headers={"Accept": "application/json"},
    )
    assert late.status_code == 409


@pytest.mark.embedded  # hours and days grouped by SQLite's own functions
def test_reports_page_and_export_as_csv_and_xlsx(app: Any, client: Any, demo: Demo) -> None:
    demo.enter_lox(client)
    demo.post_event(client, "G1-IN", event_id="e-unknown", plate="ZZ123")
    manager = demo_user_client(app, Role.MANAGER)
    today = park_today().isoformat()
    page = manager.get(f"/manage/reports?kind=passages&start={today}&end={today}")
    html = page.get_data(as_text=True)
    assert "2 row(s)" in html and "G1-HAZ" in html
    csv = manager.get(
        f"/manage/reports/export?format=csv&kind=passages&start={today}&end={today}"
    ).get_data(as_text=True)
    assert csv.startswith("\ufeffTime,Lane") and len(csv.strip().splitlines()) == 3
    xlsx = manager.get(f"/manage/reports/export?format=xlsx&kind=denials&start={today}&end={today}")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Time" and len(rows) == 1 + db.session.scalar(
        select(func.count(Passage.id)).where(Passage.decision == "deny")
    )
    bad = manager.get(f"/manage/reports?kind=passages&start={today}&end=2020-01-01")
    assert bad.status_code == 200 and "the last day is before the first" in bad.get_data(
        as_text=True
    )
    rows = [line.split(",") for line in csv.strip().splitlines()[1:]]
    assert {row[2] for row in rows} == {"entry"}  # codes as words, as on the page
    assert all(row[0].startswith(today) and row[0].endswith("+08:00") for row in rows)
    assert f"<td>{rows[0][0][:10]} {rows[0][0][11:19]}</td>" in html  # the page: date time
    unknown = next(row for row in rows if row[3] == "ZZ123")
    assert "ZZ123 is not a registered vehicle" in unknown[-1]
    user = db.session.scalar(select(User).where(User.role == Role.MANAGER))
    user.locale = "zh_CN"
    db.session.commit()
    chinese = manager.get(
        f"/manage/reports/export?format=csv&kind=passages&start={today}&end={today}"
    ).get_data(as_text=True)
    assert {line.split(",")[2] for line in chinese.strip().splitlines()[1:]} == {"入口"}
    assert "ZZ123" in chinese and "not a registered vehicle" not in chinese  # reasons too
    user.locale = "en"
    db.session.commit()
    opened = manager.get("/manage/reports").get_data(as_text=True)  # from the menu
    assert "This field is required" not in opened and "field-error" not in opened
    assert "2 row(s)" in opened and f"{today} – {today}" in opened


@pytest.mark.embedded  # the plate search's SQL (replace, upper, like) on SQLite too
def test_a_report_finds_a_plate_a_booking_or_a_name_and_exports_what_it_found(
    app: Any, client: Any, demo: Demo
) -> None:
    demo.enter_lox(client)
    demo.post_event(client, "G1-IN", event_id="e-unknown", plate="ZZ-123")
    manager = demo_user_client(app, Role.MANAGER)
    today = park_today().isoformat()

    def found(kind: str, q: str) -> list[list[str]]:
        args = {"kind": kind, "start": today, "end": today, "q": q}
        page = manager.get("/manage/reports", query_string=args).get_data(as_text=True)
        export = manager.get("/manage/reports/export", query_string={**args, "format": "csv"})
        rows = [line.split(",") for line in export.get_data(as_text=True).splitlines()[1:]]
        assert f"{len(rows)} row(s)" in page and f"q={q.replace(' ', '+')}" in page
        return rows

    assert [row[3] for row in found("passages", "zz 123")] == ["ZZ-123"]  # as read, unknown
    by_booking = found("passages", demo.lox.reference.lower())
    assert len(by_booking) == 1 and by_booking[0][1] == "G1-HAZ"
    assert found("passages", demo.lox.vehicle.plate.replace("-", "")) == by_booking
    assert found("denials", "no such plate") == []
    assert [row[3] for row in found("people", "jan peeters")] == ["Jan Peeters"]  # the driver
    assert found("people", "Bram De Smet") == []  # an escort of the carrier, not on this trip
    assert found("overrides", "ZZ-123") == [] and found("deviations", "ZZ-123") == []
    long = manager.get(
        "/manage/reports",
        query_string={"kind": "passages", "start": today, "end": today, "q": "x" * 41},
    )
    assert long.status_code == 200 and "field-error" in long.get_data(as_text=True)


def test_an_xlsx_larger_than_a_sheet_is_refused_with_the_way_out(
    app: Any, client: Any, demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gatekeeper.services import exports

    demo.enter_lox(client)
    demo.post_event(client, "G1-IN", event_id="e-unknown", plate="ZZ-123")
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 1)  # a sheet of one row, two passages
    manager = demo_user_client(app, Role.MANAGER)
    today = park_today().isoformat()
    args = {"kind": "passages", "start": today, "end": today, "q": ""}
    refused = manager.get("/manage/reports/export", query_string={**args, "format": "xlsx"})
    assert refused.status_code == 302 and "/manage/reports?" in refused.headers["Location"]
    page = manager.get(refused.headers["Location"]).text
    assert "download CSV, or choose fewer days" in page and "2 row(s)" in page
    csv = manager.get("/manage/reports/export", query_string={**args, "format": "csv"})
    assert csv.status_code == 200 and len(csv.text.strip().splitlines()) == 3


def test_the_daily_summary_is_made_once_by_the_job_and_downloadable(
    app: Any, client: Any, demo: Demo
) -> None:
    assert maintenance.make_daily_report() == 1
    assert maintenance.make_daily_report() == 0
    report = db.session.scalar(select(DailyReport))
    assert report.day == park_today() - timedelta(days=1)
    pdf = demo_user_client(app, Role.MANAGER).get(
        f"/manage/reports/daily/{report.day.isoformat()}.pdf"
    )
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert reports.day_figures(park_today())["vehicles_in"] == 0


def test_the_daily_summary_names_alert_kinds_in_both_languages(app: Any) -> None:
    from gatekeeper.services.site_pdf import both_languages

    with app.app_context():  # as the nightly job makes it: no request, no reader
        assert both_languages("speeding") == "超速 / speeding"
        assert both_languages("route_deviation") == "路线偏离 / route deviation"
        assert both_languages("something_new") == "something_new"


def test_a_deviation_reaches_the_exit_lane_kiosk(app: Any, client: Any, demo: Demo) -> None:
    demo.enter_lox(client)
    kiosk = login_as(app.test_client(), demo.guard)
    first = kiosk.get("/kiosk/lanes/G1-OUT/panel")
    assert "exit-alerts" not in first.get_data(as_text=True)
    demo.post_sighting(client, "CP6", event_id="k1", plate="QAKX769")
    # The next poll (every 500 ms) has a new version and shows the alert.
    again = kiosk.get("/kiosk/lanes/G1-OUT/panel", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    html = again.get_data(as_text=True)
    assert "exit-alerts" in html and "CP6" in html
    # Not at the entry lanes.
    assert "exit-alerts" not in kiosk.get("/kiosk/lanes/G1-HAZ/panel").get_data(as_text=True)


def test_the_pages_answer_each_role_in_both_languages(app: Any, demo: Demo) -> None:
    manager = demo_user_client(app, Role.MANAGER)
    for url in (
        "/manage/dashboard",
        "/manage/inventory",
        "/manage/rollcall",
        "/manage/reports",
        "/manage/feed",
        "/visitors",
        "/guard/people?q=Wang",
    ):
        for locale in ("en", "zh_CN"):
            manager.post("/locale", data={"locale": locale})
            assert manager.get(url).status_code == 200, (url, locale)


def test_finished_days_are_counted_once_in_a_while_and_today_at_every_poll(
    client: Any, demo: Demo
) -> None:
    """The dashboard's last days: a finished day's figure is kept for a while (its
    passages hardly change), today's follows every decision."""
    from gatekeeper.models import Decision, Lane, Passage, PassageDirection, ReadStatus
    from gatekeeper.services import dashboard
    from gatekeeper.services.clock import day_bounds
    from gatekeeper.services.park import park_settings

    lane = db.session.scalar(select(Lane).where(Lane.code == "G1-IN"))
    yesterday_noon = day_bounds(park_today() - timedelta(days=1))[0] + timedelta(hours=12)

    def passage(key: str, at: Any) -> None:
        db.session.add(
            Passage(
                lane=lane,
                direction=PassageDirection.IN,
                occurred_at=at,
                idempotency_key=key,
                read_status=ReadStatus.NOT_NEEDED,
                decision=Decision.ALLOW,
            )
        )
        db.session.commit()

    def figures() -> dict[str, int]:
        rows = dashboard.flows_by_day(park_settings().timezone)
        return {"yesterday": rows[-2]["allowed"], "today": rows[-1]["allowed"]}

    passage("y-1", yesterday_noon)
    before = figures()
    passage("y-2", yesterday_noon)
    passage("t-1", utcnow())
    assert figures() == {"yesterday": before["yesterday"], "today": before["today"] + 1}
    with time_machine.travel(utcnow() + dashboard.FINISHED_DAY_TTL, tick=False):
        assert figures()["yesterday"] == before["yesterday"] + 1


@pytest.mark.embedded  # SQLite has no time zones: the hours and days are bounded in Python
def test_hours_and_days_follow_the_park_clock_across_a_daylight_saving_change(
    demo: Demo,
) -> None:
    """Berlin moved from UTC+1 to UTC+2 at 02:00 on 2026-03-29. The day before's 23:30 and
    the day's 00:30 were read with the day's later offset (one hour off): a day early and
    an hour late."""
    from flask import g

    from gatekeeper.models import Decision, Lane, Park, Passage, PassageDirection, ReadStatus
    from gatekeeper.services import dashboard

    park = db.session.scalar(select(Park))
    park.timezone = "Europe/Berlin"
    db.session.flush()
    g.pop("park_zone", None)
    lane = db.session.scalar(select(Lane).where(Lane.code == "G1-IN"))
    local = {
        "28th 23:30": datetime(2026, 3, 28, 22, 30, tzinfo=UTC),  # UTC+1
        "29th 00:30": datetime(2026, 3, 28, 23, 30, tzinfo=UTC),  # UTC+1
        "29th 03:30": datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # UTC+2
    }
    for key, at in local.items():
        db.session.add(
            Passage(
                lane=lane,
                direction=PassageDirection.IN,
                occurred_at=at,
                idempotency_key=f"dst {key}",
                read_status=ReadStatus.NOT_NEEDED,
                decision=Decision.ALLOW,
            )
        )
    db.session.commit()
    dashboard.forget_finished_days()
    with time_machine.travel(datetime(2026, 3, 29, 10, 0, tzinfo=UTC), tick=False):
        hours = dashboard.flows_today("Europe/Berlin")["vehicles_in"]
        days = {row["day"]: row["allowed"] for row in dashboard.flows_by_day("Europe/Berlin")}
    assert [hour for hour, count in enumerate(hours) for _ in range(count)] == [0, 3]
    assert days["2026-03-28"] == 1 and days["2026-03-29"] == 2

"""The manager's dashboard in a real browser, on the product as `make run` starts it: while
`flask simulate day` replays a day of gate, checkpoint and badge events into the same
database, the open page updates without a reload (tiles, tables, charts, the map), and the
roll call lists who is still inside. Screenshots in test-artifacts/."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import text, update

from gatekeeper.models import Lane
from gatekeeper.models.types import utcnow
from gatekeeper.services.demo import DEMO_PASSWORD
from tests.live import BIN, ROOT, Server, chromium, run_server, server_database
from tests.test_kiosk_browser import ARTIFACTS


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with run_server(tmp_path_factory.mktemp("dashboard-e2e")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _signed_in(browser: Browser, server: Server, username: str) -> Page:
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(f"{server.url}/")
    return page


def test_the_dashboard_follows_a_simulated_day_without_reloading(
    server: Server, browser: Browser
) -> None:
    page = _signed_in(browser, server, "manager")
    page.goto(f"{server.url}/manage/dashboard")
    dashboard = page.locator("#dashboard")
    expect(dashboard).to_have_attribute("data-refreshed", "1")  # the first poll drew it
    expect(page.locator("#t-critical")).to_have_text("0")
    expect(page.locator("#lanes-list")).to_contain_text("Every lane as in normal operation")
    page.screenshot(path=str(ARTIFACTS / "dashboard-before.png"))
    loaded = page.evaluate("() => performance.getEntriesByType('navigation').length")

    replay = subprocess.run(
        [str(BIN / "flask"), "simulate", "day", "--speed", "0", "--quiet"],
        cwd=ROOT,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert replay.returncode == 0, replay.stderr
    assert "entry 7" in replay.stdout and "sighting" in replay.stdout
    with server_database(server) as conn:  # the Chinese tanker's camera sent its colour
        colours = conn.execute(
            text("SELECT DISTINCT plate_colour FROM passage WHERE plate_read LIKE 'HH%'")
        ).scalars()
        assert set(colours) == {None}
        chinese = conn.execute(
            text("SELECT DISTINCT plate_colour FROM passage WHERE plate_read LIKE '沪A%'")
        ).scalars()
        assert set(chinese) == {"yellow"}
        # The blacklisted local truck came to G1-IN and was refused.
        barred = conn.execute(
            text("SELECT decision FROM passage WHERE plate_read LIKE '苏E%7731'")
        ).scalars()
        assert list(barred) == ["deny"]
        # The park companies' vehicles: the van in and out without a booking, the car
        # whose registration ended refused.
        park = conn.execute(
            text(
                "SELECT plate_read, decision FROM passage WHERE plate_read LIKE '苏E%2031' "
                "OR plate_read LIKE '苏E%6608' ORDER BY id"
            )
        ).all()
        assert [(plate[-4:], decision) for plate, decision in park] == [
            ("2031", "allow"),
            ("6608", "deny"),
            ("2031", "allow"),
        ]
    assert "refused 1" in replay.stdout and "park vehicle 3" in replay.stdout

    # The polls bring the day in: the stray truck's critical alert, the speeding one.
    expect(page.locator("#t-critical")).to_have_text("1", timeout=15_000)
    expect(page.locator("#t-warning")).to_have_text("1")
    expect(page.locator("#alerts-list")).to_contain_text("not on its route")
    # The last tanker of the day is still inside, loaded or unloaded, on the map.
    expect(page.locator("#dash-map svg g.vehicles g.vehicle")).not_to_have_count(0)
    expect(page.locator("#zones-table tbody")).to_contain_text("Z-ROAD")
    expect(page.locator("#t-people")).not_to_have_text("0")
    # A lane closed at a kiosk shows in the lanes list with its reason at the next poll.
    with server_database(server) as conn:
        lanes = Lane.__table__
        conn.execute(
            update(lanes)
            .where(lanes.c.code == "G1-IN")
            .values(is_open=False, state_reason="camera down", state_changed_at=utcnow())
        )
        conn.commit()
    lane = page.locator("#lanes-list li[data-lane='G1-IN']")
    expect(lane).to_contain_text("closed", timeout=15_000)
    expect(lane).to_contain_text("camera down")
    # Every simulated vehicle let in today (7 booked, the company van), per hour (a poll
    # after the replay finished).
    page.wait_for_function(
        "() => Chart.getChart('chart-hours').data.datasets[0].data"
        ".reduce((a, b) => a + b, 0) === 8",
        timeout=15_000,
    )
    # Still the same page: nothing was reloaded.
    assert page.evaluate("() => performance.getEntriesByType('navigation').length") == loaded
    page.screenshot(path=str(ARTIFACTS / "dashboard-after-day.png"), full_page=True)

    rollcall = _signed_in(browser, server, "guard")
    rollcall.goto(f"{server.url}/manage/rollcall")
    expect(rollcall.locator("main")).to_contain_text("Chen Jie")  # the night shift
    rollcall.click("text=Start the roll call")
    first = rollcall.locator("form.mark-form button").first
    missing = int(rollcall.locator("#missing-count").inner_text())
    first.click()
    expect(rollcall.locator("#missing-count")).to_have_text(str(missing - 1))
    expect(first).to_have_attribute("aria-pressed", "true")
    rollcall.screenshot(path=str(ARTIFACTS / "rollcall-tablet.png"))

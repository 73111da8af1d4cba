"""End to end in a real browser: the product as `make run` starts it (gunicorn, embedded
mode, the demo park), Debian's chromium driven by Playwright.

A guard opens the hazmat lane's kiosk; the station posts the real tanker photo for the
booked LOX tanker; the kiosk shows the reads and the decision without a reload; the guard
overrides the `review` with a reason by keyboard; the passage and the audit rows are in
the database. Screenshots are saved under ``test-artifacts/``.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.request
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from gatekeeper.services.demo import DEMO_PASSWORD
from tests.conftest import SHARED_DATA
from tests.live import ROOT, Server, chromium, run_server, server_database, verify_audit

pytestmark = pytest.mark.embedded

ARTIFACTS = Path(os.environ.get("GK_TEST_ARTIFACTS", ROOT / "test-artifacts"))
TANKER_PHOTO = SHARED_DATA / "hazmat" / "tanker_rear_225_1073.jpg"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with run_server(tmp_path_factory.mktemp("e2e")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _sign_in(page: Page, server: Server, username: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(f"{server.url}/")


def _post_capture(server: Server, event_id: str) -> dict[str, object]:
    boundary, body = encode_multipart(
        {"event_id": event_id, "image": FileStorage(BytesIO(TANKER_PHOTO.read_bytes()), "rear.jpg")}
    )
    request = urllib.request.Request(
        f"{server.url}/api/v1/lanes/G1-HAZ/captures",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {server.token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        assert response.status == 202
        return json.loads(response.read())


def test_guard_sees_the_tanker_and_overrides_the_review(server: Server, browser: object) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1600, "height": 1200}, locale="en-GB")  # type: ignore[attr-defined]
    page = context.new_page()
    _sign_in(page, server, "guard")
    page.goto(f"{server.url}/kiosk/lanes/G1-HAZ")
    expect(page.locator(".decision-text")).to_have_text("No vehicle yet")
    page.evaluate("window.__sameDocument = true")

    posted_at = time.monotonic()
    capture = _post_capture(server, "e2e-tanker-1")
    answered_at = time.monotonic()
    decision = page.locator(f'#decision[data-passage="{capture["id"]}"]')
    expect(decision).to_have_attribute("data-decision", "review", timeout=10_000)
    shown_at = time.monotonic()
    # It arrived by polling, not by a reload.
    assert page.evaluate("window.__sameDocument") is True

    expect(page.locator("#read-hazard")).to_contain_text("225")
    expect(page.locator("#read-hazard")).to_contain_text("1073")
    expect(page.locator("#booking")).to_contain_text("-001")
    expect(page.locator('#checks tr[data-code="orange_plate"]')).to_have_class(
        re.compile("check-pass")
    )
    expect(page.locator('#checks tr[data-code="crew"]')).to_have_class(re.compile("check-fail"))
    expect(page.locator("svg.boxes rect.box-hazard")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "kiosk-review.png"), full_page=True)

    # Keyboard: O without a reason asks for one; with the reason, O opens.
    page.keyboard.press("o")
    expect(page.locator("#decide-reason")).to_be_focused()
    page.keyboard.type("Driver and escort IDs checked by hand; plate Q-AKX-769 confirmed")
    page.keyboard.press("Escape")
    page.keyboard.press("o")
    expect(page.locator("#decision")).to_have_attribute("data-decision", "allow")
    expect(page.locator(".decision-meta")).to_contain_text("barrier opened")
    expect(page.locator(".decision-reason")).to_contain_text("IDs checked by hand")
    page.screenshot(path=str(ARTIFACTS / "kiosk-override.png"), full_page=True)

    # The guard's own language: Simplified Chinese, kept on the account.
    page.select_option("#locale-select", "zh_CN")
    page.click(".locale-form button")
    expect(page.locator(".decision-text")).to_have_text("放行")
    expect(page.locator("#actions h2")).to_have_text("门卫")
    page.screenshot(path=str(ARTIFACTS / "kiosk-zh.png"), full_page=True)
    context.close()

    (ARTIFACTS / "kiosk-e2e.json").write_text(
        json.dumps(
            {
                "capture_request_s": round(answered_at - posted_at, 3),
                "shown_after_response_s": round(shown_at - answered_at, 3),
            }
        )
    )

    with server_database(server) as conn:
        passage = conn.execute(
            text(
                "SELECT p.decision, p.system_decision, p.override_reason, u.username, "
                "p.barrier_opened_at, p.hin_read, p.un_read FROM passage p "
                "JOIN user_account u ON u.id = p.operator_id WHERE p.id = :id"
            ),
            {"id": capture["id"]},
        ).one()
        actions = [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT action, actor FROM audit_entry WHERE entity_type = 'passage' "
                    "AND entity_id = :id ORDER BY seq"
                ),
                {"id": str(capture["id"])},
            )
        ]
    assert passage[:4] == ("allow", "review", passage[2], "guard")
    assert "IDs checked by hand" in passage[2]
    assert passage[4] is not None and passage[5:] == ("225", "1073")
    assert actions == [
        ("capture.received", actions[0][1]),
        ("gate.decision", "system"),
        ("gate.override", "guard"),
        ("barrier.open", "guard"),
    ]
    verify_audit(server)


def test_gate_overview_and_holding_queue_update_live(server: Server, browser: object) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page = context.new_page()
    _sign_in(page, server, "guard")
    page.goto(f"{server.url}/kiosk/gates/G1")
    tile = page.locator('.lane-tile[data-lane="G1-HAZ"]')
    expect(tile).to_be_visible()
    # A smart ANPR camera reports a vehicle with no booking at the general lane.
    request = urllib.request.Request(
        f"{server.url}/api/v1/lanes/G1-IN/events",
        data=json.dumps(
            {"event_id": "e2e-anpr-1", "plate": "1-VKR-302", "confidence": 0.96}
        ).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.loads(response.read())["decision"] == "deny"
    general = page.locator('.lane-tile[data-lane="G1-IN"]')
    expect(general).to_contain_text("1-VKR-302")
    expect(general.locator(".decision-badge")).to_have_class(re.compile("decision-deny"))
    context.close()


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_decision_and_every_action_fit_without_scrolling(
    server: Server, browser: object, size: tuple[int, int]
) -> None:
    width, height = size
    request = urllib.request.Request(
        f"{server.url}/api/v1/lanes/G1-HAZ/events",
        data=json.dumps(
            {
                "event_id": f"e2e-fit-{width}",
                "plate": "1-XTB-482",
                "confidence": 0.95,
                "hazard": {"hin": "225", "un": "1073"},
            }
        ).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        passage = json.loads(response.read())
    context = browser.new_context(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    page = context.new_page()
    _sign_in(page, server, "guard")
    # The screen's first poll finds the lane as the page showed it: the panel is not
    # replaced under the guard (it took the focus from a field just entered).
    with page.expect_response(lambda r: "/panel" in r.url) as first_poll:
        page.goto(f"{server.url}/kiosk/lanes/G1-HAZ?passage={passage['id']}")
    assert first_poll.value.status == 304
    expect(page.locator("#decision")).to_have_attribute("data-decision", "review")
    with page.expect_response(lambda r: "/panel" in r.url) as next_poll:
        page.keyboard.press("p")
    assert next_poll.value.status == 304
    expect(page.locator("#plate-plate")).to_be_focused()
    page.keyboard.press("Escape")
    for selector in (
        "#decision",
        "button.act-open",
        "button.act-refuse",
        "button.act-hold",
        "#decide-reason",
        "#plate-plate",
        "#scan-text",
        ".crew-form:not(.document-form) button",
        ".document-form button",
    ):
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, (selector, box)
    # Why a reason is needed is said beside the box (in the guard's language).
    expect(page.locator("button.act-open")).to_have_attribute("data-needs-reason", "1")
    expect(page.locator("#reason-why")).not_to_be_empty()
    page.screenshot(path=str(ARTIFACTS / f"kiosk-{width}x{height}.png"))
    context.close()

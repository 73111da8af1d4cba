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
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from gatekeeper.services.demo import DEMO_PASSWORD
from tests.conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("GK_TEST_ARTIFACTS", ROOT / "test-artifacts"))
TANKER_PHOTO = SHARED_DATA / "hazmat" / "tanker_rear_225_1073.jpg"
BIN = Path(sys.executable).parent


@dataclass
class Server:
    url: str
    database: Path
    token: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)  # polling a server that is starting, not synchronising a test
    raise RuntimeError("server did not become healthy")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    instance = tmp_path_factory.mktemp("e2e")
    database = instance / "gatekeeper.db"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GATEKEEPER_")},
        "GATEKEEPER_DATABASE_URL": f"sqlite:///{database}",
        "GATEKEEPER_INSTANCE_PATH": str(instance),
        "FLASK_APP": "wsgi.py",
    }
    flask = [str(BIN / "flask")]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    seeded = subprocess.run(
        [*flask, "demo"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    token = re.search(r"station ST-G1 token \(shown once\): (\S+)", seeded.stdout)
    assert token, seeded.stdout
    port = _free_port()
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            "2",
            "--threads",
            "4",
            "--timeout",
            "120",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield Server(url, database, token.group(1))
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


def _sign_in(page: Page, server: Server, username: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
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

    with sqlite3.connect(server.database) as conn:
        passage = conn.execute(
            "SELECT p.decision, p.system_decision, p.override_reason, u.username, "
            "p.barrier_opened_at, p.hin_read, p.un_read FROM passage p "
            "JOIN user_account u ON u.id = p.operator_id WHERE p.id = ?",
            (capture["id"],),
        ).fetchone()
        actions = [
            row
            for row in conn.execute(
                "SELECT action, actor FROM audit_entry WHERE entity_type = 'passage' "
                "AND entity_id = ? ORDER BY seq",
                (str(capture["id"]),),
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
    verified = subprocess.run(
        [str(BIN / "flask"), "audit", "verify"],
        cwd=ROOT,
        env={
            **os.environ,
            "GATEKEEPER_DATABASE_URL": f"sqlite:///{server.database}",
            "FLASK_APP": "wsgi.py",
        },
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


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

"""The gate under real concurrency: the product as `make run` starts it (gunicorn, 2
workers x 4 threads, the suite's backend), many requests released at the same instant.

Proves: a burst of distinct ANPR events all answer 201; the same event sent many times at
once makes one passage (one 201, the rest 200); a sign-in in the middle of the burst
works; nothing answers 5xx; the audit chain stays whole.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import subprocess
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from gatekeeper.services.demo import DEMO_PASSWORD
from tests.live import (
    BIN,
    ROOT,
    Server,
    all_at_once,
    post_json,
    run_server,
    server_database,
    verify_audit,
)

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with run_server(tmp_path_factory.mktemp("burst")) as running:
        yield running


def _post_event(server: Server, lane: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    status, answer = post_json(server, f"/api/v1/lanes/{lane}/events", server.token, body)
    return status, answer


def _sign_in(server: Server, username: str) -> int:
    """The login form as a browser sends it; the status of the form's answer."""
    return _login(_browser(), server, username)


def _browser() -> Any:
    """A browser's cookies; redirects answered, not followed."""
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
    )


def _login(opener: Any, server: Server, username: str) -> int:
    form = {"username": username, "password": DEMO_PASSWORD}
    return _post_form(opener, f"{server.url}/login", form)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _scalar(server: Server, sql: str, **params: Any) -> Any:
    with server_database(server) as conn:
        return conn.execute(text(sql), params).scalar_one()


def test_fifty_distinct_events_and_logins_at_once_all_succeed(server: Server) -> None:
    events: list[Callable[[], Any]] = [
        (
            lambda n=n: _post_event(
                server,
                "G1-IN",
                {"event_id": f"burst-{n}", "plate": f"ZZ-{n:03d}-ZZ", "confidence": 0.95},
            )
        )
        for n in range(50)
    ]
    logins: list[Callable[[], Any]] = [lambda: _sign_in(server, "guard") for _ in range(4)]
    results = all_at_once([*events, *logins])
    statuses = Counter(status for status, _ in results[:50])
    assert statuses == Counter({201: 50}), [body for _, body in results[:50]][:3]
    assert results[50:] == [302] * 4  # signed in and sent on to the start page
    assert all(body["decision"] for _, body in results[:50])
    stored = _scalar(server, "SELECT count(*) FROM passage WHERE idempotency_key LIKE 'burst-%'")
    assert stored == 50


def test_the_same_event_twenty_times_at_once_is_one_passage(server: Server) -> None:
    body = {"event_id": "dup-1", "plate": "ZZ-777-ZZ", "confidence": 0.95}
    results = all_at_once([lambda: _post_event(server, "G1-IN", body) for _ in range(20)])
    assert Counter(status for status, _ in results) == Counter({201: 1, 200: 19}), results[:3]
    assert len({answer["id"] for _, answer in results}) == 1
    assert _scalar(server, "SELECT count(*) FROM passage WHERE idempotency_key = 'dup-1'") == 1


def test_the_audit_chain_is_whole_after_the_bursts(server: Server) -> None:
    verify_audit(server)


def test_two_tankers_at_once_cannot_both_take_the_last_hazmat_place(server: Server) -> None:
    with server_database(server) as conn:
        inside = conn.execute(
            text(
                "SELECT count(*) FROM presence"
                " WHERE kind = 'vehicle' AND CAST(hazard_classes AS TEXT) != '[]'"
            )
        ).scalar_one()
        conn.execute(
            text(
                "UPDATE park SET hazmat_vehicle_capacity = :places,"
                " crew_check_required_for_hazmat = false, waybill_required_for_hazmat = false"
            ),
            {"places": inside + 1},
        )
        now = datetime.now(UTC)
        conn.execute(
            text(
                "UPDATE booking SET window_start = :start, window_end = :end"
                " WHERE reference LIKE '%-001' OR reference LIKE '%-003'"
            ),
            {"start": now - timedelta(hours=1), "end": now + timedelta(hours=2)},
        )
        conn.commit()
    tankers = [
        {"event_id": "cap-lox", "plate": "1-XTB-482", "hazard": {"hin": "225", "un": "1073"}},
        {"event_id": "cap-diesel", "plate": "1-HZT-119", "hazard": {"hin": "30", "un": "1202"}},
    ]
    results = all_at_once(
        [
            lambda body=body: _post_event(server, "G1-HAZ", {**body, "confidence": 0.97})
            for body in tankers
        ]
    )
    assert [status for status, _ in results] == [201, 201], results
    decisions = sorted(body["decision"] for _, body in results)
    assert decisions == ["allow", "hold"], [(b["decision"], b["reasons"]) for _, b in results]


def test_the_same_vehicle_booked_six_times_at_once_is_booked_once(server: Server) -> None:
    """Bookings check each other (double bookings, slots): made at once, one decides at a
    time, so exactly one of six identical bookings is made and none fails."""
    issued = subprocess.run(
        [str(BIN / "flask"), "user", "token", "dispatcher"],
        cwd=ROOT,
        env=server.env,
        capture_output=True,
        text=True,
        check=True,
    )
    token = re.search(r"gku_\S+", issued.stdout)
    assert token, issued.stdout
    with server_database(server) as conn:
        ids = dict(
            conn.execute(
                text(
                    "SELECT 'vehicle', id FROM vehicle WHERE plate = '1-VKR-301' UNION ALL "
                    "SELECT 'driver', id FROM person WHERE full_name = 'Luc Janssens' UNION ALL "
                    "SELECT 'escort', id FROM person WHERE full_name = 'Tom Wouters' UNION ALL "
                    "SELECT 'dock', id FROM dock WHERE code = 'D4' UNION ALL "
                    "SELECT 'carrier', carrier_id FROM vehicle WHERE plate = '1-VKR-301'"
                )
            ).all()
        )
    start = (datetime.now(UTC) + timedelta(days=4)).replace(microsecond=0)

    def book(n: int) -> tuple[int, dict[str, Any]]:
        body = {
            "carrier_id": ids["carrier"],
            "vehicle_id": ids["vehicle"],
            "driver_id": ids["driver"],
            "escort_id": ids["escort"],
            "dock_id": ids["dock"],
            "direction": "delivery",
            "window_start": start.isoformat(),
            "window_end": (start + timedelta(hours=2)).isoformat(),
            "cargo": [{"un": "1203", "quantity": 20000, "unit": "l", "packaging": "tank"}],
            "waybill_number": f"WB-AT-ONCE-{n}",
        }
        request = urllib.request.Request(
            f"{server.url}/api/v1/bookings",
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {token.group(0)}",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    results = all_at_once([lambda n=n: book(n) for n in range(6)])
    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 400, 400, 400, 400, 400], results
    refused = [body for status, body in results if status == 400]
    assert all("already booked" in body["fields"]["vehicle_id"] for body in refused), refused
    made = _scalar(server, "SELECT count(*) FROM booking WHERE waybill_number LIKE 'WB-AT-ONCE-%'")
    assert made == 1


def _signed_in_opener(server: Server, username: str) -> Any:
    """A browser's cookies, signed in through the login form; redirects not followed."""
    opener = _browser()
    assert _login(opener, server, username) == 302  # to the start page
    return opener


def _post_form(opener: Any, url: str, data: dict[str, str], shown: str | None = None) -> int:
    """The form of the page at ``shown`` (default: ``url``) sent to ``url`` with its CSRF
    token; the status of the answer."""
    with opener.open(shown or url, timeout=60) as page:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode())
    assert token
    body = urllib.parse.urlencode({"csrf_token": token.group(1), **data}).encode()
    try:
        with opener.open(url, data=body, timeout=60) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as answer:
        return answer.code


def test_the_same_park_vehicle_or_bar_sent_six_times_at_once_is_saved_once(
    server: Server,
) -> None:
    """The registers check for a plate registered already, then write: sent at once, one
    is saved and the others are told (the form again, 200), never a server error."""
    opener = _signed_in_opener(server, "manager")
    with server_database(server) as conn:
        company = conn.execute(text("SELECT id FROM company ORDER BY id LIMIT 1")).scalar_one()
    van = {
        "plate": "苏E·Q9090",
        "country": "CN",
        "plate_colour": "blue",
        "kind": "van",
        "company_id": str(company),
        "registered_until": (datetime.now(UTC) + timedelta(days=300)).date().isoformat(),
    }
    url = f"{server.url}/manage/vehicles/new"
    statuses = all_at_once([lambda: _post_form(opener, url, van) for _ in range(6)])
    assert sorted(statuses) == [200, 200, 200, 200, 200, 302], statuses
    assert _scalar(server, "SELECT count(*) FROM vehicle WHERE plate = '苏E·Q9090'") == 1

    bar = {"plate": "苏E·Q9191", "kind": "car", "standing": "blacklisted", "reason": "at once"}
    url = f"{server.url}/manage/blacklist/vehicles/new"
    statuses = all_at_once([lambda: _post_form(opener, url, bar) for _ in range(6)])
    assert statuses == [302] * 6, statuses  # the later ones bar the same record again
    assert _scalar(server, "SELECT count(*) FROM vehicle WHERE plate = '苏E·Q9191'") == 1


def test_the_emergency_lane_opened_from_six_screens_at_once_is_opened_and_alerted_once(
    server: Server,
) -> None:
    """Opening a lane locks it, then writes: six guards at once all see it open, one
    opening is recorded and alerted, none answers a server error."""
    opener = _signed_in_opener(server, "guard")
    screen = f"{server.url}/kiosk/lanes/G2-EMG"
    url = f"{screen}/state"
    fire = {"state-open": "1", "state-reason": "fire in W2"}
    statuses = all_at_once([lambda: _post_form(opener, url, fire, screen) for _ in range(6)])
    assert statuses == [302] * 6, statuses
    assert _scalar(server, "SELECT count(*) FROM audit_entry WHERE action = 'lane.opened'") == 1
    alerts = "SELECT count(*) FROM alert WHERE dedup_key LIKE 'emergency-open:%'"
    assert _scalar(server, alerts) == 1
    done = {"state-open": "0", "state-reason": "fire out"}
    assert _post_form(opener, url, done, screen) == 302
    closed = "SELECT count(*) FROM lane WHERE code = 'G2-EMG' AND NOT is_open"
    assert _scalar(server, closed) == 1

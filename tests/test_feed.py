"""The feed to the authorities' platform, against a real HTTP server on loopback: the JSON
documented in docs/authority-feed.md, retries, and every record delivered exactly once."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import func, select

from gatekeeper.extensions import db
from gatekeeper.models import FeedBatch, Passage
from gatekeeper.services import feed
from tests.gate_samples import Demo


class Platform:
    """A stand-in for the provincial platform: answers ``fail`` times 503, then 200."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.fail = 0
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if platform.fail > 0:
                    platform.fail -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                platform.received.append(json.loads(body))
                platform.headers.append(dict(self.headers))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/feed"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def platform(app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    server = Platform()
    monkeypatch.setitem(app.config, "GATEKEEPER_FEED_URL", server.url)
    monkeypatch.setitem(app.config, "GATEKEEPER_FEED_PARK_CODE", "NJ-RIVERSIDE")
    monkeypatch.setitem(app.config, "GATEKEEPER_FEED_RETRY_PAUSE", 0)
    monkeypatch.setitem(app.config, "GATEKEEPER_FEED_TOKEN_ENV", "TEST_FEED_TOKEN")
    monkeypatch.setenv("TEST_FEED_TOKEN", "s3cret")
    yield server
    server.close()


def test_a_batch_carries_what_the_platform_asks_for(
    client: Any, demo: Demo, platform: Platform
) -> None:
    demo.enter_lox(client)
    demo.post_sighting(client, "CP3", event_id="f1", plate="QAKX769")  # an alarm
    assert feed.push() == 1
    (body,) = platform.received
    assert body["park"] == "NJ-RIVERSIDE" and body["batch_id"].startswith("NJ-RIVERSIDE-")
    assert platform.headers[0]["Authorization"] == "Bearer s3cret"
    g1 = next(g for g in body["gates"] if g["code"] == "G1")
    assert g1["latitude"] == pytest.approx(32.2489) and {"G1-HAZ", "G1-PED"} <= {
        lane["code"] for lane in g1["lanes"]
    }
    (tanker,) = body["hazmat_vehicles"]
    assert tanker["plate"] == "1-XTB-482" and tanker["driver"] and tanker["escort"]
    assert tanker["dg_permit_valid_until"] and tanker["hazard_classes"] == ["2"]
    (passage,) = body["vehicle_passages"]
    assert passage["type"] == "hazmat" and passage["direction"] == "in"
    assert passage["let_in_or_out"] is True
    # Seen at CP3, off its route, a second after entering: 950 m in a second is speeding.
    assert {a["type"] for a in body["alarms"]} == {"route_deviation", "speeding"}
    assert {a["status"] for a in body["alarms"]} == {"open"}
    assert body["parking_lot"]["status"] == "available"
    assert body["visitors"][0]["name"] == "Olivia Brandt"


def test_a_failed_batch_is_retried_as_the_same_batch_and_nothing_is_sent_twice(
    client: Any, demo: Demo, platform: Platform
) -> None:
    demo.enter_lox(client)
    platform.fail = feed.MAX_ATTEMPTS_PER_RUN  # the whole first run fails
    assert feed.push() == 0
    (failed,) = db.session.scalars(select(FeedBatch)).all()
    assert failed.sent_at is None and failed.attempts == 3 and failed.last_status == 503
    # Meanwhile another vehicle arrives: it goes in a new batch after the failed one.
    demo.post_event(client, "G1-IN", event_id="f-late", plate="ZZ777")
    assert feed.push() == 2
    first, second = platform.received
    assert first["batch_id"].endswith(f"-{failed.id}")
    ids = [p["id"] for body in platform.received for p in body["vehicle_passages"]]
    assert sorted(ids) == sorted(db.session.scalars(select(Passage.id))) and len(set(ids)) == len(
        ids
    )
    assert second["vehicle_passages"][0]["plate"] == "ZZ777"
    # A run with nothing new sends the snapshots only.
    assert feed.push() == 1
    assert platform.received[-1]["vehicle_passages"] == []
    assert db.session.scalar(select(func.count(FeedBatch.id))) == 3


def test_without_a_platform_address_nothing_is_sent(app: Any, demo: Demo) -> None:
    assert app.config.get("GATEKEEPER_FEED_URL") is None
    assert feed.push() == 0
    assert db.session.scalar(select(func.count(FeedBatch.id))) == 0

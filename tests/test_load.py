"""A bounded load on the product as `make run` starts it (gunicorn, 2 workers x 4 threads,
the suite's backend), over loopback: four lanes posting ANPR events (a tenth of them sent
twice, as a station retrying after a timeout), checkpoint cameras posting sightings, a badge
reader, lane cameras sending frames (read on the server), and a manager's dashboard polled
all the while. Every event is accounted for: one passage per event id, one sighting per
event id, every capture read and decided, no 5xx. Throughput and p50/p95/p99 go to
test-artifacts/load.json (figures, not assertions: timings belong to benchmarks)."""

from __future__ import annotations

import http.cookiejar
import json
import re
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import text

from gatekeeper.services.demo import DEMO_PASSWORD
from tests.conftest import SHARED_DATA
from tests.live import Server, post_capture, post_json, run_server, server_database
from tests.test_kiosk_browser import ARTIFACTS

LANES = {"G1-IN": "ST-G1", "G1-HAZ": "ST-G1", "G1-OUT": "ST-G1", "G2-IN": "ST-G2"}
EVENTS_PER_LANE = 30
SIGHTINGS = 40
RETRY_EVERY = 10  # every tenth event is sent again with the same id
CAPTURE_PHOTOS = sorted((SHARED_DATA / "plates" / "br").glob("*.jpg"))[:4]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with run_server(tmp_path_factory.mktemp("load")) as running:
        yield running


def _manager(server: Server) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{server.url}/login", timeout=60) as page:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode())
    assert token
    form = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "username": "manager", "password": DEMO_PASSWORD}
    ).encode()
    with opener.open(f"{server.url}/login", data=form, timeout=60) as answer:
        assert answer.status == 200
    return opener


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: dict[str, list[tuple[int, float]]] = {}

    def timed(self, kind: str, call: Callable[[], tuple[int, Any]]) -> tuple[int, Any]:
        started = time.perf_counter()
        status, body = call()
        with self.lock:
            self.calls.setdefault(kind, []).append((status, time.perf_counter() - started))
        return status, body

    def figures(self, seconds: float) -> dict[str, Any]:
        out: dict[str, Any] = {"seconds": round(seconds, 2)}
        for kind, calls in self.calls.items():
            ms = sorted(duration * 1000 for _, duration in calls)
            out[kind] = {
                "requests": len(calls),
                "per_s": round(len(calls) / seconds, 1),
                "p50_ms": round(statistics.median(ms), 1),
                "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1),
                "p99_ms": round(ms[int(0.99 * (len(ms) - 1))], 1),
            }
        return out


def test_every_event_of_a_bounded_load_is_accounted_for_once(server: Server) -> None:
    record = Recorder()
    stop = threading.Event()
    opener = _manager(server)

    def lane(code: str) -> list[int]:
        token = server.tokens[LANES[code]]
        statuses = []
        for n in range(EVENTS_PER_LANE):
            body = {"event_id": f"load-{code}-{n}", "plate": f"LD{n:03d}", "confidence": 0.95}
            path = f"/api/v1/lanes/{code}/events"
            sends = 2 if n % RETRY_EVERY == 0 else 1
            for _ in range(sends):
                status, _answer = record.timed(
                    "event", lambda p=path, b=body: post_json(server, p, token, b)
                )
                statuses.append(status)
        return statuses

    def cameras() -> list[int]:
        token = server.tokens["ST-ROAD"]
        statuses = []
        for n in range(SIGHTINGS):
            body = {"event_id": f"load-cp-{n}", "plate": f"LD{n:03d}", "confidence": 0.9}
            path = f"/api/v1/checkpoints/CP{1 + n % 6}/sightings"
            for _ in range(2 if n % RETRY_EVERY == 0 else 1):
                status, _answer = record.timed(
                    "sighting", lambda p=path, b=body: post_json(server, p, token, b)
                )
                statuses.append(status)
        return statuses

    def badges() -> list[int]:
        token = server.tokens["ST-G1"]
        return [
            record.timed(
                "badge",
                lambda n=n: post_json(
                    server,
                    "/api/v1/lanes/G1-PED/badges",
                    token,
                    {"event_id": f"load-badge-{n}", "badge": f"EMP-000{1 + n % 4}"},
                ),
            )[0]
            for n in range(16)
        ]

    def captures() -> list[int]:
        """Frames read on the server (the embedded mode reads them in-process); the first
        sent twice, as a station retrying."""
        statuses = []
        for n, photo in enumerate(CAPTURE_PHOTOS):
            lane = ("G1-IN", "G2-IN")[n % 2]
            for _ in range(2 if n == 0 else 1):
                status, _answer = record.timed(
                    "capture",
                    lambda n=n, lane=lane, photo=photo: post_capture(
                        server, lane, server.tokens[LANES[lane]], f"loadcap-{n}", photo.read_bytes()
                    ),
                )
                statuses.append(status)
        return statuses

    def dashboard() -> list[int]:
        statuses = []

        def read() -> tuple[int, Any]:
            try:
                with opener.open(f"{server.url}/manage/dashboard.json", timeout=60) as answer:
                    return answer.status, json.loads(answer.read())
            except urllib.error.HTTPError as error:
                return error.code, None

        while not stop.is_set():
            statuses.append(record.timed("dashboard", read)[0])
        return statuses

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        reader = pool.submit(dashboard)
        writers = [pool.submit(lane, code) for code in LANES]
        writers += [pool.submit(cameras), pool.submit(badges), pool.submit(captures)]
        statuses = [status for job in writers for status in job.result()]
        stop.set()
        reads = reader.result()
    seconds = time.perf_counter() - started
    figures = record.figures(seconds)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps(figures, indent=2))

    assert all(status in (200, 201, 202) for status in statuses), Counter(statuses)
    assert reads and set(reads) == {200}
    with server_database(server) as db:
        passages = dict(
            db.execute(
                text(
                    "SELECT l.code, count(*) FROM passage p JOIN lane l ON l.id = p.lane_id"
                    " WHERE p.idempotency_key LIKE 'load-%' GROUP BY l.code"
                )
            ).all()
        )
        distinct_keys = db.execute(
            text(
                "SELECT count(*) FROM (SELECT DISTINCT lane_id, idempotency_key FROM passage"
                " WHERE idempotency_key LIKE 'load-%') AS events"
            )
        ).scalar()
        sightings = db.execute(
            text("SELECT count(*) FROM sighting WHERE event_id LIKE 'load-cp-%'")
        ).scalar()
        read = db.execute(
            text(
                "SELECT idempotency_key, read_status, decision FROM passage"
                " WHERE idempotency_key LIKE 'loadcap-%'"
            )
        ).all()
        badge_reads = db.execute(
            text("SELECT count(*) FROM person_passage WHERE event_id LIKE 'load-badge-%'")
        ).scalar()
    assert passages == dict.fromkeys(LANES, EVENTS_PER_LANE)  # none lost, none twice
    assert distinct_keys == EVENTS_PER_LANE * len(LANES)
    assert sightings == SIGHTINGS
    assert badge_reads == 16
    assert sorted(key for key, _, _ in read) == sorted(
        f"loadcap-{n}" for n in range(len(CAPTURE_PHOTOS))
    )
    assert all(status == "done" and decision for _, status, decision in read), read

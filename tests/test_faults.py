"""Faults on real services, with the product as production runs it (gunicorn, workers):
a PostgreSQL server of the test's own stopped and started again while lanes post events,
a Redis server of its own stopped while events and captures arrive, and an OCR worker
killed in the middle of a read. Each test's name says what it proved."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Queue
from rq.job import JobStatus
from rq.registry import StartedJobRegistry
from sqlalchemy import text

from tests.backends import own_postgres
from tests.conftest import REDIS_URL, SHARED_DATA
from tests.live import (
    BIN,
    ROOT,
    Server,
    free_port,
    post_capture,
    post_json,
    run_server,
    server_database,
    until,
    verify_audit,
)
from tests.test_kiosk_browser import ARTIFACTS

PHOTO = SHARED_DATA / "plates" / "br" / "PJU2853.jpg"


class Lane:
    """A station posting ANPR events one after another until stopped."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.answers: list[tuple[str, int]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            event_id = f"pg-{n}"
            try:
                status, _ = post_json(
                    self.server,
                    "/api/v1/lanes/G1-IN/events",
                    self.server.token,
                    {"event_id": event_id, "plate": f"ZR{n:05d}", "confidence": 0.95},
                )
            except OSError:  # the connection itself failed: the station would retry
                status = 0
            self.answers.append((event_id, status))

    def count(self, status: int) -> int:
        return sum(1 for _, s in list(self.answers) if s == status)


def test_postgresql_restarted_under_load_answers_503_then_decides_again_and_leaves_nothing_half_written(  # noqa: E501
    tmp_path: Path,
) -> None:
    with (
        own_postgres(free_port()) as database,
        run_server(tmp_path / "instance", database_server=database.url) as server,
    ):
        lane = Lane(server)
        lane.thread.start()
        try:
            until(lambda: lane.count(201) >= 20, 60, "decisions before the restart")
            database.stop()
            until(lambda: lane.count(503) >= 5, 60, "503 answers while the database is down")
            database.start()
            decided_before = lane.count(201)
            until(lambda: lane.count(201) >= decided_before + 20, 60, "decisions after it")
        finally:
            lane.stop.set()
            lane.thread.join(timeout=60)
        statuses = {status for _, status in lane.answers}
        assert statuses <= {201, 503}, statuses  # refused cleanly: no 500, no dropped line
        decided = [event_id for event_id, status in lane.answers if status == 201]
        with server_database(server) as conn:
            rows = conn.execute(
                text("SELECT idempotency_key, decision, decided_at FROM passage")
            ).all()
        stored = [row.idempotency_key for row in rows]
        assert len(stored) == len(set(stored))  # one passage per event
        assert set(decided) <= set(stored)  # every decision answered was kept
        # Nothing half-written: every passage stored was decided in its transaction.
        assert all(row.decision and row.decided_at for row in rows)
        verify_audit(server)


def _read(server: Server, event_id: str) -> Callable[[], bool]:
    """Whether the capture sent as ``event_id`` has been read (for :func:`until`)."""

    def done() -> bool:
        with server_database(server) as conn:
            return bool(
                conn.execute(
                    text("SELECT read_status = 'done' FROM passage WHERE idempotency_key = :key"),
                    {"key": event_id},
                ).scalar_one()
            )

    return done


def _worker(server: Server, queues: str = "ocr") -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(BIN / "flask"), "worker", "--queues", queues],
        cwd=ROOT,
        env=server.env,
        start_new_session=True,
    )


def test_an_ocr_worker_killed_mid_read_has_its_job_run_again_by_another_within_a_minute(
    tmp_path: Path,
) -> None:
    """One passage, read once. Nothing is faked: the dead worker's job registration runs
    out (20 s, see gatekeeper.worker), a live worker's maintenance gives the job back and
    it is retried at once. RQ's own SimpleWorker would have kept it three minutes (the
    job's timeout and a minute)."""
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    with run_server(tmp_path, env_extra={"GATEKEEPER_REDIS_URL": REDIS_URL}) as server:
        started = StartedJobRegistry("ocr", connection=redis)
        first = _worker(server)
        try:
            status, body = post_capture(server, "G1-IN", server.token, "kill-1", PHOTO.read_bytes())
            assert status == 202
            job = Queue("ocr", connection=redis).fetch_job(f"read-capture-{body['id']}")
            assert job is not None

            def reading() -> bool:
                # Registered as started and marked so (RQ marks the job a moment after it
                # registers it: a worker dying in between leaves a job no one gives back).
                return started.count > 0 and job.get_status(refresh=True) == JobStatus.STARTED

            until(reading, 120, "the worker to start reading")
        finally:
            os.killpg(first.pid, signal.SIGKILL)  # the whole worker, mid-read
            first.wait(timeout=30)
        killed = time.monotonic()
        with server_database(server) as conn:
            state = conn.execute(
                text("SELECT read_status FROM passage WHERE id = :id"), {"id": body["id"]}
            ).scalar_one()
        assert state == "pending"  # killed before it stored anything
        job.refresh()
        retries = job.retries_left or 0
        second = _worker(server)
        try:
            until(_read(server, "kill-1"), 60, "another worker to read the capture again")
            recovered_s = time.monotonic() - killed
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(timeout=60)
        job.refresh()
        assert job.retries_left == retries - 1  # retried once, as a job whose worker died
        with server_database(server) as conn:
            rows = conn.execute(
                text("SELECT id, decision FROM passage WHERE idempotency_key = 'kill-1'")
            ).all()
        assert len(rows) == 1 and rows[0].decision is not None
        verify_audit(server)
    redis.flushdb()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "killed-reader.json").write_text(
        json.dumps({"capture_read_again_after_kill_s": round(recovered_s, 1)})
    )


def _health(server: Server) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


class OwnRedis:
    """A Redis server of the test's own, stopped and started on the same port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        until(self._up, 30, "Redis to start")

    def _up(self) -> bool:
        try:
            return bool(Redis(port=self.port, socket_connect_timeout=1).ping())
        except RedisConnectionError:
            return False

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=30)


def test_redis_stopped_events_are_still_decided_and_captures_are_read_once_it_returns(
    tmp_path: Path,
) -> None:
    redis = OwnRedis(free_port())
    redis.start()
    try:
        with run_server(tmp_path, env_extra={"GATEKEEPER_REDIS_URL": redis.url}) as server:
            redis.stop()
            assert _health(server) == 503  # monitoring sees it
            status, event = post_json(
                server,
                "/api/v1/lanes/G1-IN/events",
                server.token,
                {"event_id": "down-event", "plate": "ZD00001", "confidence": 0.95},
            )
            assert status == 201 and event["decision"]  # decided without the queue
            status, capture = post_capture(
                server, "G1-IN", server.token, "down-capture", PHOTO.read_bytes()
            )
            assert status == 202 and capture["status"] == "failed"  # stored, not queued
            redis.start()
            # The scheduler's requeue-captures job (every minute) finds it; a worker reads it.
            subprocess.run(
                [str(BIN / "flask"), "scheduler", "--once"],
                cwd=ROOT,
                env=server.env,
                check=True,
                capture_output=True,
            )
            worker = _worker(server, "ocr,maintenance,default")
            try:
                until(_read(server, "down-capture"), 180, "the stored capture to be read")
            finally:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=60)
            with server_database(server) as conn:
                rows = conn.execute(
                    text(
                        "SELECT idempotency_key, decision FROM passage"
                        " WHERE idempotency_key LIKE 'down-%' ORDER BY idempotency_key"
                    )
                ).all()
            assert [(r.idempotency_key, r.decision is not None) for r in rows] == [
                ("down-capture", True),
                ("down-event", True),
            ]
    finally:
        if redis.process and redis.process.poll() is None:
            redis.stop()

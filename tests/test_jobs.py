from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from rq import SimpleWorker
from rq.job import JobStatus
from sqlalchemy import select

from gatekeeper import jobs
from gatekeeper.models import Alert, Role
from gatekeeper.worker import HEARTBEAT_EVERY_S, HEARTBEAT_TTL_S, HeartbeatWorker
from tests import job_samples
from tests.conftest import REDIS_URL
from tests.factories import make_user
from tests.live import until

pytestmark = pytest.mark.embedded


def test_embedded_mode_runs_jobs_in_process(session: Any) -> None:
    layer = jobs.queues()
    assert layer.embedded
    job = jobs.enqueue(job_samples.raise_alert, "embedded-1")
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == "EMBEDDED-1"
    assert session.scalar(select(Alert).where(Alert.dedup_key == "embedded-1")) is not None


def test_jobs_take_ids_not_objects(session: Any) -> None:
    user = make_user(Role.GUARD)
    with pytest.raises(jobs.JobArgumentError):
        jobs.enqueue(job_samples.raise_alert, user)
    with pytest.raises(jobs.JobArgumentError):
        jobs.enqueue(job_samples.raise_alert, b"frame bytes")


def test_only_declared_jobs_can_be_enqueued() -> None:
    def not_a_job() -> None: ...

    with pytest.raises(jobs.JobArgumentError):
        jobs.enqueue(not_a_job)


def test_unknown_queue_is_refused_at_declaration() -> None:
    with pytest.raises(ValueError, match="unknown queue"):
        jobs.job("nowhere")


@contextmanager
def redis_queues() -> Iterator[jobs.JobQueues]:
    """Queues on the real Redis test database, emptied before and after."""
    layer = jobs.JobQueues(REDIS_URL, default_timeout=60, default_retries=0)
    assert layer.ping(), f"Redis is needed at {REDIS_URL}"
    layer.connection.flushdb()
    try:
        yield layer
    finally:
        layer.connection.flushdb()


@pytest.fixture
def redis_layer() -> Iterator[jobs.JobQueues]:
    with redis_queues() as layer:
        yield layer


def _burst(layer: jobs.JobQueues, *names: str) -> None:
    worker = SimpleWorker([layer.queue(n) for n in names], connection=layer.connection)
    worker.work(burst=True)


def test_redis_jobs_wait_for_a_worker_then_run(redis_layer: jobs.JobQueues, session: Any) -> None:
    job = redis_layer.enqueue(job_samples.raise_alert, "via-redis")
    assert job.get_status() == JobStatus.QUEUED
    assert session.scalar(select(Alert).where(Alert.dedup_key == "via-redis")) is None
    _burst(redis_layer, "default")
    assert job.get_status(refresh=True) == JobStatus.FINISHED
    assert job.return_value() == "VIA-REDIS"
    assert session.scalar(select(Alert).where(Alert.dedup_key == "via-redis")) is not None


def test_same_job_id_is_not_queued_twice(redis_layer: jobs.JobQueues) -> None:
    first = redis_layer.enqueue(job_samples.raise_alert, "dup", job_id="capture-42")
    second = redis_layer.enqueue(job_samples.raise_alert, "dup", job_id="capture-42")
    assert first.id == second.id == "capture-42"
    assert redis_layer.queue("default").count == 1


def test_a_failing_job_is_retried_at_once_then_marked_failed(redis_layer: jobs.JobQueues) -> None:
    job = redis_layer.enqueue(job_samples.always_fails)
    assert job.retry_intervals == [0]  # the first retry is not scheduled: it is queued
    _burst(redis_layer, "default")  # runs it, then its retry
    job.refresh()
    assert job.get_status() == JobStatus.FAILED
    assert job.retries_left == 0
    assert "the camera feed is gone" in (job.latest_result().exc_string or "")


def test_later_retries_wait_longer(redis_layer: jobs.JobQueues) -> None:
    layer = jobs.JobQueues(REDIS_URL, default_timeout=60, default_retries=3)
    job = layer.enqueue(job_samples.raise_alert, "retried")
    assert job.retry_intervals == [0, 30, 60]


def test_a_running_job_is_registered_briefly_and_renewed_while_its_worker_lives(
    redis_layer: jobs.JobQueues,
) -> None:
    """A reader killed mid-job is found out within HEARTBEAT_TTL_S (and the next
    maintenance), not after the job's timeout and a minute as with RQ's SimpleWorker."""
    connection = redis_layer.connection
    registry = redis_layer.queue("default").started_job_registry
    job = redis_layer.enqueue(job_samples.wait_for_release, "hb")
    seen: dict[str, float] = {}

    def expiry() -> float:
        scores = connection.zrange(registry.key, 0, -1, withscores=True)
        return max((score for _key, score in scores), default=0.0)

    def watch() -> None:
        try:
            assert connection.blpop(["started:hb"], timeout=60), "the job never started"
            seen["first_ttl"] = expiry() - time.time()
            first = expiry()
            until(lambda: expiry() > first, HEARTBEAT_EVERY_S * 3, "a renewed registration")
            seen["renewed"] = 1
        finally:
            connection.rpush("release:hb", 1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    # The worker runs in the main thread, as it does in `flask worker` (signals, timeouts).
    HeartbeatWorker([redis_layer.queue("default")], connection=connection).work(burst=True)
    watcher.join(timeout=60)
    assert 0 < seen["first_ttl"] <= HEARTBEAT_TTL_S + 1
    assert seen.get("renewed") == 1
    assert job.get_status(refresh=True) == JobStatus.FINISHED
    assert job.return_value() == "released"
    assert registry.count == 0


def test_healthz_reports_redis_and_the_queues(
    redis_layer: jobs.JobQueues, app: Any, monkeypatch: Any
) -> None:
    monkeypatch.setitem(app.extensions, "gatekeeper.jobs", redis_layer)
    redis_layer.enqueue(job_samples.raise_alert, "waiting")
    body = app.test_client().get("/healthz").json
    assert (body["status"], body["database"], body["redis"]) == ("ok", "ok", "ok")
    # Monitoring reads the queue depth, failed jobs and live workers here.
    assert body["jobs"]["queues"]["default"] == {"queued": 1, "started": 0, "failed": 0}
    assert set(body["jobs"]["queues"]) == set(jobs.QUEUES) and body["jobs"]["workers"] == 0


def test_healthz_degrades_when_redis_is_down(app: Any, monkeypatch: Any) -> None:
    unreachable = jobs.JobQueues("redis://127.0.0.1:1/0", default_timeout=60, default_retries=0)
    monkeypatch.setitem(app.extensions, "gatekeeper.jobs", unreachable)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "degraded"
    assert response.json["redis"].startswith("error")


def test_healthz_in_embedded_mode(client: Any) -> None:
    body = client.get("/healthz").json
    assert body["status"] == "ok"
    assert body["redis"] == "not configured (embedded jobs)"


def test_flask_worker_command_runs_queued_jobs(
    redis_layer: jobs.JobQueues, app: Any, monkeypatch: Any, session: Any
) -> None:
    monkeypatch.setitem(app.extensions, "gatekeeper.jobs", redis_layer)
    job = redis_layer.enqueue(job_samples.raise_alert, "from-the-worker")
    result = app.test_cli_runner().invoke(args=["worker", "--burst", "--queues", "default"])
    assert result.exit_code == 0, result.output
    assert job.get_status(refresh=True) == JobStatus.FINISHED
    assert session.scalar(select(Alert).where(Alert.dedup_key == "from-the-worker")) is not None
    unknown = app.test_cli_runner().invoke(args=["worker", "--burst", "--queues", "nope"])
    assert "unknown queue" in unknown.output


def test_signing_in_still_works_while_redis_is_down(tmp_path: Any) -> None:
    """The login rate limits live in Redis; when it is down they fall back to memory
    instead of failing every sign-in (a guard must still reach the kiosk). Run in its own
    process: the limiter is one object per process, and this one must keep the suite's."""
    import os
    import subprocess
    import sys

    script = """
import re, sys
from pathlib import Path
from tests.conftest import make_app
from flask_migrate import upgrade
other = make_app(Path(sys.argv[1]), redis_url="redis://127.0.0.1:1/0")  # its own SQLite file
with other.app_context():
    upgrade()
client = other.test_client()
page = client.get("/login").get_data(as_text=True)
token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
answer = client.post("/login", data={"csrf_token": token, "username": "nobody", "password": "x"})
assert answer.status_code == 200, answer.status_code  # the form again: not a 500
assert "Wrong username or password." in answer.get_data(as_text=True)
assert other.test_client().get("/healthz").status_code == 503  # monitoring says so
print("ok")
"""
    env = {k: v for k, v in os.environ.items() if k != "GK_TEST_DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]

"""The small job layer over RQ.

Jobs are plain functions decorated with :func:`job`; they take ids and plain values,
never ORM objects or images. With ``GATEKEEPER_REDIS_URL`` set, :func:`enqueue` puts them on
named RQ queues for ``flask worker`` (or ``rq worker``) processes on any machine. Without it,
the same RQ queues run in synchronous mode over an in-process fakeredis, so the embedded
mode needs no server and behaves the same way (ids, statuses, results).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import fakeredis
from flask import Flask, current_app, has_app_context
from redis import Redis
from rq import Queue, Retry, get_current_job
from rq.job import Job, JobStatus

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

QUEUES = ("default", "ocr", "maintenance")
_EXT = "gatekeeper.jobs"
_ACTIVE_STATUSES = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
_PLAIN = (int, float, str, bool, type(None))


@dataclass(frozen=True)
class JobSpec:
    queue: str
    timeout: int | None
    retries: int | None


class JobArgumentError(TypeError):
    """A job was given something other than ids and plain values."""


def job(
    queue: str = "default", *, timeout: int | None = None, retries: int | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare a background job. The function runs inside an app context wherever it runs:
    in a request (embedded mode), in ``flask worker``, or in a bare ``rq worker`` started
    with ``-w gatekeeper.worker.AppWorker`` (which makes the app)."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; declare it in QUEUES")

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            if not has_app_context():
                raise RuntimeError(
                    f"job {func.__name__} needs the app: run workers with 'flask worker' "
                    "or 'rq worker -w gatekeeper.worker.AppWorker'"
                )
            return _run_logged(func, *args, **kwargs)

        run.job_spec = JobSpec(queue, timeout, retries)  # type: ignore[attr-defined]
        return run

    return decorate


def _run_logged(func: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    from gatekeeper.extensions import db

    current = get_current_job()
    job_id = current.id if current else "-"
    log.info("job %s %s.%s started", job_id, func.__module__, func.__name__)
    try:
        result = func(*args, **kwargs)
    except Exception:
        db.session.rollback()
        log.exception("job %s %s failed", job_id, func.__name__)
        raise
    log.info("job %s %s finished", job_id, func.__name__)
    return result


# The first retry runs at once: a job given back because its worker died (a reader killed
# mid-read, see gatekeeper.worker) has a vehicle waiting at the gate; a job that raised
# tries once more, then after 30 s and a minute (a database restarting).
RETRY_AFTER_S = (0, 30, 60)
# Why a job that never ran to its end is gone (see JobQueues.lost).
MISSING = "missing"
NEVER_STARTED = "never started"


class JobQueues:
    """The app's queues: real Redis, or synchronous queues over an in-process fakeredis."""

    def __init__(self, redis_url: str | None, default_timeout: int, default_retries: int) -> None:
        self.embedded = redis_url is None
        if redis_url is None:
            self.connection: Redis = fakeredis.FakeRedis(server=fakeredis.FakeServer())
        else:
            self.connection = Redis.from_url(redis_url)
        self.default_timeout = default_timeout
        self.default_retries = default_retries

    def queue(self, name: str) -> Queue:
        return Queue(name, connection=self.connection, is_async=not self.embedded)

    def stats(self) -> dict[str, Any]:
        """For monitoring: jobs waiting, running and failed per queue, and live workers."""
        from rq import Worker

        queues = {}
        for name in QUEUES:
            queue = self.queue(name)
            queues[name] = {
                "queued": queue.count,
                "started": queue.started_job_registry.count,
                "failed": queue.failed_job_registry.count,
            }
        return {"queues": queues, "workers": Worker.count(connection=self.connection)}

    def enqueue(
        self, func: Callable[..., Any], *args: Any, job_id: str | None = None, **kwargs: Any
    ) -> Job:
        spec: JobSpec | None = getattr(func, "job_spec", None)
        if spec is None:
            raise JobArgumentError(f"{func.__name__} is not declared with @job")
        for value in (*args, *kwargs.values()):
            if not isinstance(value, _PLAIN):
                raise JobArgumentError(
                    f"jobs take ids and plain values, not {type(value).__name__}"
                )
        if job_id is not None:
            existing = self.fetch(job_id)
            if existing is not None and existing.get_status(refresh=True) in _ACTIVE_STATUSES:
                return existing  # the same work is already queued or running
        retries = self.default_retries if spec.retries is None else spec.retries
        return self.queue(spec.queue).enqueue(
            func,
            *args,
            job_id=job_id,
            job_timeout=spec.timeout or self.default_timeout,
            retry=Retry(max=retries, interval=list(RETRY_AFTER_S[:retries])) if retries else None,
            failure_ttl=7 * 24 * 3600,
            **kwargs,
        )

    def lost(self, job: Job | None) -> str | None:
        """Why a job (as fetched) that Redis should hold as waiting or running no longer
        is (None: it is): MISSING (Redis restarted without its data), NEVER_STARTED (taken
        from its queue by a worker that died before starting it: RQ gives back only jobs it
        marked started), or the status it ended in (failed, finished, stopped, canceled)."""
        if job is None:
            return MISSING
        status = job.get_status(refresh=False)
        if status is JobStatus.QUEUED:
            return None if job.id in self.queue(job.origin).get_job_ids() else NEVER_STARTED
        if status in _ACTIVE_STATUSES:
            return None
        return str(status.value) if status is not None else "unknown"

    def fetch(self, job_id: str) -> Job | None:
        try:
            return Job.fetch(job_id, connection=self.connection)
        except Exception:  # rq raises NoSuchJobError, or a decode error for foreign keys
            return None

    def ping(self) -> bool:
        try:
            return bool(self.connection.ping())
        except Exception:
            return False


def init_app(app: Flask) -> None:
    settings = app.config["GATEKEEPER"]
    app.extensions[_EXT] = JobQueues(
        settings.redis_url, settings.job_timeout_seconds, settings.job_retries
    )


def queues() -> JobQueues:
    result: JobQueues = current_app.extensions[_EXT]
    return result


def enqueue(func: Callable[..., Any], *args: Any, job_id: str | None = None, **kwargs: Any) -> Job:
    return queues().enqueue(func, *args, job_id=job_id, **kwargs)

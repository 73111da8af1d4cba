"""Gatekeeper's RQ workers.

``flask worker`` runs a :class:`HeartbeatWorker` in the app it is started in. A bare
``rq worker`` can run :class:`AppWorker`, which makes the app from the environment::

    rq worker -w gatekeeper.worker.AppWorker --worker-ttl 25 --maintenance-interval 10 \
        --url $GATEKEEPER_REDIS_URL default ocr maintenance

Both are SimpleWorkers (jobs run in the worker process, so a model loaded once stays
loaded) whose running job shows every few seconds that its worker is alive.
"""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any

from flask import Flask
from rq import SimpleWorker
from rq.worker.base import WorkerStatus

from gatekeeper.app import create_app

logger = logging.getLogger(__name__)

# A running job's registration lasts HEARTBEAT_TTL_S and is renewed every
# HEARTBEAT_EVERY_S while its worker lives. RQ's SimpleWorker registers a job once for its
# whole timeout and a minute (three minutes for a reading): a reader killed mid-job kept
# its vehicle waiting that long before another worker's maintenance gave the job back.
HEARTBEAT_EVERY_S = 5
HEARTBEAT_TTL_S = 20
# A live worker's maintenance gives back the jobs of dead ones (and takes over a dead
# worker's scheduler). An idle RQ worker waits for a job for its worker_ttl less 15 s
# (405 s by default) before its loop turns to maintenance: the wait is shortened to match.
MAINTENANCE_EVERY_S = 10
WORKER_TTL_S = MAINTENANCE_EVERY_S + 15


class HeartbeatWorker(SimpleWorker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("maintenance_interval", MAINTENANCE_EVERY_S)
        kwargs.setdefault("worker_ttl", WORKER_TTL_S)
        super().__init__(*args, **kwargs)

    def get_heartbeat_ttl(self, job: Any, working_time: float = 0.0) -> int:
        return HEARTBEAT_TTL_S

    def execute_job(self, job: Any, queue: Any) -> None:
        execution = self.prepare_execution(job)
        done = threading.Event()
        beating = threading.Thread(
            target=self._beat, args=(job, execution, done), name="job-heartbeat", daemon=True
        )
        beating.start()
        try:
            self.perform_job(job, queue, execution)
        finally:
            done.set()
            beating.join()
        self.set_state(WorkerStatus.IDLE)

    def _beat(self, job: Any, execution: Any, done: threading.Event) -> None:
        while not done.wait(HEARTBEAT_EVERY_S):
            try:
                self.maintain_heartbeats(job, execution)
            except Exception:  # Redis away for a moment: the next beat tries again
                logger.warning("job %s: heartbeat failed", job.id, exc_info=True)


@functools.cache
def worker_app() -> Flask:
    return create_app()


class AppWorker(HeartbeatWorker):
    def perform_job(self, job: Any, queue: Any, execution: Any = None) -> bool:
        with worker_app().app_context():
            return bool(super().perform_job(job, queue, execution))

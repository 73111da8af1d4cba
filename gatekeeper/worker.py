"""A bare ``rq worker`` for Gatekeeper's queues::

    rq worker -w gatekeeper.worker.AppWorker --url $GATEKEEPER_REDIS_URL default ocr maintenance

It is a SimpleWorker (jobs run in the worker process, so a model loaded once stays loaded)
that runs every job inside one app made from the environment, on first use. ``flask
worker`` does the same from the app it is started in.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import Flask
from rq import SimpleWorker

from gatekeeper.app import create_app


@functools.cache
def worker_app() -> Flask:
    return create_app()


class AppWorker(SimpleWorker):
    def perform_job(self, job: Any, queue: Any) -> bool:
        with worker_app().app_context():
            return bool(super().perform_job(job, queue))

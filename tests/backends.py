"""The servers a test run uses, each run its own part of them, so that two runs on one
machine (a developer's and CI's) never disturb each other: a PostgreSQL database created
for the run and dropped after it, and a Redis database number no other run holds."""

from __future__ import annotations

import fcntl
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

import psycopg

# Database 0 is left to whatever else uses the server; a run takes one of these.
REDIS_DATABASES = range(1, 16)
_held: list[IO[str]] = []  # the lock files of the Redis databases this process holds


@contextmanager
def private_postgres_database(base_url: str, prefix: str) -> Iterator[str]:
    """A new, empty database on ``base_url``'s server, dropped (even while connections
    remain) when the block ends."""
    parts = urlsplit(base_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def private_redis_url(server_url: str) -> str:
    """``server_url`` with a database number that no other running test process on this
    machine holds (a lock file per number; the operating system releases it when the
    process ends, however it ends). Held for the rest of the process."""
    parts = urlsplit(server_url)
    host = f"{parts.hostname}-{parts.port or 6379}".replace("/", "_")
    for number in REDIS_DATABASES:
        path = Path(tempfile.gettempdir()) / f"gatekeeper-test-redis-{host}-{number}.lock"
        handle = path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        _held.append(handle)
        return urlunsplit(parts._replace(path=f"/{number}"))
    raise RuntimeError(f"every Redis database {REDIS_DATABASES} is held by another test run")


def redis_server_url() -> str:
    return os.environ.get("GK_TEST_REDIS_URL", "redis://127.0.0.1:6379")

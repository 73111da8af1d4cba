"""The servers a test run uses, each run its own part of them, so that two runs on one
machine (a developer's and CI's) never disturb each other: a PostgreSQL database created
for the run and dropped after it, and a Redis database number no other run holds."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

import psycopg

# Databases 0-3 are left to what else runs on this machine (0: any other user, 1: `make
# run-prod`, 2 and 3: the gate and capture benchmarks); a test run takes one of these.
REDIS_DATABASES = range(4, 16)
_held: list[IO[str]] = []  # the lock files of the Redis databases this process holds


@contextmanager
def private_postgres_database(
    base_url: str, prefix: str, template: str | None = None
) -> Iterator[str]:
    """A new database on ``base_url``'s server, empty or a copy of the database
    ``template``, dropped (even while connections remain) when the block ends."""
    parts = urlsplit(base_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
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


PG_BIN = Path("/usr/lib/postgresql/15/bin")


class OwnPostgres:
    """A PostgreSQL server of a test's own (its own data folder and port), for tests that
    stop and start it: the machine's server is shared with other test runs."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def _as_postgres(self, *command: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"), "-w", "-o", options,
            "-l", str(self.folder / "server.log"), "start",
        )  # fmt: skip

    def stop(self) -> None:
        """A fast shutdown, as a restart does: every connection is cut."""
        self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"), "-w", "-m", "fast", "stop"
        )


@contextmanager
def own_postgres(port: int) -> Iterator[OwnPostgres]:
    """A new server on ``port``, its data in a folder of its own (the ``postgres`` user
    must reach it: pytest's own temporary folders are private to this user)."""
    folder = Path(tempfile.mkdtemp(prefix="gatekeeper-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    server = OwnPostgres(folder, port)
    server._as_postgres(
        str(PG_BIN / "initdb"), "-D", str(folder / "data"), "-U", "postgres",
        "--auth=trust", "--no-sync",
    )  # fmt: skip
    server.start()
    try:
        yield server
    finally:
        with suppress(subprocess.CalledProcessError):
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)

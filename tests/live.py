"""The product as `make run` starts it, for tests that need real processes: gunicorn with
several workers and threads over its own database (a fresh SQLite file, or a PostgreSQL
database of its own beside the test database when the suite runs on PostgreSQL), the
demo park seeded by `flask demo`."""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, create_engine

from camera_adapters.client import encode_multipart, urllib_transport
from tests.backends import private_postgres_database

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass
class Server:
    url: str
    database_url: str
    token: str  # station ST-G1 (lanes G1-IN, G1-HAZ, G1-OUT, G1-PED)
    env: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)  # every station's, by code


def until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Wait for something the test can observe (polling a server, not a sleep standing in
    for synchronisation); fail with ``what`` if it does not happen in time."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)  # polling a server that is starting, not synchronising a test
    raise RuntimeError("server did not become healthy")


def _server_env(
    database_url: str, instance: Path, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment of the product's commands over ``database_url``."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("GATEKEEPER_")},
        "GATEKEEPER_DATABASE_URL": database_url,
        "GATEKEEPER_INSTANCE_PATH": str(instance),
        "FLASK_APP": "wsgi.py",
        **(extra or {}),
    }


def _upgrade(database_url: str, instance: Path) -> None:
    """``flask db upgrade``: the schema as a deployment makes it."""
    subprocess.run(
        [str(BIN / "flask"), "db", "upgrade"],
        cwd=ROOT,
        env=_server_env(database_url, instance),
        check=True,
        capture_output=True,
    )


class _Migrated:
    """One database of the suite's backend migrated by ``flask db upgrade`` once per test
    process (9 s here); each server's database is a copy of it (PostgreSQL's CREATE
    DATABASE ... TEMPLATE, or the SQLite file copied). Removed when the process ends."""

    def __init__(self) -> None:
        self._sqlite: Path | None = None
        self._postgres: str | None = None  # the database's name
        self._cleanup = ExitStack()
        atexit.register(self._cleanup.close)

    def _folder(self) -> Path:
        return Path(self._cleanup.enter_context(tempfile.TemporaryDirectory()))

    def sqlite_file(self) -> Path:
        if self._sqlite is None:
            folder = self._folder()
            _upgrade(f"sqlite:///{folder / 'migrated.db'}", folder)
            self._sqlite = folder / "migrated.db"
        return self._sqlite

    def postgres_database(self, base: str) -> str:
        if self._postgres is None:
            url = self._cleanup.enter_context(private_postgres_database(base, "gk_migrated"))
            _upgrade(url, self._folder())
            self._postgres = urlsplit(url).path.lstrip("/")
        return self._postgres


_migrated = _Migrated()


@contextmanager
def _database(instance: Path, server: str | None = None) -> Iterator[tuple[str, bool]]:
    """A database of the suite's backend (or on ``server``) that only this server uses,
    and whether it is migrated already (the suite's backend: a copy of a migrated one)."""
    if server is not None:
        with private_postgres_database(server, "gk_live") as url:
            yield url, False
        return
    base = os.environ.get("GK_TEST_DATABASE_URL")
    if not base:
        shutil.copyfile(_migrated.sqlite_file(), instance / "gatekeeper.db")
        yield f"sqlite:///{instance / 'gatekeeper.db'}", True
        return
    with private_postgres_database(
        base, "gk_live", template=_migrated.postgres_database(base)
    ) as url:
        yield url, True


@contextmanager
def run_server(
    instance: Path,
    workers: int = 2,
    threads: int = 4,
    *,
    database_server: str | None = None,
    env_extra: dict[str, str] | None = None,
) -> Iterator[Server]:
    """``database_server``: a PostgreSQL server of the test's own (default: the suite's
    backend); ``env_extra``: more settings (``GATEKEEPER_REDIS_URL``, ...)."""
    with _database(instance, database_server) as (database_url, migrated):
        env = _server_env(database_url, instance, env_extra)
        flask = [str(BIN / "flask")]
        if not migrated:
            _upgrade(database_url, instance)
        seeded = subprocess.run(
            [*flask, "demo"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )
        token = re.search(r"station ST-G1 token \(shown once\): (\S+)", seeded.stdout)
        assert token, seeded.stdout
        port = free_port()
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--timeout",
                "120",
                "--bind",
                f"127.0.0.1:{port}",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, process)
            tokens = dict(re.findall(r"station (\S+) token \(shown once\): (\S+)", seeded.stdout))
            yield Server(url, database_url, token.group(1), env, tokens)
        finally:
            process.terminate()
            process.wait(timeout=30)


def all_at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call on its own thread, all released by one barrier (real concurrency)."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        start.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def post_json(server: Server, path: str, token: str, body: dict[str, Any]) -> tuple[int, Any]:
    """POST a JSON body with a bearer token; the status and the JSON answer (or the start
    of the body when the answer is an error page)."""
    request = urllib.request.Request(
        f"{server.url}{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {"body": error.read().decode(errors="replace")[:300]}


def post_capture(
    server: Server, lane: str, token: str, event_id: str, image: bytes
) -> tuple[int, Any]:
    """POST one frame with the gate station's own client code (multipart ``event_id`` and
    ``image``): the status and the JSON answer."""
    body, content_type = encode_multipart({"event_id": event_id}, [("image", "frame.jpg", image)])
    return urllib_transport(
        f"{server.url}/api/v1/lanes/{lane}/captures",
        body,
        {"Authorization": f"Bearer {token}", "Content-Type": content_type},
    )


@contextmanager
def server_database(server: Server) -> Iterator[Connection]:
    """A connection to the server's database, to check what it stored."""
    url = server.database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def verify_audit(server: Server) -> None:
    """``flask audit verify`` on the server's database must find the chain whole."""
    verified = subprocess.run(
        [str(BIN / "flask"), "audit", "verify"],
        cwd=ROOT,
        env=server.env,
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


CHROMIUM = "/usr/bin/chromium"


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's chromium, headless, driven by Playwright (its own download needs a network)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield launched
        finally:
            launched.close()

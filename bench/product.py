"""The product as production runs it, for the benchmarks: a fresh PostgreSQL database with
the demo park, gunicorn, and optionally Redis with ``flask worker`` processes."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fresh_database(admin: str, name: str) -> str:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))


@dataclass
class Product:
    url: str
    database_url: str
    tokens: dict[str, str]  # station code -> bearer token
    env: dict[str, str]


@contextmanager
def running(
    admin: str,
    name: str,
    *,
    redis_url: str,
    web_workers: int = 4,
    threads: int = 4,
    ocr_workers: int = 0,
) -> Iterator[Product]:
    """Migrate and seed a fresh database ``name``, then serve it with gunicorn (and
    ``ocr_workers`` ``flask worker`` processes on the ``ocr`` queue)."""
    database_url = fresh_database(admin, name)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GATEKEEPER_")},
        "GATEKEEPER_DATABASE_URL": database_url,
        "GATEKEEPER_REDIS_URL": redis_url,
        "GATEKEEPER_LOG_LEVEL": "WARNING",
        "GATEKEEPER_INSTANCE_PATH": str(ROOT / "instance" / name),
        "FLASK_APP": "wsgi.py",
    }
    flask = str(BIN / "flask")
    subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    seeded = subprocess.run(
        [flask, "demo"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    tokens = dict(re.findall(r"station (\S+) token \(shown once\): (\S+)", seeded.stdout))
    port = free_port()
    processes = [
        subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers",
                str(web_workers),
                "--threads",
                str(threads),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
        )
    ]
    processes += [
        subprocess.Popen([flask, "worker", "--queues", "ocr"], cwd=ROOT, env=env)
        for _ in range(ocr_workers)
    ]
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)  # waiting for the server to start
        yield Product(base, database_url, tokens, env)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)

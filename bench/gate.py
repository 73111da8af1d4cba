"""``make bench-gate``: ANPR event decisions on PostgreSQL through the product as
production runs it (gunicorn, 4 workers x 4 threads), measured over loopback:

- unloaded: events one after another (an unknown plate; the booked demo tanker);
- offered load: events at a fixed rate (default 100 a second) for a while, open loop;
- saturation: as many events as 32 clients can get answered for a while;
- PostgreSQL's own insert rate here (pgbench, 4 clients) in the same run, and the ratio.

Usage: python bench/gate.py [--admin-url postgresql://127.0.0.1/postgres] [--rate 100]
                            [--seconds 60] [--out bench-results/gate.json]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import product
import psycopg

DB_NAME = "gk_bench_gate"


class Target:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.counter = 0
        self.lock = threading.Lock()

    def event(self, plate: str, hazard: dict[str, Any] | None = None) -> tuple[int, float]:
        with self.lock:
            self.counter += 1
            n = self.counter
        body: dict[str, Any] = {"event_id": f"b-{n}", "plate": plate, "confidence": 0.97}
        lane = "G1-IN"
        if hazard:
            body["hazard"], lane = hazard, "G1-HAZ"
        request = urllib.request.Request(
            f"{self.url}/api/v1/lanes/{lane}/events",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                status = answer.status
                answer.read()
        except urllib.error.HTTPError as error:
            status = error.code
        return status, (time.perf_counter() - started) * 1000


def _stats(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
    }


def unloaded(target: Target, count: int) -> dict[str, Any]:
    unknown = [target.event(f"ZB{n:05d}")[1] for n in range(count)]
    hazard = {"hin": "225", "un": "1073", "confidence": 0.95}
    booked = [target.event("QAKX769", hazard)[1] for _ in range(count)]
    return {"unknown_plate": _stats(unknown), "booked_tanker": _stats(booked)}


def offered(target: Target, rate: float, seconds: float) -> dict[str, Any]:
    """Open loop: an event every 1/rate s whatever the answers (latency includes waiting)."""
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    started = time.perf_counter()

    def send(n: int) -> None:
        outcome = target.event(f"ZL{n:06d}")
        with lock:
            results.append(outcome)

    total = int(rate * seconds)
    with ThreadPoolExecutor(max_workers=256) as pool:
        for n in range(total):
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)  # pacing the load generator, not synchronising a test
            pool.submit(send, n)
    elapsed = time.perf_counter() - started
    ok = [ms for status, ms in results if status in (200, 201)]
    return {
        "offered_per_s": rate,
        "seconds": seconds,
        "sent": total,
        "answered_ok": len(ok),
        "errors": total - len(ok),
        "completed_per_s": round(len(ok) / elapsed, 1),
        **_stats(ok or [0.0]),
    }


def saturation(target: Target, clients: int, seconds: float) -> dict[str, Any]:
    stop = time.perf_counter() + seconds
    counts = [0] * clients

    def run(i: int) -> None:
        n = 0
        while time.perf_counter() < stop:
            status, _ = target.event(f"ZS{i:02d}{n:05d}")
            if status in (200, 201):
                counts[i] += 1
            n += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(run, range(clients)))
    return {
        "clients": clients,
        "decisions_per_s": round(sum(counts) / (time.perf_counter() - started), 1),
    }


def pgbench_insert_rate(admin: str) -> float:
    """Rows a second PostgreSQL inserts here with 4 clients (one-row transactions)."""
    url = urlunsplit(urlsplit(admin)._replace(path=f"/{DB_NAME}_pg"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}_pg" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}_pg"')
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id bigserial PRIMARY KEY, at timestamptz, body text)")
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write("INSERT INTO t (at, body) VALUES (now(), 'x');\n")
    parts = urlsplit(url)
    out = subprocess.run(
        [
            "pgbench",
            "-n",
            "-c",
            "4",
            "-j",
            "2",
            "-T",
            "10",
            "-f",
            script.name,
            "-h",
            parts.hostname or "127.0.0.1",
            "-p",
            str(parts.port or 5432),
            "-U",
            parts.username or "postgres",
            DB_NAME + "_pg",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"tps = ([0-9.]+)", out.stdout)
    return float(found.group(1)) if found else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--out", default="bench-results/gate.json")
    args = parser.parse_args()
    with product.running(args.admin_url, DB_NAME, redis_url="redis://127.0.0.1:6379/2") as app:
        target = Target(app.url, app.tokens["ST-G1"])
        hazard = {"hin": "225", "un": "1073", "confidence": 0.95}
        for n in range(20):  # warm every worker, on both paths measured
            target.event(f"ZW{n:03d}")
            target.event("QAKX769", hazard)
        results: dict[str, Any] = {"server": "gunicorn 4 workers x 4 threads, PostgreSQL"}
        results["unloaded"] = unloaded(target, 200)
        print(json.dumps(results["unloaded"]), flush=True)
        results["offered"] = offered(target, args.rate, args.seconds)
        print(json.dumps(results["offered"]), flush=True)
        results["saturation"] = saturation(target, 32, 20)
        print(json.dumps(results["saturation"]), flush=True)
    inserts = pgbench_insert_rate(args.admin_url)
    results["pgbench_inserts_per_s"] = inserts
    results["saturation_to_pgbench"] = (
        round(results["saturation"]["decisions_per_s"] / inserts, 3) if inserts else None
    )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

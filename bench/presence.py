"""``make bench-presence``: the occupancy, inventory and roll-call queries on PostgreSQL
with 1 M and then 10 M passages and 2 M sightings of history (bulk-loaded with COPY, not
the ORM), side by side. What is inside (presence, goods) is kept incrementally, so these
queries must cost the same whatever the history: the JSON says whether they do.

Usage: python bench/presence.py [--admin-url postgresql://127.0.0.1/postgres]
                                [--out bench-results/presence.json] [--sizes 1000000,10000000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "gk_bench_presence"
CHUNK = 200_000
RUNS = 30
INSIDE_VEHICLES = 400
INSIDE_PEOPLE = 1500
PER_DAY = 1_000_000 / 365  # a busy park: a million passages a year


def _urls(admin: str) -> tuple[str, str]:
    parts = urlsplit(admin)
    return admin, urlunsplit(parts._replace(path=f"/{DB_NAME}"))


def _fresh_database(admin: str, url: str) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GATEKEEPER_")},
        "GATEKEEPER_DATABASE_URL": url,
        "FLASK_APP": "wsgi.py",
    }
    flask = str(Path(sys.executable).parent / "flask")
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run([flask, *command], cwd=ROOT, env=env, check=True, capture_output=True)


def _ids(conn: psycopg.Connection[Any], table: str) -> list[int]:
    return [row[0] for row in conn.execute(f"SELECT id FROM {table} ORDER BY id")]


def _copy(conn: psycopg.Connection[Any], table: str, columns: str, rows: Any) -> None:
    with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load_passages(
    conn: psycopg.Connection[Any], count: int, older_than_days: float, rng: random.Random
) -> None:
    """History: ``count`` decided passages at a busy park's rate (1 M a year), older than
    what is loaded already: more history is more years, not a busier day (COPY in chunks)."""
    lanes = _ids(conn, "lane")
    vehicles = _ids(conn, "vehicle")
    now = datetime.now(UTC)
    columns = (
        "lane_id, direction, occurred_at, idempotency_key, plate_read, plate_confidence,"
        " read_status, vehicle_id, decision, reasons, decided_at, checks, system_decision,"
        " plate_confirmed"
    )
    size_days = count / PER_DAY
    start = conn.execute("SELECT coalesce(max(id), 0) FROM passage").fetchone()[0]  # type: ignore[index]
    done = 0
    while done < count:
        n = min(CHUNK, count - done)

        def rows(offset: int = done, size: int = n) -> Any:
            for i in range(size):
                age_days = 1 + older_than_days + rng.random() * size_days
                at = now - timedelta(days=age_days)
                yield (
                    rng.choice(lanes),
                    "in" if i % 2 else "out",
                    at,
                    f"bench-{start + offset + i}",
                    f"B{rng.randint(10000, 99999)}",
                    0.95,
                    "not_needed",
                    rng.choice(vehicles),
                    "allow" if i % 10 else "deny",
                    "[]",
                    at,
                    "[]",
                    "allow",
                    False,
                )

        _copy(conn, "passage", columns, rows())
        conn.commit()
        done += n


def load_sightings(conn: psycopg.Connection[Any], count: int, rng: random.Random) -> None:
    checkpoints = _ids(conn, "checkpoint")
    vehicles = _ids(conn, "vehicle")
    now = datetime.now(UTC)
    done = 0
    while done < count:
        n = min(CHUNK, count - done)
        rows = (
            (
                rng.choice(checkpoints),
                now - timedelta(seconds=rng.randint(86_400, 365 * 86_400)),
                f"B{rng.randint(10000, 99999)}",
                0.9,
                rng.choice(vehicles),
                f"bench-s-{done + i}",
            )
            for i in range(n)
        )
        _copy(
            conn,
            "sighting",
            "checkpoint_id, occurred_at, plate_read, plate_confidence, vehicle_id, event_id",
            rows,
        )
        conn.commit()
        done += n


def load_inside(conn: psycopg.Connection[Any], rng: random.Random) -> None:
    """What is inside now: vehicles (half with dangerous goods) and people, in every zone."""
    zones = _ids(conn, "zone")
    now = datetime.now(UTC)
    vehicle_rows = (
        (
            "vehicle",
            f"IN{i:05d}",
            rng.choice(zones),
            now - timedelta(minutes=rng.randint(1, 400)),
            now - timedelta(minutes=rng.randint(1, 400)),
            json.dumps(["3"] if i % 2 else []),
        )
        for i in range(INSIDE_VEHICLES)
    )
    _copy(
        conn,
        "presence",
        "kind, plate, zone_id, entered_at, passed_at, hazard_classes",
        vehicle_rows,
    )
    hazmat = [
        row[0]
        for row in conn.execute(
            "SELECT id FROM presence WHERE kind = 'vehicle' AND hazard_classes::text <> '[]'"
        )
    ]
    goods = ((pid, "1203", "PETROL", "3", 30.0, "l", now) for pid in hazmat)
    _copy(
        conn,
        "goods_on_site",
        "presence_id, un_number, description, hazard_class, quantity, unit, since",
        goods,
    )
    person_rows = (
        (f"Bench person {i}", "employee", "active", "approved") for i in range(INSIDE_PEOPLE)
    )
    _copy(conn, "person", "full_name, kind, standing, review_status", person_rows)
    new_people = [
        row[0]
        for row in conn.execute(
            "SELECT id FROM person WHERE full_name LIKE 'Bench person %' ORDER BY id"
        )
    ]
    presence_rows = (("person", pid, rng.choice(zones), now, now, "[]") for pid in new_people)
    _copy(
        conn,
        "presence",
        "kind, person_id, zone_id, entered_at, passed_at, hazard_classes",
        presence_rows,
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.commit()


PAGES = {
    "guard": (
        "/kiosk/lanes/G1-HAZ/panel",  # polled every 500 ms by the kiosk
        "/kiosk/lanes/G1-HAZ",
        "/kiosk/gates/G1/panel",
        "/",
    ),
    "manager": (
        "/manage/dashboard.json",
        "/manage/occupancy",
        "/",
        # A vehicle's and a person's file: the vehicle has its share of all the history
        # (a few dozen vehicles here: tens of thousands of passages each at 1 M).
        "/manage/plates/{vehicle}",
        "/manage/persons/{person}",
    ),
}


def _pages(app: Any) -> dict[str, float]:
    """Median time of the guard's and the manager's pages through the app (no network)."""
    from sqlalchemy import select

    from gatekeeper.extensions import db
    from gatekeeper.models import Person, User, Vehicle

    with app.app_context():
        ids = {
            "vehicle": db.session.scalar(select(Vehicle.id).order_by(Vehicle.id).limit(1)),
            "person": db.session.scalar(select(Person.id).order_by(Person.id).limit(1)),
        }
    out: dict[str, float] = {}
    for username, paths in PAGES.items():
        # Requests run outside any app context of ours: each has its own (and its own
        # signed-in user, which Flask-Login keeps on the app context).
        with app.app_context():
            user = db.session.scalar(select(User).where(User.username == username))
            assert user is not None
            user_id = user.get_id()
        client = app.test_client()
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = user_id
            flask_session["_fresh"] = True
            flask_session["seen"] = int(time.time())
        for shown in paths:
            path = shown.format(**ids)
            warm = client.get(path)
            assert warm.status_code == 200, (path, warm.status_code, warm.get_data()[:300])
            times = []
            for _ in range(RUNS):
                started = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            out[f"page {username} {shown}"] = round(statistics.median(times), 2)
    return out


def measure(url: str) -> dict[str, float]:
    from gatekeeper.app import create_app
    from gatekeeper.extensions import db
    from gatekeeper.services import dashboard, inventory, rollcall

    os.environ["GATEKEEPER_DATABASE_URL"] = url
    app = create_app()
    queries: dict[str, Callable[[], Any]] = {
        "occupancy": lambda: dashboard.occupancy(0),
        "inventory": lambda: inventory.totals(inventory.goods_inside()),
        "roll_call": rollcall.everyone_inside,
        "dashboard_snapshot": dashboard.snapshot,
    }
    out = _pages(app)
    with app.app_context():
        for name, query in queries.items():
            query()  # warm
            times = []
            for _ in range(RUNS):
                started = time.perf_counter()
                query()
                times.append((time.perf_counter() - started) * 1000)
                db.session.rollback()
            out[name] = round(statistics.median(times), 2)
        db.session.remove()
        db.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--admin-url", default="postgresql://127.0.0.1/postgres")
    parser.add_argument("--out", default="bench-results/presence.json")
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--sightings", type=int, default=2_000_000)
    args = parser.parse_args()
    admin, url = _urls(args.admin_url)
    rng = random.Random(7)
    _fresh_database(admin, url)
    results: dict[str, Any] = {
        "runs": RUNS,
        "inside": {"vehicles": INSIDE_VEHICLES, "people": INSIDE_PEOPLE},
        "sizes": {},
    }
    with psycopg.connect(url) as conn:
        load_inside(conn, rng)
        loaded = 0
        for size in (int(s) for s in args.sizes.split(",")):
            started = time.perf_counter()
            load_passages(conn, size - loaded, loaded / PER_DAY, rng)
            if loaded == 0:
                load_sightings(conn, args.sightings, rng)
            conn.execute("ANALYZE")
            conn.commit()
            load_s = time.perf_counter() - started
            loaded = size
            figures = measure(url)
            results["sizes"][str(size)] = {"load_seconds": round(load_s, 1), "median_ms": figures}
            print(json.dumps({"passages": size, "median_ms": figures}), flush=True)
    sizes = list(results["sizes"].values())
    if len(sizes) >= 2:
        first, last = sizes[0]["median_ms"], sizes[-1]["median_ms"]
        results["ratio_last_to_first"] = {k: round(last[k] / first[k], 2) for k in first}
    results["target_ms"] = 20
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

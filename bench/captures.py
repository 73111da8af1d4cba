"""``make bench-captures``: camera frames to decision through Redis and warm ``flask
worker`` processes, as production runs it (gunicorn, PostgreSQL), over loopback.

Four lanes each post one capture a second (open loop: on time whatever the answers) for a
while; each capture is one real photo, in turn: ``--traffic cn`` (the park's own market: the
23 Chinese street scenes of ../shared/data/plates/cn and the tanker) or ``--traffic foreign``
(20 Brazilian and 20 US photos and the tanker). The demo park reads CN first, then EU.
The latency of a capture is from the moment its upload starts to the moment its decision
is stored (``passage.decided_at``): upload, queue, reading and deciding. Read from the
database after the run, so that measuring adds no load. The OCR workers are warmed first
(their models load once per process, never per job).

Usage: PYTHONPATH=. python bench/captures.py [--traffic cn|foreign] [--lanes 1,2,4] [--rate 1]
                            [--seconds 60] [--workers 2] [--out bench-results/captures.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import product
import psycopg
import redis

from camera_adapters.client import encode_multipart, urllib_transport
from gatekeeper.vision.bench import is_tight_crop
from gatekeeper.vision.images import decode_image

DB_NAME = "gk_bench_captures"
REDIS_URL = "redis://127.0.0.1:6379/3"
LANES = [("G1-IN", "ST-G1"), ("G1-HAZ", "ST-G1"), ("G1-OUT", "ST-G1"), ("G2-IN", "ST-G2")]


def _photos(shared: Path, traffic: str) -> list[bytes]:
    if traffic == "cn":
        folder = shared / "plates" / "cn"
        with (folder / "labels.csv").open(encoding="utf-8") as labels:
            rows = list(csv.DictReader(labels))
        # The street scenes, as the Chinese benchmark tells them from the tight crops.
        files = [
            folder / row["image"]
            for row in rows
            if not is_tight_crop(row, decode_image((folder / row["image"]).read_bytes()).shape)
        ]
    else:
        files = sorted((shared / "plates" / "br").glob("*.jpg"))[:20]
        files += sorted((shared / "plates" / "us").glob("*.jpg"))[:20]
    files.append(shared / "hazmat" / "tanker_rear_225_1073.jpg")
    return [f.read_bytes() for f in files]


def post_capture(app: product.Product, lane: str, station: str, image: bytes) -> tuple[int, Any]:
    """One frame, sent with the gate station's own client code."""
    body, content_type = encode_multipart(
        {"event_id": f"bc-{uuid.uuid4().hex[:12]}"}, [("image", "frame.jpg", image)]
    )
    return urllib_transport(
        f"{app.url}/api/v1/lanes/{lane}/captures",
        body,
        {"Authorization": f"Bearer {app.tokens[station]}", "Content-Type": content_type},
    )


def _decided(app: product.Product, ids: list[int], seconds: float) -> dict[int, datetime]:
    """Decision times of the captures ``ids``, waiting up to ``seconds`` for the last."""
    deadline = time.monotonic() + seconds
    with psycopg.connect(app.database_url, autocommit=True) as conn:
        while True:
            rows = conn.execute(
                "SELECT id, decided_at FROM passage WHERE id = ANY(%s) AND decided_at IS NOT NULL",
                (ids,),
            ).fetchall()
            if len(rows) == len(ids) or time.monotonic() > deadline:
                return {row[0]: row[1] for row in rows}
            time.sleep(0.5)  # the queue is draining: look again


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"n": 0}

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 3)

    return {
        "n": len(ordered),
        "median_s": round(statistics.median(ordered), 3),
        "p95_s": pct(0.95),
        "p99_s": pct(0.99),
        "max_s": round(ordered[-1], 3),
    }


def warm(app: product.Product, photos: list[bytes], workers: int) -> None:
    """One capture per worker, waited for: every worker has loaded its models."""
    ids = [post_capture(app, "G1-IN", "ST-G1", photos[0])[1]["id"] for _ in range(workers * 2)]
    _decided(app, ids, 300)


def load(
    app: product.Product, photos: list[bytes], lanes: int, rate: float, seconds: float
) -> dict[str, Any]:
    sent: list[tuple[int, datetime, str]] = []
    errors: list[str] = []
    lock = threading.Lock()
    started = time.perf_counter()

    def send(lane: str, station: str, image: bytes) -> None:
        at = datetime.now(UTC)
        try:
            status, body = post_capture(app, lane, station, image)
        except OSError as exc:
            with lock:
                errors.append(f"{lane}: {exc}")
            return
        with lock:
            if status == 202:
                sent.append((body["id"], at, lane))
            else:
                errors.append(f"{lane}: {status}")

    total = int(rate * seconds)
    with ThreadPoolExecutor(max_workers=64) as pool:
        for n in range(total):
            for index, (lane, station) in enumerate(LANES[:lanes]):
                due = started + n / rate + index / (rate * lanes)
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)  # pacing the load generator, not synchronising
                pool.submit(send, lane, station, photos[(n * lanes + index) % len(photos)])
    elapsed = time.perf_counter() - started
    decided = _decided(app, [i for i, _, _ in sent], 600)
    latencies = [(decided[i] - at).total_seconds() for i, at, _ in sent if i in decided]
    per_lane = {
        lane: _stats([(decided[i] - at).total_seconds() for i, at, name in sent
                      if name == lane and i in decided])
        for lane, _ in LANES[:lanes]
    }  # fmt: skip
    return {
        "lanes": lanes,
        "per_lane_per_s": rate,
        "seconds": seconds,
        "sent": total * lanes,
        "accepted": len(sent),
        "errors": errors[:10],
        "decided": len(decided),
        "offered_per_s": round(total * lanes / elapsed, 2),
        "capture_to_decision": _stats(latencies),
        "per_lane": per_lane,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--shared", default=str(product.ROOT.parent / "shared" / "data"))
    parser.add_argument("--traffic", choices=("cn", "foreign"), default="cn")
    parser.add_argument("--lanes", default="1,2,4", help="lane counts, one run each")
    parser.add_argument("--rate", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="bench-results/captures.json")
    args = parser.parse_args()
    photos = _photos(Path(args.shared), args.traffic)
    redis.Redis.from_url(REDIS_URL).flushdb()
    with product.running(
        args.admin_url, DB_NAME, redis_url=REDIS_URL, web_workers=2, ocr_workers=args.workers
    ) as app:
        warm(app, photos, args.workers)
        results: dict[str, Any] = {
            "server": f"gunicorn 2 workers x 4 threads, {args.workers} flask workers (ocr, "
            "one thread each), PostgreSQL, Redis",
            "traffic": args.traffic,
            "photos": len(photos),
            "target": "p95 under 1.5 s at 4 lanes x 1 capture/s",
            "runs": [],
        }
        for lanes in (int(n) for n in args.lanes.split(",")):
            run = load(app, photos, lanes, args.rate, args.seconds)
            print(json.dumps({k: run[k] for k in ("lanes", "capture_to_decision")}), flush=True)
            results["runs"].append(run)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

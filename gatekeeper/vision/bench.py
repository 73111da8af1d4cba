"""Accuracy and speed of the pipeline on a labelled folder of photos."""

from __future__ import annotations

import csv
import statistics
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gatekeeper.domain.plates import normalize_plate
from gatekeeper.vision.images import ImageError, decode_image
from gatekeeper.vision.ocr import get_line_recognizer, get_recognizer
from gatekeeper.vision.pipeline import PipelineConfig, read_frame


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def run_benchmark(folder: Path, config: PipelineConfig, limit: int | None = None) -> dict[str, Any]:
    """Read every image of ``folder/labels.csv`` (columns ``image`` and ``plate``) warm and
    report exact top-1 accuracy, accuracy within the candidates, and latency."""
    with (folder / "labels.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[:limit]
    recognizer = get_recognizer()
    warm = decode_image((folder / rows[0]["image"]).read_bytes())
    read_frame(warm, config, recognizer)  # pay model start-up before timing
    exact = in_candidates = 0
    millis: list[float] = []
    failures = []
    for row in rows:
        truth = normalize_plate(row["plate"])
        data = (folder / row["image"]).read_bytes()
        started = time.perf_counter()
        try:
            result = read_frame(decode_image(data), config, recognizer)
        except ImageError as exc:
            failures.append({"image": row["image"], "truth": truth, "error": str(exc)})
            continue
        millis.append((time.perf_counter() - started) * 1000)
        read = normalize_plate(result.plate or "")
        candidates = [normalize_plate(c.text) for c in result.candidates]
        exact += read == truth
        in_candidates += truth in candidates
        if read != truth:
            failures.append(
                {"image": row["image"], "truth": truth, "read": read, "candidates": candidates[:5]}
            )
    total = len(rows)
    return {
        "dataset": str(folder),
        "formats": list(config.formats),
        "images": total,
        "exact_top1": round(exact / total, 4),
        "in_candidates": round(in_candidates / total, 4),
        "median_ms": round(statistics.median(millis), 1) if millis else None,
        "p95_ms": round(_percentile(millis, 0.95), 1) if millis else None,
        "failures": failures,
    }


def run_hazard_benchmark(
    backgrounds: list[Path], count: int, seed: int = 1, generator: int = 1
) -> dict[str, Any]:
    """Generated orange plates on real photos: how often both numbers are read exactly.
    ``generator`` 2 is the second generator, written on other assumptions (synthetic2)."""
    from gatekeeper.vision.hazard import read_hazard_plate

    if generator == 2:
        from gatekeeper.vision.synthetic2 import hazard_samples
    else:
        from gatekeeper.vision.synthetic import hazard_samples

    recognizer, row_recognizer = get_recognizer(), get_line_recognizer()
    exact = 0
    millis: list[float] = []
    failures = []
    for index, sample in enumerate(hazard_samples(backgrounds, count, seed)):
        started = time.perf_counter()
        read = read_hazard_plate(sample.image, recognizer, row_recognizer)
        millis.append((time.perf_counter() - started) * 1000)
        got = (read.hin, read.un) if read else (None, None)
        if got == (sample.hin, sample.un):
            exact += 1
        else:
            failures.append({"sample": index, "truth": [sample.hin, sample.un], "read": list(got)})
    return {
        "dataset": f"{count} orange plates from generator {generator} (seed {seed}) "
        f"on {len(backgrounds)} photos",
        "generator": generator,
        "images": count,
        "exact_both": round(exact / count, 4),
        "median_ms": round(statistics.median(millis), 1),
        "p95_ms": round(_percentile(millis, 0.95), 1),
        "failures": failures,
    }


def plate_text(text: str | None) -> str:
    """A plate as compared with province: separators and spaces out, upper case."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def _score(entries: list[dict[str, Any]], key: str) -> dict[str, Any]:
    reads = [e for e in entries if key in e]
    millis = [e[f"{key}_ms"] for e in reads if e.get(f"{key}_ms") is not None]
    total = len(reads) or 1
    return {
        "images": len(reads),
        "exact_with_province": round(
            sum(plate_text(e[key]) == plate_text(e["truth"]) for e in reads) / total, 4
        ),
        "exact_latin_part": round(
            sum(
                bool(e[key]) and normalize_plate(e[key]) == normalize_plate(e["truth"])
                for e in reads
            )
            / total,
            4,
        ),
        "median_ms": round(statistics.median(millis), 1) if millis else None,
        "p95_ms": round(_percentile(millis, 0.95), 1) if millis else None,
    }


def is_tight_crop(row: Mapping[str, str], shape: tuple[int, ...]) -> bool:
    """A photo of the Chinese set that is the plate alone (its labelled box is the whole
    image), not a camera frame: scored apart from the street scenes, never sent as a
    capture (``bench/captures.py``)."""
    return shape[:2] == (int(row["h"]), int(row["w"]))


def run_cn_benchmark(
    folder: Path, config: PipelineConfig, peers: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Chinese plates: Gatekeeper and the peers (read beforehand in their own environment,
    ``bench/peers_cn.py``) on the same images; the tight crops and the full scenes scored
    apart; exact with the province, exact on the Latin part, the plate colour, speed."""
    with (folder / "labels.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    colours: dict[str, str] = {}
    sources = folder / "sources.csv"
    if sources.exists():
        with sources.open(newline="", encoding="utf-8") as handle:
            colours = {r["image"]: r.get("colour", "") for r in csv.DictReader(handle)}
    by_image = {p["image"]: p for p in (peers or [])}
    recognizer = get_recognizer()
    read_frame(decode_image((folder / rows[0]["image"]).read_bytes()), config, recognizer)
    groups: dict[str, list[dict[str, Any]]] = {"crops": [], "scenes": []}
    for row in rows:
        frame = decode_image((folder / row["image"]).read_bytes())
        group = "crops" if is_tight_crop(row, frame.shape) else "scenes"
        started = time.perf_counter()
        result = read_frame(frame, config, recognizer)
        entry: dict[str, Any] = {
            "image": row["image"],
            "truth": row["plate"],
            "gatekeeper": result.plate,
            "gatekeeper_ms": round((time.perf_counter() - started) * 1000, 1),
            "gatekeeper_colour": result.plate_colour,
            "colour": colours.get(row["image"], ""),
        }
        for peer in ("hyperlpr", "ppocr"):
            if row["image"] in by_image and peer in by_image[row["image"]]:
                entry[peer] = by_image[row["image"]][peer]
                entry[f"{peer}_ms"] = by_image[row["image"]].get(f"{peer}_ms")
        groups[group].append(entry)
    # The targets are set on every photo together and on the yellow (truck) plates.
    groups["all"] = groups["crops"] + groups["scenes"]
    groups["yellow"] = [e for e in groups["all"] if e["colour"] == "yellow"]
    report: dict[str, Any] = {"dataset": str(folder), "formats": list(config.formats)}
    for group, entries in groups.items():
        coloured = [e["gatekeeper_colour"] == e["colour"] for e in entries if e["colour"]]
        report[group] = {
            "images": len(entries),
            "gatekeeper": {
                **_score(entries, "gatekeeper"),
                "colour_right": round(sum(coloured) / max(1, len(coloured)), 4),
            },
            **{peer: _score(entries, peer) for peer in ("hyperlpr", "ppocr") if peers},
            "misses": [
                {k: e.get(k) for k in ("image", "truth", "gatekeeper", "gatekeeper_colour")}
                for e in entries
                if plate_text(e["gatekeeper"]) != plate_text(e["truth"])
            ],
        }
    return report


def markdown_table(report: dict[str, Any]) -> str:
    """The short table beside the JSON: one row per set and reader."""
    lines = [
        "| set | reader | images | exact with province | exact Latin part | colour "
        "| median ms | p95 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for group in ("crops", "scenes", "all", "yellow"):
        for reader in ("gatekeeper", "hyperlpr", "ppocr"):
            s = report.get(group, {}).get(reader)
            if not s:
                continue
            colour = f"{s['colour_right']:.1%}" if "colour_right" in s else "—"
            lines.append(
                f"| cn {group} | {reader} | {s['images']} | {s['exact_with_province']:.1%} | "
                f"{s['exact_latin_part']:.1%} | {colour} | {s['median_ms']} | {s['p95_ms']} |"
            )
    return "\n".join(lines) + "\n"

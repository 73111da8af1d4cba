"""Accuracy and speed of the pipeline on a labelled folder of photos."""

from __future__ import annotations

import csv
import statistics
import time
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


def run_hazard_benchmark(backgrounds: list[Path], count: int, seed: int = 1) -> dict[str, Any]:
    """Generated orange plates on real photos: how often both numbers are read exactly."""
    from gatekeeper.vision.hazard import read_hazard_plate
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
        "dataset": f"{count} generated orange plates (seed {seed}) on {len(backgrounds)} photos",
        "images": count,
        "exact_both": round(exact / count, 4),
        "median_ms": round(statistics.median(millis), 1),
        "p95_ms": round(_percentile(millis, 0.95), 1),
        "failures": failures,
    }

"""The vision pipeline: frames of one vehicle in, one fused reading out."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import cv2

from gatekeeper.vision import cn
from gatekeeper.vision.formats import formats_for
from gatekeeper.vision.hazard import read_hazard_plates
from gatekeeper.vision.images import Frame, crop_roi, decode_image
from gatekeeper.vision.ocr import Recognizer, get_line_recognizer, get_recognizer
from gatekeeper.vision.plates import merge_candidates, plate_box, read_plates
from gatekeeper.vision.types import Box, HazardPlateRead, PlateCandidate, VisionResult

LOCATE_MAX_WIDTH = 1600


@dataclass(frozen=True)
class PipelineConfig:
    # Chinese plates first: the park's own market (a foreign plate is read by the formats
    # after it when the Chinese reading finds nothing sure).
    formats: tuple[str, ...] = ("CN", "EU")
    roi: tuple[float, float, float, float] | None = None  # [x, y, w, h] as fractions
    max_rows: int = 4
    read_hazard: bool = True
    row_network: bool = True  # the recogniser fine-tuned on plate rows, where installed


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def read_frame(
    frame: Frame, config: PipelineConfig, recognizer: Recognizer | None = None
) -> VisionResult:
    """Read the licence plate and the orange plate of one frame."""
    recognizer = recognizer or get_recognizer()
    formats = formats_for(config.formats)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    region, (off_x, off_y) = crop_roi(frame, config.roi)
    scale = min(1.0, LOCATE_MAX_WIDTH / region.shape[1])
    gray = cv2.cvtColor(region, cv2.COLOR_BGR2GRAY)
    if scale < 1.0:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    timings["prepare"] = _ms(started)
    row_recognizer = get_line_recognizer() if config.row_network else None
    plates: list[HazardPlateRead] = []
    if config.read_hazard:
        step = time.perf_counter()
        plates = read_hazard_plates(region, recognizer, row_recognizer)
        timings["hazard"] = _ms(step)
    step = time.perf_counter()
    result = VisionResult(timings_ms=timings)
    chinese = "CN" in config.formats and cn.available()
    chinese_reads: list[cn.ChineseRead] | None = None
    if chinese and config.formats[0] == "CN":
        chinese_reads = _chinese_reads(region)
        if chinese_reads and chinese_reads[0].confidence >= CHINESE_SURE:
            _take_chinese(result, chinese_reads, off_x, off_y)
            timings["plate"] = _ms(step)
            return _finish(result, plates, off_x, off_y, timings, started)
    latin = [f for f in formats if f.code != "CN"] if chinese else formats
    # An orange plate's numbers are text too: they are not the licence plate.
    orange = [plate.box.scaled(scale) for plate in plates if plate.box is not None]
    rows = (
        read_plates(gray, recognizer, latin, config.max_rows, row_recognizer, not_plates=orange)
        if latin
        else []
    )
    latin_confidence = rows[0].candidates[0].confidence if rows else None
    if chinese and (latin_confidence is None or latin_confidence < CONFIDENT):
        if chinese_reads is None:
            chinese_reads = _chinese_reads(region)
        # Over a Latin reading a Chinese one must be sure enough: on foreign plates the
        # Chinese recogniser finds plate-like text at 0.5-0.9 (33 of 335 US/BR photos were
        # read as Chinese when any 0.5 beat a weaker Latin reading; every right Chinese
        # reading of the 133 Chinese photos is above 0.9).
        needed = CHINESE_MIN_CONFIDENCE if latin_confidence is None else CHINESE_OVER_LATIN
        if chinese_reads and chinese_reads[0].confidence >= needed:
            _take_chinese(result, chinese_reads, off_x, off_y)
            timings["plate"] = _ms(step)
            return _finish(result, plates, off_x, off_y, timings, started)
    timings["plate"] = _ms(step)
    if rows:
        best = rows[0].candidates[0]
        box = plate_box(rows[0].row).scaled(1 / scale)
        result.plate, result.confidence, result.format = best.text, best.confidence, best.format
        result.plate_box = Box(box.x + off_x, box.y + off_y, box.w, box.h)
        result.candidates = merge_candidates(rows)
    return _finish(result, plates, off_x, off_y, timings, started)


# A Latin reading at least this sure is not read again as a Chinese plate.
CONFIDENT = 0.8
# A Chinese reading below this is not taken (the frame may hold no Chinese plate).
CHINESE_MIN_CONFIDENCE = 0.5
# ... and below this it does not replace a (less sure) Latin reading of the frame.
CHINESE_OVER_LATIN = 0.8
# Chinese plates read first and this sure: the Latin formats are not tried.
CHINESE_SURE = 0.9


def _chinese_reads(region: Frame) -> list[cn.ChineseRead]:
    """The region's Chinese plate readings sure enough to be taken at all, best first."""
    return [r for r in cn.find_and_read(region) if r.confidence >= CHINESE_MIN_CONFIDENCE]


def _take_chinese(
    result: VisionResult, reads: list[cn.ChineseRead], off_x: int, off_y: int
) -> None:
    best = reads[0]
    result.plate, result.confidence, result.format = best.text, round(best.confidence, 4), "CN"
    result.plate_colour = best.colour
    if best.box is not None:
        result.plate_box = Box(best.box.x + off_x, best.box.y + off_y, best.box.w, best.box.h)
    result.candidates = [PlateCandidate(r.text, round(r.confidence, 4), "CN") for r in reads[:8]]


def _finish(
    result: VisionResult,
    plates: list[HazardPlateRead],
    off_x: int,
    off_y: int,
    timings: dict[str, float],
    started: float,
) -> VisionResult:
    """Orange plates' boxes moved from the region of interest into the whole frame."""
    moved = [
        HazardPlateRead(
            **{**p.__dict__, "box": Box(p.box.x + off_x, p.box.y + off_y, p.box.w, p.box.h)}
        )
        if p.box is not None
        else p
        for p in plates
    ]
    result.hazard_plates = moved
    result.hazard = moved[0] if moved else None
    timings["total"] = _ms(started)
    return result


def fuse(results: Sequence[VisionResult]) -> VisionResult:
    """One reading from several frames of the same vehicle: candidates voted by confidence."""
    readable = [r for r in results if r.error is None]
    if not readable:
        return results[0] if results else VisionResult(error="no frames")
    if len(readable) == 1:
        return readable[0]
    votes: dict[tuple[str, str | None], float] = defaultdict(float)
    for result in readable:
        for candidate in result.candidates:
            votes[(candidate.text, candidate.format)] += candidate.confidence
    ranked = [
        PlateCandidate(text, round(total / len(readable), 4), code)
        for (text, code), total in sorted(votes.items(), key=lambda item: -item[1])
    ]
    fused = VisionResult(frames=len(results), candidates=ranked[:8])
    if ranked:
        fused.plate, fused.confidence, fused.format = (
            ranked[0].text,
            ranked[0].confidence,
            ranked[0].format,
        )
        fused.plate_box = next(
            (r.plate_box for r in readable if r.plate == fused.plate), readable[0].plate_box
        )
        fused.plate_colour = next(
            (r.plate_colour for r in readable if r.plate == fused.plate and r.plate_colour), None
        )
    hazard_votes: dict[tuple[str | None, str | None], float] = defaultdict(float)
    hazards = [r.hazard for r in readable if r.hazard is not None]
    for hazard in hazards:
        hazard_votes[(hazard.hin, hazard.un)] += hazard.confidence
    if hazard_votes:
        (hin, un), total = max(hazard_votes.items(), key=lambda item: item[1])
        sample = next(h for h in hazards if (h.hin, h.un) == (hin, un))
        fused.hazard = HazardPlateRead(
            **{**sample.__dict__, "confidence": round(total / len(readable), 4)}
        )
        # The other plates seen on the frame that showed this one (front, rear, sides).
        frame_plates = next(r.hazard_plates for r in readable if r.hazard is sample)
        fused.hazard_plates = [fused.hazard, *frame_plates[1:]]
    fused.timings_ms = {"total": round(sum(r.timings_ms.get("total", 0.0) for r in results), 1)}
    return fused


def read_vehicle(
    frames: Sequence[Frame | bytes], config: PipelineConfig | None = None
) -> VisionResult:
    """Read every frame (bytes are decoded and checked first) and fuse the readings.
    A frame that is not a usable image is reported in ``error``, never raised."""
    from gatekeeper.vision.images import ImageError

    config = config or PipelineConfig()
    results = []
    for frame in frames:
        try:
            image = decode_image(frame) if isinstance(frame, bytes) else frame
        except ImageError as exc:
            results.append(VisionResult(error=str(exc)))
            continue
        results.append(read_frame(image, config))
    fused = fuse(results)
    fused.frames = len(results)
    return fused

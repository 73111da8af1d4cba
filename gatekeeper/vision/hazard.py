"""Orange hazard plates (ADR 5.3.2): find them by colour and shape, read the hazard
identification number (top) and the UN number (bottom), and check the pair against the
dangerous-goods list."""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from gatekeeper.vision.formats import DIGITS
from gatekeeper.vision.locate import Gray
from gatekeeper.vision.ocr import (
    Decoded,
    LineProbabilities,
    Recognizer,
    decode_prefixes,
    decode_template,
    score_texts,
)
from gatekeeper.vision.reference import hins_by_un, is_consistent, valid_hins
from gatekeeper.vision.types import Box, HazardPlateRead

DETECT_WIDTH = 1200
MIN_UNKNOWN_CONFIDENCE = 0.3
_CLAHE = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4))


@dataclass(frozen=True)
class OrangeRegion:
    box: Box  # in full-frame pixels
    score: float
    # The plate's corners (top-left, top-right, bottom-right, bottom-left), full-frame pixels.
    corners: NDArray[Any] | None = None


def find_orange_plates(frame: NDArray[np.uint8], max_regions: int = 3) -> list[OrangeRegion]:
    """Orange, filled, roughly 4:3 rectangles (the plate is 400 x 300 mm)."""
    scale = min(1.0, DETECT_WIDTH / frame.shape[1])
    small = (
        cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if scale < 1
        else frame
    )
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    orange = cv2.inRange(hsv, (3, 90, 60), (25, 255, 255))
    min_area = small.shape[0] * small.shape[1] * 0.00015
    # A plate never fills a fifth of a gate camera's frame: larger is orange paint.
    max_area = small.shape[0] * small.shape[1] * 0.2
    regions: list[OrangeRegion] = []
    # A small closing keeps a plate apart from orange things beside it; a tall one joins
    # the two fields across the black bar. Candidates from both, duplicates dropped.
    for kernel in ((3, 3), (13, 5)):
        mask = cv2.morphologyEx(orange, cv2.MORPH_CLOSE, np.ones(kernel, np.uint8))
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            x, y, w, h = cv2.boundingRect(contour)
            area = cv2.contourArea(contour)
            if area < min_area or area > max_area or h < 10:
                continue
            aspect, fill = w / h, area / (w * h)
            if not (0.8 <= aspect <= 2.2 and fill >= 0.5):
                continue
            box = Box(x, y, w, h).scaled(1 / scale)
            if any(_overlap(box, known.box) > 0.6 for known in regions):
                continue
            shape_fit = 1.0 - min(1.0, abs(aspect - 4 / 3) / 0.9)
            corners = _corners(contour) / scale
            regions.append(OrangeRegion(box, 0.5 * fill + 0.5 * shape_fit, corners))
    regions.sort(key=lambda r: -r.score * r.box.w * r.box.h)
    return regions[:max_regions]


def _overlap(a: Box, b: Box) -> float:
    x0, y0 = max(a.x, b.x), max(a.y, b.y)
    x1, y1 = min(a.x + a.w, b.x + b.w), min(a.y + a.h, b.y + b.h)
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    return inter / min(a.w * a.h, b.w * b.h) if inter else 0.0


def _corners(contour: NDArray[Any]) -> NDArray[Any]:
    """Four corners of a roughly quadrilateral contour, ordered TL, TR, BR, BL."""
    points = contour.reshape(-1, 2).astype(np.float32)
    sums, diffs = points.sum(axis=1), points[:, 1] - points[:, 0]
    return np.array(
        [
            points[sums.argmin()],
            points[diffs.argmin()],
            points[sums.argmax()],
            points[diffs.argmax()],
        ],
        np.float32,
    )


PLATE_MM = np.array([[0, 0], [400, 0], [400, 300], [0, 300]], dtype=np.float32)


def _rectified_fields(gray: Gray, corners: NDArray[Any]) -> tuple[Gray, Gray]:
    """Warp the plate to 400 x 300 (1 px per mm) and cut out the two number fields, inside
    the 15 mm border and clear of the 15 mm bar at 142-157 mm."""
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), PLATE_MM)
    plate = cv2.warpPerspective(gray, matrix, (400, 300), flags=cv2.INTER_CUBIC)
    return plate[22:138, 24:376], plate[162:278, 24:376]


def _split_fields(gray: Gray) -> tuple[Gray, Gray] | None:
    """Top and bottom fields, split at the black horizontal bar, borders trimmed."""
    h, w = gray.shape
    if h < 16 or w < 16:
        return None
    darkness = 255 - gray[:, int(0.15 * w) : int(0.85 * w)].mean(axis=1)
    middle = darkness[int(0.35 * h) : int(0.65 * h)]
    divider = int(0.35 * h) + int(np.argmax(middle))
    trim_x, trim_y = int(0.07 * w), int(0.07 * h)
    bar = max(1, int(0.05 * h))
    top = gray[trim_y : max(trim_y + 1, divider - bar), trim_x : w - trim_x]
    bottom = gray[min(h - trim_y - 1, divider + bar) : h - trim_y, trim_x : w - trim_x]
    if top.shape[0] < 6 or bottom.shape[0] < 6:
        return None
    return top, bottom


def _field_variants(field: Gray) -> list[Gray]:
    # The recogniser reads best with some room around the digits.
    margin_y, margin_x = max(4, field.shape[0] // 6), max(6, field.shape[0] // 4)
    padded = cv2.copyMakeBorder(field, margin_y, margin_y, margin_x, margin_x, cv2.BORDER_REPLICATE)
    _, otsu = cv2.threshold(padded, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return [padded, _CLAHE.apply(padded), otsu]


@functools.cache
def _hin_template() -> tuple[str, ...]:
    """Per position, every character some valid HIN has there (codes are 2-4 long)."""
    codes = valid_hins()
    return tuple("".join(sorted({c[k] for c in codes if len(c) > k})) for k in range(4))


def _hin_readings(line: LineProbabilities) -> list[Decoded]:
    """The best 2-, 3- and 4-character readings of the top field that are valid HINs."""
    readings = decode_prefixes(line, _hin_template(), [2, 3, 4])
    return [decoded for decoded in readings if decoded.text in valid_hins()]


def _total_scores(lines: list[LineProbabilities], texts: list[str]) -> list[float]:
    """Each text's log-likelihood summed over the renderings of one field."""
    per_line = [score_texts(line, texts) for line in lines]
    return [sum(scores) for scores in zip(*per_line, strict=True)]


def _add_listed_hins(votes: dict[str, float], un: str, lines: list[LineProbabilities]) -> None:
    """When no HIN read fits the UN number, weigh the codes the list gives that number too:
    each gets the support of the best read, scaled by how much less likely its text is."""
    allowed = hins_by_un().get(un, frozenset())
    if not votes or not allowed or allowed & set(votes):
        return
    read, support = max(votes.items(), key=lambda item: item[1])
    texts = [read, *sorted(allowed)]
    totals = _total_scores(lines, texts)
    for code, total in zip(texts[1:], totals[1:], strict=True):
        gap = (totals[0] - total) / max(1, len(lines))
        if gap <= UN_MARGIN_PER_VARIANT:
            votes[code] = support * math.exp(-gap)


def _choose_hin(votes: dict[str, float], un: str) -> tuple[str, float] | None:
    """The most supported HIN; when it is impossible for this UN number and a code the list
    gives it is nearly as supported, that one (a misread digit is likelier than a wrong
    plate). Returns the code and its share of the votes."""
    if not votes:
        return None
    total = sum(votes.values())
    ranked = sorted(votes.items(), key=lambda item: -item[1])
    hin, support = ranked[0]
    allowed = hins_by_un().get(un, frozenset())
    if allowed and hin not in allowed:
        for code, other in ranked[1:]:
            if code in allowed and other >= 0.5 * support:
                return code, other / total
    return hin, support / total


UN_MARGIN_PER_VARIANT = 4.0  # nats: how much less likely a corrected UN number may be


def _plausible_un(read: str, lines: list[LineProbabilities], hins: set[str]) -> str:
    """Keep a UN number that exists and fits a HIN read on the top field; otherwise try the
    numbers one digit away that do, and take the likeliest if it is nearly as likely."""
    table = hins_by_un()
    if table.get(read, frozenset()) & hins:
        return read
    neighbours = {
        read[:i] + digit + read[i + 1 :] for i in range(4) for digit in DIGITS if digit != read[i]
    }
    fitting = [un for un in neighbours if table.get(un, frozenset()) & hins]
    if not fitting:
        return read

    texts = [read, *fitting]
    totals = _total_scores(lines, texts)
    best = max(range(1, len(texts)), key=totals.__getitem__)
    if totals[0] - totals[best] <= UN_MARGIN_PER_VARIANT * len(lines):
        return texts[best]
    return read


def _read_fields(top: Gray, bottom: Gray, recognizer: Recognizer) -> HazardPlateRead | None:
    top_variants, bottom_variants = _field_variants(top), _field_variants(bottom)
    lines = recognizer.probabilities(top_variants + bottom_variants)
    hin_votes: dict[str, float] = defaultdict(float)
    for line in lines[: len(top_variants)]:
        for decoded in _hin_readings(line):
            hin_votes[decoded.text] += decoded.confidence * math.exp(
                decoded.path_logp / max(1, line.probs.shape[0])
            )
    un_votes: dict[str, float] = defaultdict(float)
    for line in lines[len(top_variants) :]:
        un_read = decode_template(line, (DIGITS,) * 4)
        if un_read is not None:
            un_votes[un_read.text] += un_read.confidence
    if not un_votes:
        return None
    un, un_support = max(un_votes.items(), key=lambda item: item[1])
    un = _plausible_un(un, lines[len(top_variants) :], set(hin_votes))
    _add_listed_hins(hin_votes, un, lines[: len(top_variants)])
    chosen = _choose_hin(hin_votes, un)
    if chosen is None:
        return None
    hin, hin_share = chosen
    consistent = is_consistent(hin, un)
    confidence = hin_share * un_support / len(bottom_variants) * (1.0 if consistent else 0.5)
    return HazardPlateRead(
        hin=hin,
        un=un,
        confidence=round(confidence, 4),
        box=None,
        consistent=consistent,
        hin_valid=hin in valid_hins(),
        un_known=un in hins_by_un(),
    )


def read_hazard_plate(frame: NDArray[np.uint8], recognizer: Recognizer) -> HazardPlateRead | None:
    """The best-read orange plate with numbers in the frame, or None."""
    best: HazardPlateRead | None = None
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    for region in find_orange_plates(frame):
        box = region.box
        crop = gray[box.y : box.y + box.h, box.x : box.x + box.w]
        if not _has_dividing_bar(crop):
            continue  # orange paint, or a plain plate without numbers
        for fields in _field_attempts(gray, region, crop):
            read = _read_fields(*fields, recognizer)
            if read is None or not _plausible(read):
                continue
            if best is None or read.confidence > best.confidence:
                best = HazardPlateRead(**{**read.__dict__, "box": box})
            if read.consistent:
                break  # the rectified reading makes an ADR pair: no second try needed
    return best


def _field_attempts(gray: Gray, region: OrangeRegion, crop: Gray) -> Iterator[tuple[Gray, Gray]]:
    """The two number fields, rectified first; split from the plain crop if asked again."""
    if region.corners is not None:
        yield _rectified_fields(gray, region.corners)
    split = _split_fields(crop)
    if split is not None:
        yield split


def _has_dividing_bar(crop: Gray) -> bool:
    """A plate with numbers has a black bar across its middle: some row in the middle
    band is much darker than the plate's typical row."""
    h, w = crop.shape
    if h < 12 or w < 12:
        return False
    rows = crop[:, int(0.2 * w) : int(0.8 * w)].mean(axis=1)
    middle = rows[int(0.3 * h) : int(0.7 * h) + 1]
    return bool(middle.min() < 0.75 * float(np.median(rows)))


def _plausible(read: HazardPlateRead) -> bool:
    """Orange paint whose numbers make no ADR pair, read with little confidence, is not
    reported as a plate (a real but misread plate is read with more confidence)."""
    return read.consistent or read.confidence >= MIN_UNKNOWN_CONFIDENCE

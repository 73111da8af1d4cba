"""Orange hazard plates (ADR 5.3.2): find them by colour and shape, read the hazard
identification number (top) and the UN number (bottom), and check the pair against the
dangerous-goods list."""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from gatekeeper.vision import cn
from gatekeeper.vision.formats import DIGITS
from gatekeeper.vision.images import equalize_contrast
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


@dataclass(frozen=True)
class OrangeRegion:
    box: Box  # in full-frame pixels
    score: float
    # The plate's corners (top-left, top-right, bottom-right, bottom-left), full-frame pixels.
    corners: NDArray[Any] | None = None


# Orange in OpenCV's hue units (0-180): a loose range for plates under warm or dim light,
# and a strict one that keeps a plate apart from yellow paint around it (its black border
# is then the gap between the two).
ORANGE_RANGES = (((3, 90, 60), (25, 255, 255)), ((3, 110, 70), (19, 255, 255)))


@dataclass(frozen=True)
class _Candidate:
    box: Box  # in detection-scale pixels
    points: NDArray[Any]  # outline points, detection scale
    score: float


def _shape_score(box: Box, area: float) -> float | None:
    aspect, fill = box.w / box.h, area / (box.w * box.h)
    if not (0.8 <= aspect <= 2.2 and fill >= 0.5):
        return None
    return 0.5 * fill + 0.5 * (1.0 - min(1.0, abs(aspect - 4 / 3) / 0.9))


@dataclass(frozen=True)
class _Field:
    """An orange field as a turned rectangle: centre, long axis, length and height."""

    centre: NDArray[Any]
    axis: NDArray[Any]  # unit vector along the long side
    length: float
    height: float
    points: NDArray[Any]

    @classmethod
    def of(cls, contour: NDArray[Any]) -> _Field | None:
        (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
        if min(w, h) < 3:
            return None
        theta = np.radians(angle if w >= h else angle + 90)
        length, height = max(w, h), min(w, h)
        # A number field is 370 x 120 mm: about three times as long as high.
        if not 1.8 <= length / height <= 3.8 or cv2.contourArea(contour) < 0.6 * w * h:
            return None
        axis = np.array([np.cos(theta), np.sin(theta)])
        return cls(np.array([cx, cy]), axis, length, height, contour.reshape(-1, 2))


def _stacked_fields(fields: list[_Field]) -> Iterator[_Candidate]:
    """Two orange fields of one length and slant, one above the other across a dark bar: a
    plate whose halves the colour mask did not join (a wide bar on a large plate, a glare
    streak, a plate turned in the image plane)."""
    for top in fields:
        for bottom in fields:
            if top is bottom or abs(float(np.dot(top.axis, bottom.axis))) < 0.97:
                continue  # not parallel within 14 degrees
            if not 0.75 <= top.length / bottom.length <= 1.33:
                continue
            if not 0.6 <= top.height / bottom.height <= 1.6:
                continue
            normal = np.array([-top.axis[1], top.axis[0]])
            if normal[1] < 0:
                normal = -normal  # pointing down the image
            shift = bottom.centre - top.centre
            across, along = float(np.dot(shift, normal)), float(np.dot(shift, top.axis))
            mean_height = (top.height + bottom.height) / 2
            if not 0.8 * mean_height <= across <= 1.7 * mean_height:
                continue
            if abs(along) > 0.2 * top.length:
                continue
            hull = cv2.convexHull(np.concatenate([top.points, bottom.points]))
            box = Box(*cv2.boundingRect(hull))
            score = _shape_score(box, cv2.contourArea(hull))
            if score is not None:
                yield _Candidate(box, hull.reshape(-1, 2), score)


# Glare: a reflective plate under a low sun or headlights shows a bright streak where the
# orange is bleached towards white (bright, weakly saturated pixels).
GLARE_RANGE = ((0, 0, 170), (180, 125, 255))


def _glare_bridged(orange: Gray, glare: Gray) -> Gray:
    """The orange mask with the glare streaks that cross orange fields filled in: each
    connected piece of orange-or-glare that is mostly orange counts as orange (a white
    car body or sky next to a plate is mostly glare-like and stays out; the plate's black
    border and bar keep the pieces apart). Worked out at half size (a streak is wide),
    then laid over the full-size orange."""
    h, w = orange.shape
    half_orange = cv2.resize(orange, (w // 2, h // 2), interpolation=cv2.INTER_NEAREST)
    half_glare = cv2.resize(glare, (w // 2, h // 2), interpolation=cv2.INTER_NEAREST)
    joined = cv2.bitwise_or(half_orange, half_glare)
    count, labels, stats, _centroids = cv2.connectedComponentsWithStats(joined, connectivity=4)
    orange_part = np.bincount(labels[half_orange > 0], minlength=count)
    keep = orange_part >= 0.5 * np.maximum(stats[:, cv2.CC_STAT_AREA], 1)
    keep[0] = False
    filled: Gray = cv2.resize(
        np.where(keep[labels], 255, 0).astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST
    )
    return cv2.bitwise_or(orange, cv2.bitwise_and(filled, glare))


def _orange_masks(hsv: NDArray[Any]) -> Iterator[Gray]:
    """The loose and the strict orange, and the loose one with glare streaks bridged."""
    loose = cv2.inRange(hsv, *ORANGE_RANGES[0])
    yield loose
    yield cv2.inRange(hsv, *ORANGE_RANGES[1])
    glare = cv2.inRange(hsv, *GLARE_RANGE)
    touching = cv2.bitwise_and(glare, cv2.dilate(loose, np.ones((3, 3), np.uint8)))
    if cv2.countNonZero(touching):  # else there is nothing to bridge
        yield _glare_bridged(loose, glare)


def _candidates(small: NDArray[np.uint8]) -> list[_Candidate]:
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    min_area = small.shape[0] * small.shape[1] * 0.00015
    # A plate never fills a fifth of a gate camera's frame: larger is orange paint.
    max_area = small.shape[0] * small.shape[1] * 0.2
    found: list[_Candidate] = []
    for orange in _orange_masks(hsv):
        # A small closing keeps a plate apart from orange things beside it; a tall one
        # joins the two fields across the black bar.
        for kernel in ((3, 3), (13, 5)):
            mask = cv2.morphologyEx(orange, cv2.MORPH_CLOSE, np.ones(kernel, np.uint8))
            contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            fields = []
            for contour in contours:
                box = Box(*cv2.boundingRect(contour))
                area = cv2.contourArea(contour)
                if box.h < 5 or area > max_area:
                    continue
                field = _Field.of(contour)
                if field is not None:
                    fields.append(field)
                score = _shape_score(box, area)
                if score is not None and area >= min_area and box.h >= 10:
                    found.append(_Candidate(box, contour.reshape(-1, 2), score))
            found.extend(c for c in _stacked_fields(fields) if c.box.w * c.box.h >= min_area)
    return found


def find_orange_plates(frame: NDArray[np.uint8], max_regions: int = 4) -> list[OrangeRegion]:
    """Orange, filled, roughly 4:3 rectangles (the plate is 400 x 300 mm) with a dark bar
    across the middle, best first; orange paint and lamps come after the plates."""
    scale = min(1.0, DETECT_WIDTH / frame.shape[1])
    small: NDArray[np.uint8] = frame
    if scale < 1:
        small = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)  # type: ignore[assignment]
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    ranked = []
    for candidate in _candidates(small):
        b = candidate.box
        corners = _corners(candidate.points.astype(np.float32))
        # The bar looked for on the crop, and on the plate warped upright (a plate turned
        # in the image plane has a slanted bar that no row of the crop follows).
        barred = _has_dividing_bar(gray[b.y : b.y + b.h, b.x : b.x + b.w]) or _upright_bar(
            gray, corners
        )
        ranked.append((barred, candidate.score, b.w * b.h, candidate, corners))
    ranked.sort(key=lambda item: (not item[0], -item[1] * item[2]))
    regions: list[OrangeRegion] = []
    kept: list[Box] = []
    for _barred, score, _area, candidate, corners in ranked:
        if any(candidate.box.iou(known) > 0.5 for known in kept):
            continue
        kept.append(candidate.box)
        regions.append(OrangeRegion(candidate.box.scaled(1 / scale), score, corners / scale))
        if len(regions) == max_regions:
            break
    return regions


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


def _padded(field: Gray) -> Gray:
    """The field with room around the digits: the recognisers read it best so."""
    margin_y, margin_x = max(4, field.shape[0] // 6), max(6, field.shape[0] // 4)
    return cv2.copyMakeBorder(field, margin_y, margin_y, margin_x, margin_x, cv2.BORDER_REPLICATE)


def _field_variants(field: Gray) -> list[Gray]:
    padded = _padded(field)
    _, otsu = cv2.threshold(padded, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return [padded, equalize_contrast(padded), otsu]


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


def _read_fields(
    top_lines: list[LineProbabilities],
    bottom_lines: list[LineProbabilities],
    bottom_reads: Sequence[Decoded | None] | None = None,
) -> HazardPlateRead | None:
    """The HIN and UN number from the character probabilities of each field's renderings
    (``bottom_reads``: the UN field's renderings already decoded as four digits)."""
    hin_votes: dict[str, float] = defaultdict(float)
    for line in top_lines:
        for decoded in _hin_readings(line):
            hin_votes[decoded.text] += decoded.confidence * math.exp(
                decoded.path_logp / max(1, line.probs.shape[0])
            )
    un_votes: dict[str, float] = defaultdict(float)
    if bottom_reads is None:
        bottom_reads = [decode_template(line, (DIGITS,) * 4) for line in bottom_lines]
    for un_read in bottom_reads:
        if un_read is not None:
            un_votes[un_read.text] += un_read.confidence
    if not un_votes:
        return None
    un, un_support = max(un_votes.items(), key=lambda item: item[1])
    un = _plausible_un(un, bottom_lines, set(hin_votes))
    _add_listed_hins(hin_votes, un, top_lines)
    chosen = _choose_hin(hin_votes, un)
    if chosen is None:
        return None
    hin, hin_share = chosen
    consistent = is_consistent(hin, un)
    confidence = hin_share * un_support / len(bottom_lines) * (1.0 if consistent else 0.5)
    return HazardPlateRead(
        hin=hin,
        un=un,
        confidence=round(confidence, 4),
        box=None,
        consistent=consistent,
        hin_valid=hin in valid_hins(),
        un_known=un in hins_by_un(),
    )


# A plate's fields read by the plate-row network alone come out at 0.17 or more on 200
# generated plates; orange regions without numbers (car paint, lamps, the Brazilian set's
# 44 frames with such regions) at 0.03 at most. Below this, EasyOCR is not asked to read.
SCREEN_CONFIDENCE = 0.08
GENERAL_MIN_CONFIDENCE = 0.2


def read_hazard_plates(
    frame: NDArray[np.uint8], recognizer: Recognizer, row_recognizer: Recognizer | None = None
) -> list[HazardPlateRead]:
    """Every orange plate with numbers read in the frame (front, rear, a tank's sides: up
    to four), best read first; one reading per plate. Where the plate-row network is given
    (without the PP-OCR model), it reads every region first and regions whose fields it
    cannot read as an orange plate are not read further."""
    found: list[HazardPlateRead] = []
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    for region in find_orange_plates(frame):
        box = region.box
        crop = gray[box.y : box.y + box.h, box.x : box.x + box.w]
        if not (_has_dividing_bar(crop) or _rectified_bar(gray, region)):
            continue  # orange paint, or a plain plate without numbers
        best: HazardPlateRead | None = None
        for fields in _field_attempts(gray, region, crop):
            read = _read_attempt(*fields, recognizer, row_recognizer)
            if read is None or not _plausible(read):
                continue
            if best is None or read.confidence > best.confidence:
                best = HazardPlateRead(**{**read.__dict__, "box": box})
            if read.consistent:
                break  # the rectified reading makes an ADR pair: no second try needed
        if best is not None:
            found.append(best)
    return sorted(found, key=lambda r: -r.confidence)


def read_hazard_plate(
    frame: NDArray[np.uint8], recognizer: Recognizer, row_recognizer: Recognizer | None = None
) -> HazardPlateRead | None:
    """The best-read orange plate with numbers in the frame, or None."""
    plates = read_hazard_plates(frame, recognizer, row_recognizer)
    return plates[0] if plates else None


def _read_attempt(
    top: Gray, bottom: Gray, recognizer: Recognizer, row_recognizer: Recognizer | None
) -> HazardPlateRead | None:
    """Read one cut of the two fields. With the PP-OCR recogniser installed (the Chinese
    plates' model), its reading of each padded field: it reads digits in typefaces it was
    never tuned on, four times faster than the EasyOCR path. Otherwise screened by the
    plate-row network where given, then EasyOCR's renderings together with the row
    network's reading of the padded field (the two networks err differently)."""
    if cn.available():
        general = cn.get_chinese_recognizer()
        bottom_line = general.probabilities(_padded(bottom))
        un_read = decode_template(bottom_line, (DIGITS,) * 4)
        if un_read is None or un_read.confidence < GENERAL_MIN_CONFIDENCE:
            # A reading is never surer than its UN number: the HIN field is not read.
            return None
        read = _read_fields([general.probabilities(_padded(top))], [bottom_line], [un_read])
        # Plates read right come out at 0.5 or more (400 generated by both generators);
        # numbers made up from paint, lamps and car bodies at 0.05 at most.
        return read if read is not None and read.confidence >= GENERAL_MIN_CONFIDENCE else None
    top_variants, bottom_variants = _field_variants(top), _field_variants(bottom)
    count = len(top_variants)
    extra: tuple[list[LineProbabilities], list[LineProbabilities]] = ([], [])
    if row_recognizer is not None:
        screen = row_recognizer.probabilities(top_variants + bottom_variants)
        first = _read_fields(screen[:count], screen[count:])
        if first is None or first.confidence < SCREEN_CONFIDENCE:
            return None
        extra = ([screen[0]], [screen[count]])
    lines = recognizer.probabilities(top_variants + bottom_variants)
    return _read_fields(lines[:count] + extra[0], lines[count:] + extra[1])


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
    band = crop[:, int(0.2 * w) : int(0.8 * w)]
    # On a small plate the bar is 1-3 px and blur greys it: ask less contrast of it.
    limit = 0.75 if h >= 60 else 0.87
    # Each row's mean, and its median, which a glare streak brightening part of the bar
    # does not lift.
    for rows in (band.mean(axis=1), np.median(band, axis=1)):
        middle = rows[int(0.3 * h) : int(0.7 * h) + 1]
        if middle.min() < limit * float(np.median(rows)):
            return True
    return False


def _upright_bar(gray: Gray, corners: NDArray[Any]) -> bool:
    """The bar looked for on the plate warped upright (a plate turned in the image plane
    has a slanted bar that no row of the plain crop follows)."""
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), PLATE_MM)
    return _has_dividing_bar(cv2.warpPerspective(gray, matrix, (400, 300)))


def _rectified_bar(gray: Gray, region: OrangeRegion) -> bool:
    return region.corners is not None and _upright_bar(gray, region.corners)


def _plausible(read: HazardPlateRead) -> bool:
    """Orange paint whose numbers make no ADR pair, read with little confidence, is not
    reported as a plate (a real but misread plate is read with more confidence)."""
    return read.consistent or read.confidence >= MIN_UNKNOWN_CONFIDENCE

"""Finding licence-plate text in a frame, fast, with OpenCV alone.

A plate shows itself as a row of 4-9 character-shaped blobs of the same height, side by
side. We binarise the frame (dark-on-light and light-on-dark), keep connected components
shaped like characters, and chain neighbours of similar height on one line. Each chain is a
candidate; the recogniser decides which candidate holds a plate. Characters that touch the
plate's frame merge with it into one large blob, so each binary image is searched a second
time with its long horizontal strokes taken out.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from gatekeeper.vision.types import Box

Gray = NDArray[Any]  # a single-channel uint8 image
# Horizontal strokes longer than the frame's height over this are rules, not characters
# (20 px in a 720-line frame: longer than a character's bar at gate-camera sizes).
RULE_FRACTION = 36


@dataclass(frozen=True)
class Blob:
    x: int
    y: int
    w: int
    h: int
    label: int = 0

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class TextRow:
    """A chain of character blobs: the candidate plate text line."""

    box: Box
    blobs: tuple[Blob, ...]
    inverted: bool  # light characters on a dark plate
    score: float
    # The member characters alone, dark on white, in the coordinates of ``box``: stickers,
    # frames and slogans between and around the characters are left out.
    mask: Gray | None = None


def _char_blobs(binary: Gray, min_h: int, max_h: int) -> tuple[list[Blob], NDArray[Any]]:
    """Connected components shaped like characters (filtered on all components at once: a
    busy frame has tens of thousands)."""
    _count, labels, stats, _centroids = cv2.connectedComponentsWithStats(binary, connectivity=8)
    x, y, w, h, area = (stats[1:, k].astype(np.int64) for k in range(5))
    aspect = w / h
    fill = area / (w * h)
    keep = (h >= min_h) & (h <= max_h) & (aspect >= 0.12) & (aspect <= 1.25)
    keep &= (fill >= 0.18) & (fill <= 0.92)
    blobs = [
        Blob(int(x[i]), int(y[i]), int(w[i]), int(h[i]), int(i) + 1) for i in np.flatnonzero(keep)
    ]
    return blobs, labels


def _neighbours(a: Blob, b: Blob) -> bool:
    """Two blobs that could be adjacent characters of one plate line."""
    if not (0.75 <= a.h / b.h <= 1.33):
        return False
    mean_h = (a.h + b.h) / 2
    if abs(a.cy - b.cy) > 0.25 * mean_h:
        return False
    gap = max(a.x, b.x) - min(a.x + a.w, b.x + b.w)
    return -0.2 * mean_h <= gap <= 1.1 * mean_h


@dataclass
class _Chain:
    blobs: list[Blob]
    height: float = 0.0
    centre_y: float = 0.0

    def __post_init__(self) -> None:
        self.blobs.sort(key=lambda b: b.x)
        self.height = statistics.median(b.h for b in self.blobs)
        self.centre_y = statistics.median(b.cy for b in self.blobs)

    @property
    def left(self) -> int:
        return self.blobs[0].x

    @property
    def right(self) -> int:
        return self.blobs[-1].x + self.blobs[-1].w


def _same_line(a: _Chain, b: _Chain) -> bool:
    """Two chains that are parts of one plate split by a sticker, bolt or dash."""
    if not 0.8 <= a.height / b.height <= 1.25:
        return False
    mean_h = (a.height + b.height) / 2
    if abs(a.centre_y - b.centre_y) > 0.25 * mean_h:
        return False
    left, right = (a, b) if a.left < b.left else (b, a)
    gap = right.left - left.right
    return 0 <= gap <= 2.2 * mean_h


def _merge_split_rows(chains: list[list[Blob]]) -> list[list[Blob]]:
    """Join chains left to right while the next one continues the line (one pass over
    chains sorted by their left edge)."""
    pending = sorted((_Chain(list(c)) for c in chains if len(c) >= 2), key=lambda c: c.left)
    merged: list[_Chain] = []
    for chain in pending:
        for index, earlier in enumerate(merged):
            if len(earlier.blobs) + len(chain.blobs) <= 10 and _same_line(earlier, chain):
                merged[index] = _Chain(earlier.blobs + chain.blobs)
                break
        else:
            merged.append(chain)
    return [chain.blobs for chain in merged]


def _chains(blobs: list[Blob]) -> list[list[Blob]]:
    blobs = sorted(blobs, key=lambda blob: blob.x)
    parent = list(range(len(blobs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(blobs):
        for j in range(i + 1, len(blobs)):
            b = blobs[j]
            if b.x > a.x + a.w + 1.2 * a.h:
                break
            if _neighbours(a, b):
                parent[find(j)] = find(i)
    groups: dict[int, list[Blob]] = {}
    for i, blob in enumerate(blobs):
        groups.setdefault(find(i), []).append(blob)
    return list(groups.values())


def _dedupe_overlapping(chain: list[Blob]) -> list[Blob]:
    """Drop blobs nested inside others (holes of 0, 8, B come out as separate blobs)."""
    kept: list[Blob] = []
    for blob in sorted(chain, key=lambda b: -b.w * b.h):
        inside = any(
            blob.x >= k.x
            and blob.x + blob.w <= k.x + k.w
            and blob.y >= k.y
            and blob.y + blob.h <= k.y + k.h
            for k in kept
        )
        if not inside:
            kept.append(blob)
    return sorted(kept, key=lambda b: b.x)


def _render_mask(labels: NDArray[Any], chain: list[Blob], box: Box) -> Gray:
    window = labels[box.y : box.y + box.h, box.x : box.x + box.w]
    members = np.isin(window, [blob.label for blob in chain])
    return np.where(members, 0, 255).astype(np.uint8)


# A line of fewer characters is looked for only above a plate's line: the top line of a
# two-line plate ("M AB" over "1234").
MIN_LINE_CHARS, MIN_TOP_LINE_CHARS = 4, 2


def _row_from_chain(
    chain: list[Blob], inverted: bool, labels: NDArray[Any], shortest: int = MIN_LINE_CHARS
) -> TextRow | None:
    chain = _dedupe_overlapping(chain)
    if not shortest <= len(chain) <= 10:
        return None
    heights = np.array([b.h for b in chain], dtype=float)
    x0 = min(b.x for b in chain)
    y0 = min(b.y for b in chain)
    x1 = max(b.x + b.w for b in chain)
    y1 = max(b.y + b.h for b in chain)
    median_h = float(np.median(heights))
    width_ratio = (x1 - x0) / median_h
    if not (1.5 if len(chain) >= MIN_LINE_CHARS else 0.8) <= width_ratio <= 9.0:
        return None
    regularity = 1.0 - min(1.0, float(np.std(heights) / median_h) * 3)
    count_fit = 1.0 - min(1.0, abs(len(chain) - 7) / 4)
    score = 0.6 * regularity + 0.4 * count_fit
    box = Box(x0, y0, x1 - x0, y1 - y0)
    return TextRow(box, tuple(chain), inverted, score, _render_mask(labels, chain, box))


def _without_rules(binary: Gray, length: int) -> Gray:
    """``binary`` with its horizontal strokes of ``length`` pixels or more taken out: the
    plate's frame or a dealer frame's border that characters touch, which joins them into
    one blob too large to be a character."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1))
    return cv2.subtract(binary, cv2.morphologyEx(binary, cv2.MORPH_OPEN, kernel))


def find_text_rows(gray: Gray, max_rows: int = 6, two_line: bool = False) -> list[TextRow]:
    """Candidate plate text lines in a grayscale frame, best first. With ``two_line``, also
    the short lines (2-3 characters) that sit just above one of them, after them."""
    height = gray.shape[0]
    min_h, max_h = max(8, height // 150), max(20, height // 4)
    rows: list[TextRow] = []
    short: list[TextRow] = []
    block = max(15, (height // 40) | 1)
    rule = max(15, round(height / RULE_FRACTION))
    shortest = MIN_TOP_LINE_CHARS if two_line else MIN_LINE_CHARS
    for inverted in (False, True):
        source = 255 - gray if inverted else gray
        binary = cv2.adaptiveThreshold(
            source, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 10
        )
        for image in (binary, _without_rules(binary, rule)):
            blobs, labels = _char_blobs(image, min_h, max_h)
            for chain in _merge_split_rows(_chains(blobs)):
                row = _row_from_chain(chain, inverted, labels, shortest)
                if row is not None:
                    (rows if len(row.blobs) >= MIN_LINE_CHARS else short).append(row)
    rows.sort(key=lambda r: -r.score)
    kept = _non_overlapping(rows)[:max_rows]
    short.sort(key=lambda r: -r.score)
    tops = [
        row
        for row in _non_overlapping(short)
        if any(stacked(row, below) for below in kept)
        and all(row.box.iou(k.box) < 0.5 for k in kept if k.inverted == row.inverted)
    ]
    return kept + tops


def stacked(top: TextRow, bottom: TextRow) -> bool:
    """Whether two rows may be the two lines of one plate: of one polarity and similar
    height, ``bottom`` just below ``top``, overlapping across most of the narrower one."""
    a, b = top.box, bottom.box
    height = (a.h + b.h) / 2
    overlap = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    return (
        top.inverted == bottom.inverted
        and 0.6 <= a.h / b.h <= 1.6
        and -0.2 * height <= b.y - (a.y + a.h) <= 0.9 * height
        and overlap >= 0.5 * min(a.w, b.w)
    )


def _non_overlapping(rows: list[TextRow]) -> list[TextRow]:
    kept: list[TextRow] = []
    for row in rows:
        if all(row.box.iou(k.box) < 0.5 for k in kept):
            kept.append(row)
    return kept

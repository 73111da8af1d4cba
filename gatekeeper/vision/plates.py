"""Reading the licence plate of one frame: locate text rows, read several renderings of
each with format-constrained decoding, vote."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from gatekeeper.vision import charnet
from gatekeeper.vision.formats import PlateFormat
from gatekeeper.vision.images import equalize_contrast
from gatekeeper.vision.locate import MIN_LINE_CHARS, Gray, TextRow, find_text_rows, stacked
from gatekeeper.vision.ocr import (
    Decoded,
    LineBatch,
    LineProbabilities,
    Recognizer,
    character_peaks,
    decode_prefixes,
    score_texts,
)
from gatekeeper.vision.types import Box, PlateCandidate

BLOB_WEIGHT = 2.0
WIDEN_CROP = 0.6
WIDEN_ROW = 1.3
# The network fine-tuned on plate rows is trusted more than EasyOCR's general one.
ROW_NETWORK_WEIGHT = 3.0


@dataclass(frozen=True)
class RowRead:
    row: TextRow
    candidates: list[PlateCandidate]


def _variants(gray: Gray, row: TextRow) -> list[Gray]:
    """Renderings of one text row for EasyOCR's network that fail differently: the clean
    character mask (no stickers or frames), the same mask smoothed at model scale, and the
    photo crop with local contrast equalised. (The plain photo crop added nothing to these
    three and the plate-row network's crops on either benchmark set: left out.)"""
    box = row.box
    pad_y, pad_x = max(2, box.h // 5), max(3, box.h // 3)
    variants: list[Gray] = []
    if row.mask is not None:
        variants.append(
            cv2.copyMakeBorder(row.mask, pad_y, pad_y, pad_x, pad_x, cv2.BORDER_CONSTANT, value=255)
        )
        scale = 64 / box.h
        smooth = cv2.resize(row.mask, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
        smooth = cv2.GaussianBlur(smooth, (5, 5), 0)
        variants.append(cv2.copyMakeBorder(smooth, 12, 12, 20, 20, cv2.BORDER_CONSTANT, value=255))
    # The photo crop reaches half a character further sideways: an end character that
    # touches the plate frame is often missing from the blob chain.
    variants.append(equalize_contrast(_photo_crop(gray, row, WIDEN_CROP)))
    return variants


def _photo_crop(gray: Gray, row: TextRow, widen: float) -> Gray:
    """The row cut from the frame with a fifth of its height above and below and ``widen``
    times its height on each side, dark characters on light."""
    box = row.box
    pad_y, wide = max(2, box.h // 5), max(3, box.h // 3, int(widen * box.h))
    y0, x0 = max(0, box.y - pad_y), max(0, box.x - wide)
    crop = gray[y0 : box.y + box.h + pad_y, x0 : box.x + box.w + wide]
    return 255 - crop if row.inverted else crop


def _union_of(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...] | None:
    """``a`` and ``b`` as one template, when they have one length and differ in one place:
    there the class is the union of theirs."""
    differ = [k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y]
    if len(a) != len(b) or len(differ) != 1:
        return None
    k = differ[0]
    return (*a[:k], "".join(sorted(set(a[k]) | set(b[k]))), *a[k + 1 :])


def _merged_templates(templates: Sequence[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Templates of one length that differ in one place only, made one template: it accepts
    exactly the texts either accepts (Brazil's LLLNNNN and LLLNLNN are LLLN(L|N)NN), and is
    decoded in one pass instead of two."""
    merged = list(templates)
    while True:
        pairs = itertools.combinations(range(len(merged)), 2)
        found = next(((i, j, u) for i, j in pairs if (u := _union_of(merged[i], merged[j]))), None)
        if found is None:
            return merged
        i, j, union = found
        merged[i] = union
        del merged[j]


@functools.cache
def _prefix_groups(plate_format: PlateFormat) -> list[tuple[tuple[str, ...], list[int]]]:
    """Templates grouped so that each group is one longest template and the lengths of its
    prefixes that are templates too (decoded in one pass)."""
    groups: list[tuple[tuple[str, ...], list[int]]] = []
    for template in sorted(_merged_templates(plate_format.templates), key=len, reverse=True):
        for longest, lengths in groups:
            if longest[: len(template)] == template:
                lengths.append(len(template))
                break
        else:
            groups.append((template, [len(template)]))
    return groups


def _best_decode(
    line: LineProbabilities, formats: Sequence[PlateFormat]
) -> tuple[Decoded, str] | None:
    """The most likely reading under any template of the park's formats (ties go to the
    format listed first)."""
    best: tuple[Decoded, str] | None = None
    for plate_format in formats:
        for longest, lengths in _prefix_groups(plate_format):
            for decoded in decode_prefixes(line, longest, lengths):
                if best is None or decoded.path_logp > best[0].path_logp + 1e-6:
                    best = (decoded, plate_format.code)
    return best


SKIP_LOGP = math.log(0.15)  # cost of leaving a blob out (a sticker, a bolt, a dash)


def _blob_masks(row: TextRow) -> list[Gray]:
    assert row.mask is not None
    box = row.box
    return [
        row.mask[b.y - box.y : b.y - box.y + b.h, b.x - box.x : b.x - box.x + b.w]
        for b in row.blobs
    ]


def _classes_logp(logp: np.ndarray, cls: str) -> tuple[np.ndarray, np.ndarray]:
    columns = _class_columns(cls)
    if len(columns) == 1:  # a text being scored: no choice to make
        return logp[:, columns[0]], np.full(logp.shape[0], columns[0])
    sub = logp[:, columns]
    return sub.max(axis=1), columns[sub.argmax(axis=1)]


@functools.cache
def _class_columns(cls: str) -> np.ndarray:
    return np.array([charnet.CLASSES.index(c) for c in cls], dtype=np.int64)


def _decode_blobs(logp: np.ndarray, template: Sequence[str]) -> Decoded | None:
    """Assign blobs to template positions in order, leaving out blobs that fit no
    character (at a cost), to maximise the summed log-probability."""
    k, n = logp.shape[0], len(template)
    if k < n:
        return None
    best = [_classes_logp(logp, cls) for cls in template]
    gain = np.stack([b[0] for b in best], axis=1)  # (k, n): blob i as template place j
    score = np.full((k + 1, n + 1), -np.inf)
    score[0, 0] = 0.0
    for i in range(1, k + 1):  # one blob at a time, all template places at once
        score[i, 0] = score[i - 1, 0] + SKIP_LOGP
        score[i, 1:] = np.maximum(score[i - 1, 1:] + SKIP_LOGP, score[i - 1, :-1] + gain[i - 1])
    chars, peaks, i, j = [], [], k, n
    while j > 0:
        take = float(score[i - 1, j - 1] + gain[i - 1, j - 1])
        if math.isclose(float(score[i, j]), take, rel_tol=1e-5, abs_tol=1e-8):
            chars.append(charnet.CLASSES[best[j - 1][1][i - 1]])
            peaks.append(gain[i - 1, j - 1])
            j -= 1
        i -= 1
    chars.reverse()
    return Decoded("".join(chars), float(math.exp(sum(peaks) / n)), float(score[k, n]))


def _blob_logps(rows: list[TextRow]) -> list[np.ndarray | None]:
    """Per row, the character CNN's log-probabilities for each of its blobs."""
    if not charnet.available():
        return [None for _ in rows]
    masks = [_blob_masks(row) for row in rows]
    logp = charnet.classify([m for row_masks in masks for m in row_masks])
    results: list[np.ndarray | None] = []
    start = 0
    for row_masks in masks:
        results.append(logp[start : start + len(row_masks)])
        start += len(row_masks)
    return results


def _blob_decode(
    row_logp: np.ndarray | None, formats: Sequence[PlateFormat]
) -> tuple[Decoded, str] | None:
    """The best reading from classifying the row's character blobs one by one."""
    if row_logp is None:
        return None
    best: tuple[Decoded, str] | None = None
    for plate_format in formats:
        for template in plate_format.templates:
            decoded = _decode_blobs(row_logp, template)
            if decoded is not None and (best is None or decoded.path_logp > best[0].path_logp):
                best = (decoded, plate_format.code)
    return best


@functools.cache
def _columns(alphabet: tuple[str, ...], cls: str) -> np.ndarray:
    return np.array([i for i, c in enumerate(alphabet) if i and c in cls], dtype=np.int64)


# Layout re-readings put forward per format: the likeliest few (the EU's sixty-odd country
# layouts re-read a reading in many ways that differ only where the evidence is clear).
LAYOUT_PROPOSALS = 4
LAYOUT_SOURCES = 3


def _likeliest_texts(reads: list[tuple[Decoded, str]], code: str, lengths: set[int]) -> list[str]:
    """The LAYOUT_SOURCES likeliest texts a format's decoding proposed, of a length some
    layout has: the ones re-read under the layouts (aligning a text on a rendering costs
    half a millisecond, and a row proposes dozens)."""
    best: dict[str, float] = {}
    for decoded, of in reads:
        if of == code and len(decoded.text) in lengths:
            best[decoded.text] = max(best.get(decoded.text, 0.0), decoded.confidence)
    return sorted(best, key=lambda text: (-best[text], text))[:LAYOUT_SOURCES]


def _layout_readings(
    lines: list[LineProbabilities], reads: list[tuple[Decoded, str]], formats: Sequence[PlateFormat]
) -> list[tuple[Decoded, str]]:
    """Each reading re-read under every issued layout of its length, on every rendering:
    where the loose templates let a place be a letter (G, L, B) the layout may want the digit
    the network ranked second (6, 4, 8). These are proposals (new texts only, the likeliest
    LAYOUT_PROPOSALS of each format); ranking decides."""
    results: list[tuple[Decoded, str]] = []
    proposed = {d.text for d, _code in reads}
    for plate_format in formats:
        lengths = {len(layout) for layout in plate_format.layouts}
        texts = _likeliest_texts(reads, plate_format.code, lengths)
        found: dict[str, Decoded] = {}
        for line, text in itertools.product(lines, texts):
            peaks = character_peaks(line, text)
            if peaks is None:
                continue
            # Per character class, the best character of each place and its log-peak (one
            # array operation per class, shared by every layout that uses the class).
            best_of: dict[str, tuple[list[int], list[float]]] = {}
            places = np.arange(len(text))
            for layout in plate_format.layouts:
                if len(layout) != len(text):
                    continue
                for cls in set(layout) - best_of.keys():
                    cols = _columns(line.alphabet, cls)
                    picked = cols[peaks[:, cols].argmax(axis=1)]
                    best_of[cls] = (picked.tolist(), peaks[places, picked].tolist())
                best = [best_of[cls][0][k] for k, cls in enumerate(layout)]
                mean = sum(best_of[cls][1][k] for k, cls in enumerate(layout)) / len(layout)
                reading = Decoded(
                    "".join(line.alphabet[j] for j in best), math.exp(mean), mean * len(best)
                )
                if reading.text in proposed:
                    continue
                known = found.get(reading.text)
                if known is None or reading.confidence > known.confidence:
                    found[reading.text] = reading
        likeliest = sorted(found.values(), key=lambda d: -d.confidence)[:LAYOUT_PROPOSALS]
        results += [(reading, plate_format.code) for reading in likeliest]
    return results


def _layout_prior(formats: Sequence[PlateFormat], text: str, code: str) -> tuple[float, str]:
    """The prior of a reading's layout and its format: the likeliest among the park's
    formats that accept it (the first listed on a tie), else ``code``'s at 1.0."""
    options = [(f.prior(text), f.code) for f in formats if f.accepts(text)]
    return max(options, key=lambda option: option[0]) if options else (1.0, code)


def _rescore(
    lines: list[LineProbabilities],
    blob_logp: np.ndarray | None,
    reads: list[tuple[Decoded, str]],
    weight: float,
    weights: list[float] | None = None,
    formats: Sequence[PlateFormat] = (),
) -> list[PlateCandidate]:
    """Rank every reading proposed for a row by how well it explains all the evidence: each
    line rendering (log-likelihood of exactly that text, relative to the rendering's own
    best) and the character blobs, times the prior of its layout. Better than counting
    votes when the sources disagree."""
    if not reads:
        return []
    codes: dict[str, str] = {}
    for decoded, code in reads:
        codes.setdefault(decoded.text, code)
    texts = list(codes)
    per_line = [score_texts(line, texts) for line in lines]
    scores = {t: [line_scores[i] for line_scores in per_line] for i, t in enumerate(texts)}
    best_line = [max(scores[t][i] for t in codes) for i in range(len(lines))]
    line_weights = weights or [1.0] * len(lines)
    blob_best = None
    if blob_logp is not None:
        blob_scores = {t: _decode_blobs(blob_logp, tuple(t)) for t in codes}
        finite = [d.path_logp for d in blob_scores.values() if d is not None]
        blob_best = max(finite) if finite else None
    ranked = []
    for text, code in codes.items():
        total = sum(
            w * (score - best)
            for score, best, w in zip(scores[text], best_line, line_weights, strict=True)
        )
        sources = float(sum(line_weights))
        if blob_best is not None:
            blob = blob_scores[text]
            total += BLOB_WEIGHT * ((blob.path_logp if blob else blob_best - 20.0) - blob_best)
            sources += BLOB_WEIGHT
        # Per source and character: how far below the best explanation this text lies.
        closeness = math.exp(total / (sources * max(1, len(text))))
        peak = max(d.confidence for d, _ in reads if d.text == text)
        prior, code = _layout_prior(formats, text, code)
        confidence = weight * closeness * peak * prior
        ranked.append(PlateCandidate(text, round(confidence, 4), code))
    ranked.sort(key=lambda c: -c.confidence)
    return ranked


def _row_crops(gray: Gray, row: TextRow) -> list[Gray]:
    """Photo crops of a row for the plate-row network, which was trained on rows cut with
    loose margins: the locator's crop, and a wider one that takes back an end character the
    blob chain lost to the plate frame or a picture beside it."""
    return [_photo_crop(gray, row, widen) for widen in (WIDEN_CROP, WIDEN_ROW)]


def read_plates(
    gray: Gray,
    recognizer: Recognizer,
    formats: Sequence[PlateFormat],
    max_rows: int = 4,
    row_recognizer: Recognizer | None = None,
    not_plates: Sequence[Box] = (),
) -> list[RowRead]:
    """Every candidate row with its ranked readings, best row first. ``row_recognizer``
    (the network fine-tuned on plate rows) reads photo crops of each row besides EasyOCR's
    own network; its readings are proposals and evidence like the others. A row centred in
    one of ``not_plates`` (an orange plate's numbers) is not a licence plate.

    The best-located row is read first; where it reads at :data:`SURE_ROW` or more (and no
    two-line format could join it with a row above or below) the other rows are not read: the
    reading is the one the whole frame's reading would give that row, since every line is
    run in the chunk it would be run in with all the rows (:class:`LineBatch`)."""
    two_line = [f for f in formats if f.two_line]
    rows = find_text_rows(gray, max_rows=max_rows, two_line=bool(two_line))
    if not rows:
        return []
    lines = _RowLines(recognizer, [_variants(gray, row) for row in rows])
    extra = (
        _RowLines(row_recognizer, [_row_crops(gray, row) for row in rows])
        if row_recognizer
        else None
    )
    weights = [1.0] * lines.width + [ROW_NETWORK_WEIGHT] * (extra.width if extra else 0)

    def lines_of(index: int) -> list[LineProbabilities]:
        return lines.of(index) + (extra.of(index) if extra else [])

    def may_be_plate(row: TextRow) -> bool:
        return not any(box.holds_centre_of(row.box) for box in not_plates)

    blob_logps = _blob_logps(rows)
    # A short line is read as a top line only.
    readable = [i for i, row in enumerate(rows) if len(row.blobs) >= MIN_LINE_CHARS]
    stacks = _stacked_rows(rows) if two_line else []
    first: RowRead | None = None
    if readable and readable[0] == 0 and SURE_ROW is not None:
        first = _read_row(rows[0], lines_of(0), blob_logps[0], formats, weights)
        sure = bool(first.candidates) and first.candidates[0].confidence >= SURE_ROW
        one_line = all(0 not in stack for stack in stacks)  # no line above or below it
        if sure and one_line and may_be_plate(rows[0]):
            return [first]
    results = [
        first
        if i == 0 and first is not None
        else _read_row(rows[i], lines_of(i), blob_logps[i], formats, weights)
        for i in readable
    ]
    for top, bottom in stacks:
        upper_lines, lower_lines = lines_of(top), lines_of(bottom)
        if len(upper_lines) != len(lower_lines):
            continue
        # A two-line plate is read as one line: the top line's frames, then the bottom's.
        joined = [
            LineProbabilities(np.concatenate([a.probs, b.probs]), a.alphabet)
            for a, b in zip(upper_lines, lower_lines, strict=True)
        ]
        upper, lower = blob_logps[top], blob_logps[bottom]
        blobs = None if upper is None or lower is None else np.concatenate([upper, lower])
        results.append(
            _read_row(_joined(rows[top], rows[bottom]), joined, blobs, two_line, weights)
        )
    results = [r for r in results if r.candidates and may_be_plate(r.row)]
    results.sort(key=lambda r: -r.candidates[0].confidence)
    return results


# The best-located row read at least this sure is the frame's reading (see read_plates).
# Measured on the US and BR sets (336 photos): at 0.5, 0.65, 0.8 and 0.9 the same photos
# are read right and wrong as with every row read; at 0.8 every photo gets the same reading,
# BR in 12 % and US in 4 % less time a frame (median).
SURE_ROW: float | None = 0.8


class _RowLines:
    """Every row's renderings for one network, read lazily as one batch, by row."""

    def __init__(self, recognizer: Recognizer, images: list[list[Gray]]) -> None:
        self.width = len(images[0])
        flat = [image for row_images in images for image in row_images]
        self._batch = LineBatch(recognizer, flat)
        self._starts = list(itertools.accumulate((len(r) for r in images), initial=0))

    def of(self, row: int) -> list[LineProbabilities]:
        return self._batch.lines(range(self._starts[row], self._starts[row + 1]))


def _read_row(
    row: TextRow,
    lines: list[LineProbabilities],
    blob_logp: np.ndarray | None,
    formats: Sequence[PlateFormat],
    weights: list[float],
) -> RowRead:
    """A row's readings: each rendering decoded under the formats, the blobs classified,
    the layouts' re-readings, every proposal ranked on all the evidence."""
    reads = [best for line in lines if (best := _best_decode(line, formats))]
    blob_read = _blob_decode(blob_logp, formats)
    weight = 0.5 + 0.5 * row.score
    proposals = reads + ([blob_read] if blob_read else [])
    proposals += _layout_readings(lines, proposals, formats)
    return RowRead(row, _rescore(lines, blob_logp, proposals, weight, weights, formats))


def _stacked_rows(rows: list[TextRow]) -> list[tuple[int, int]]:
    """Pairs of rows (top, bottom) that may be the two lines of one plate."""
    pairs = itertools.permutations(enumerate(rows), 2)
    return [(i, j) for (i, top), (j, bottom) in pairs if stacked(top, bottom)]


def _joined(top: TextRow, bottom: TextRow) -> TextRow:
    """The two lines of a plate as one row: their box together, the less sure score."""
    x, y = min(top.box.x, bottom.box.x), top.box.y
    right = max(top.box.x + top.box.w, bottom.box.x + bottom.box.w)
    box = Box(x, y, right - x, bottom.box.y + bottom.box.h - y)
    return TextRow(box, top.blobs + bottom.blobs, top.inverted, min(top.score, bottom.score))


def plate_box(row: TextRow) -> Box:
    """The plate around its text row (rows hold the characters only)."""
    box = row.box
    return Box(
        max(0, box.x - box.h // 2),
        max(0, box.y - box.h // 3),
        box.w + box.h,
        box.h + 2 * (box.h // 3),
    )


def merge_candidates(rows: list[RowRead], limit: int = 8) -> list[PlateCandidate]:
    seen: dict[str, PlateCandidate] = {}
    for row in rows:
        for candidate in row.candidates:
            if candidate.text not in seen or seen[candidate.text].confidence < candidate.confidence:
                seen[candidate.text] = candidate
    return sorted(seen.values(), key=lambda c: -c.confidence)[:limit]

"""Chinese licence plates: where they are (by their colour), what they say (province
character included) and their colour.

Recognition runs PP-OCRv4's Chinese recognition network (ONNX, Apache-2.0, shipped in the
``rapidocr-onnxruntime`` wheel; loaded once per process with ONNX Runtime, never downloaded)
and decodes its per-frame probabilities with the plate-format-constrained CTC decoding of
:mod:`gatekeeper.vision.ocr`, restricted to the plate alphabet: a province character, a
letter (no I or O), then letters and digits, or the last character of a trailer (挂), learner
(学), police (警), Hong Kong / Macau (港/澳) or consulate (领) plate. Two-line plates (yellow
trucks and trailers) are read line by line.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from gatekeeper.domain.plates import PROVINCES
from gatekeeper.vision.images import Frame
from gatekeeper.vision.ocr import LineProbabilities, decode_template
from gatekeeper.vision.threads import cpu_session
from gatekeeper.vision.types import Box

LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # I and O are not used on Chinese plates
DIGITS = "0123456789"
ALNUM = LETTERS + DIGITS
SUFFIXES = "挂学警港澳领"
PLATE_ALPHABET = PROVINCES + LETTERS + DIGITS + SUFFIXES + "使"
MODEL_HEIGHT = 48
MIN_WIDTH = 320
MODEL_FILE = "ch_PP-OCRv4_rec_infer.onnx"


@dataclass(frozen=True)
class PlateLayout:
    name: str
    classes: tuple[str, ...]
    # log prior: how much less likely than an ordinary plate, before reading it
    prior: float
    colours: tuple[str, ...]


def _t(*parts: str | tuple[str, int]) -> tuple[str, ...]:
    out: list[str] = []
    for part in parts:
        if isinstance(part, tuple):
            out += [part[0]] * part[1]
        else:
            out.append(part)
    return tuple(out)


LAYOUTS: tuple[PlateLayout, ...] = (
    PlateLayout("standard", _t(PROVINCES, LETTERS, (ALNUM, 5)), 0.0, ("blue", "yellow", "black")),
    # New-energy plates: D/F then a letter or digit and four digits (small cars), or five
    # digits then D/F (large vehicles).
    PlateLayout(
        "new_energy",
        _t(PROVINCES, LETTERS, "DF", ALNUM, (DIGITS, 4)),
        -1.0,
        ("green", "yellow_green"),
    ),
    PlateLayout(
        "new_energy_large",
        _t(PROVINCES, LETTERS, (DIGITS, 5), "DF"),
        -1.5,
        ("green", "yellow_green"),
    ),
    PlateLayout("trailer", _t(PROVINCES, LETTERS, (ALNUM, 4), "挂"), -2.0, ("yellow",)),
    PlateLayout("learner", _t(PROVINCES, LETTERS, (ALNUM, 4), "学"), -2.5, ("yellow",)),
    PlateLayout("police", _t(PROVINCES, LETTERS, (ALNUM, 4), "警"), -2.5, ("white",)),
    PlateLayout("hk_macau", _t("粤", "Z", (ALNUM, 4), "港澳"), -3.0, ("black",)),
    PlateLayout("consulate", _t(PROVINCES, LETTERS, (ALNUM, 4), "领"), -3.5, ("black",)),
    PlateLayout("embassy", _t("使", (DIGITS, 6)), -4.0, ("black",)),
)
# A colour that the layout does not have costs this much (the colour may be misjudged).
COLOUR_MISMATCH = -2.0
# Priors are in units of this much log-probability per frame of the line image.
PRIOR_SCALE = 50.0


@functools.cache
def _model_path(name: str = MODEL_FILE) -> Path | None:
    """An ONNX file inside the installed wheel, found without importing the package
    (which would pull in its own OpenCV build)."""
    spec = importlib.util.find_spec("rapidocr_onnxruntime")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / name
    return path if path.exists() else None


class ChineseRecognizer:
    """PP-OCRv4 recognition on ONNX Runtime: a line image in, (T, C) probabilities out."""

    def __init__(self, path: Path) -> None:
        self.session = cpu_session(str(path))
        characters = self.session.get_modelmeta().custom_metadata_map["character"].splitlines()
        # Index 0 is the CTC blank; the network's last class is the space.
        self.alphabet: tuple[str, ...] = ("", *characters, " ")
        self._plate_columns = np.array(
            [0] + [i for i, c in enumerate(self.alphabet) if i and c and c in PLATE_ALPHABET]
        )
        self._plate_alphabet: tuple[str, ...] = tuple(self.alphabet[i] for i in self._plate_columns)
        self._lock = threading.Lock()

    def probabilities(self, image: Frame) -> LineProbabilities:
        height, width = image.shape[:2]
        scaled = max(16, min(640, round(width * MODEL_HEIGHT / max(1, height))))
        resized = cv2.resize(image, (scaled, MODEL_HEIGHT), interpolation=cv2.INTER_LINEAR)
        if resized.ndim == 2:
            resized = cv2.cvtColor(resized, cv2.COLOR_GRAY2BGR)
        normalised = (resized.astype(np.float32) / 255.0 - 0.5) / 0.5
        if scaled < MIN_WIDTH:
            # Short lines are padded (with the normalised mid-grey) to the width the network
            # was trained on, as PaddleOCR does: it reads the last characters better.
            pad = np.zeros((MODEL_HEIGHT, MIN_WIDTH - scaled, 3), np.float32)
            normalised = np.concatenate([normalised, pad], axis=1)
        batch = normalised.transpose(2, 0, 1)[None]
        with self._lock:  # one inference at a time per session keeps the threads honest
            output = self.session.run(None, {"x": batch})[0][0]
        # Only the plate alphabet (and the blank) is kept, renormalised: decoding then works
        # on about 80 columns instead of 6,625.
        kept = output[:, self._plate_columns]
        kept /= np.maximum(kept.sum(axis=1, keepdims=True), 1e-12)
        return LineProbabilities(kept.astype(np.float32), self._plate_alphabet)


_lock = threading.Lock()
_recognizer: ChineseRecognizer | None = None


def available() -> bool:
    return _model_path() is not None


def get_chinese_recognizer() -> ChineseRecognizer:
    """The process's one recogniser (loaded on first use)."""
    global _recognizer
    with _lock:
        if _recognizer is None:
            path = _model_path()
            if path is None:
                raise RuntimeError(
                    "the Chinese plate model is not installed (pip install --no-deps "
                    "rapidocr-onnxruntime==1.4.4)"
                )
            _recognizer = ChineseRecognizer(path)
        return _recognizer


# --- colour ----------------------------------------------------------------------------------


def plate_colour(crop: Frame) -> str:
    """The plate's background colour: blue, yellow, green (new-energy: green fading to
    white), yellow_green (large new-energy), white or black.

    Blue, yellow and green plates have a saturated background and unsaturated characters:
    light characters make a blue plate whatever the light's cast; dark ones a yellow or green
    plate, by hue. A plate with little colour is white (mostly bright) or black."""
    height, width = crop.shape[:2]
    inner = crop[height // 6 : height - height // 6, width // 12 : width - width // 12]
    if inner.size == 0:
        return "white"
    hsv = cv2.cvtColor(inner, cv2.COLOR_BGR2HSV).reshape(-1, 3)
    hue, sat, val = hsv[:, 0], hsv[:, 1], hsv[:, 2]
    coloured = sat > 60
    share = float(np.count_nonzero(coloured)) / len(hsv)
    if share < 0.2:
        gray = cv2.cvtColor(inner, cv2.COLOR_BGR2GRAY)
        return "white" if float(np.median(gray)) > 110 else "black"
    background_value = float(np.median(val[coloured]))
    plain = ~coloured
    dark = float(np.count_nonzero(plain & (val < background_value * 0.7))) / len(hsv)
    light = float(np.count_nonzero(plain & (val > background_value))) / len(hsv)
    median_hue = float(np.median(hue[coloured]))
    if median_hue < 35 or median_hue > 160:
        if light > 2 * dark and light > 0.1:
            return "blue"  # light characters: a blue plate in a warm light
        left, right = inner[:, : inner.shape[1] // 3], inner[:, -inner.shape[1] // 3 :]
        if {plate_colour_simple(left), plate_colour_simple(right)} == {"yellow", "green"}:
            return "yellow_green"  # large new-energy plates: yellow one side, green the other
        return "yellow"
    if median_hue < 78 or (median_hue < 95 and dark >= light):
        if plate_colour_simple(inner[:, : inner.shape[1] // 3]) == "yellow":
            return "yellow_green"
        return "green"
    return "blue"


def plate_colour_simple(crop: Frame) -> str:
    hsv = cv2.cvtColor(crop, cv2.COLOR_BGR2HSV)
    hue = hsv[..., 0][(hsv[..., 1] > 70) & (hsv[..., 2] > 50)]
    if hue.size == 0:
        return "white"
    median = float(np.median(hue))
    if median < 35:
        return "yellow"
    if median < 95:
        return "green"
    return "blue"


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChineseRead:
    text: str
    confidence: float
    score: float  # log-probability of the reading plus the layout's prior (comparable)
    layout: str
    colour: str
    two_line: bool = False
    box: Box | None = None


def _layout_score(layout: PlateLayout, colour: str) -> float:
    return layout.prior + (0.0 if colour in layout.colours else COLOUR_MISMATCH)


def _normalised(logp: float, frames: int) -> float:
    """A path's log-probability per frame (lines of different widths compare)."""
    return logp / max(1, frames)


_SPECIAL = SUFFIXES + "使"
# A layout with a special character is tried only when the network gives that character
# at least this probability somewhere on the line (it costs a decoding pass each).
SPECIAL_EVIDENCE = 0.02


def _likely_layouts(line: LineProbabilities) -> list[PlateLayout]:
    columns = [i for i, c in enumerate(line.alphabet) if c and c in _SPECIAL]
    peaks = line.probs[:, columns].max(axis=0) if columns else np.zeros(0)
    seen = {
        line.alphabet[i] for i, peak in zip(columns, peaks, strict=True) if peak >= SPECIAL_EVIDENCE
    }
    return [
        layout
        for layout in LAYOUTS
        if not (set("".join(layout.classes)) & set(_SPECIAL)) or set("".join(layout.classes)) & seen
    ]


def read_one_line(
    crop: Frame, recognizer: ChineseRecognizer, colour: str | None = None
) -> ChineseRead | None:
    colour = colour or plate_colour(crop)
    line = recognizer.probabilities(crop)
    best: ChineseRead | None = None
    for layout in _likely_layouts(line):
        decoded = decode_template(line, layout.classes)
        if decoded is None:
            continue
        score = (
            _normalised(decoded.path_logp, line.probs.shape[0])
            + _layout_score(layout, colour) / PRIOR_SCALE
        )
        if best is None or score > best.score:
            best = ChineseRead(decoded.text, decoded.confidence, score, layout.name, colour)
    return best


def read_two_lines(
    crop: Frame, recognizer: ChineseRecognizer, colour: str | None = None
) -> ChineseRead | None:
    """A two-line plate: the province and letter small on top, the rest large below."""
    colour = colour or plate_colour(crop)
    height = crop.shape[0]
    best: ChineseRead | None = None
    for split in (0.36, 0.42):
        top = crop[: int(height * split) + 1]
        bottom = crop[int(height * (split - 0.04)) :]
        # The top line is narrow text in the middle of a wide crop: trim its sides.
        width = top.shape[1]
        top = top[:, width // 5 : width - width // 5]
        top_line = recognizer.probabilities(top)
        head = decode_template(top_line, (PROVINCES, LETTERS))
        if head is None:
            continue
        bottom_line = recognizer.probabilities(bottom)
        for classes, name, prior in (
            (_t((ALNUM, 5)), "standard", 0.0),
            (_t((ALNUM, 4), "挂"), "trailer", -1.0),
            (_t((ALNUM, 4), "学"), "learner", -2.0),
        ):
            tail = decode_template(bottom_line, classes)
            if tail is None:
                continue
            score = (
                _normalised(head.path_logp, top_line.probs.shape[0])
                + _normalised(tail.path_logp, bottom_line.probs.shape[0])
            ) / 2 + prior / PRIOR_SCALE
            confidence = math.sqrt(head.confidence * tail.confidence)
            if best is None or score > best.score:
                best = ChineseRead(
                    head.text + tail.text, confidence, score, name, colour, two_line=True
                )
    return best


def read_crop(crop: Frame, recognizer: ChineseRecognizer | None = None) -> ChineseRead | None:
    """A plate crop (the plate's box, a little margin) read as a Chinese plate: one line,
    or two where the crop is tall for a plate."""
    recognizer = recognizer or get_chinese_recognizer()
    if crop.ndim == 2:
        crop = cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)
    colour = plate_colour(crop)
    height, width = crop.shape[:2]
    ratio = width / max(1, height)
    reads = []
    if ratio >= 2.3:
        reads.append(read_one_line(crop, recognizer, colour))
    if ratio < 3.0:
        reads.append(read_two_lines(crop, recognizer, colour))
    found = [r for r in reads if r is not None]
    return max(found, key=lambda r: r.score) if found else None


# --- where the plates are --------------------------------------------------------------------

DETECTOR_FILE = "ch_PP-OCRv4_det_infer.onnx"
DETECT_SIDE = 736  # the long side the text detector sees (a multiple of 32)
_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_STD = np.array([0.229, 0.224, 0.225], np.float32)


class TextDetector:
    """PP-OCRv4's text detector (DB, ONNX): where the lines of text are in a frame."""

    def __init__(self, path: Path) -> None:
        self.session = cpu_session(str(path))
        self._lock = threading.Lock()

    def lines(self, frame: Frame, limit: int = 12) -> list[NDArray[np.float32]]:
        """Each text line as the four corners of its rotated box (frame pixels), largest
        first, widened as DB's shrunk kernels are (about half a line height all round)."""
        height, width = frame.shape[:2]
        ratio = min(1.0, DETECT_SIDE / max(height, width))
        new_h = max(32, round(height * ratio / 32) * 32)
        new_w = max(32, round(width * ratio / 32) * 32)
        image = cv2.resize(frame, (new_w, new_h)).astype(np.float32) / 255.0
        batch = ((image - _MEAN) / _STD).transpose(2, 0, 1)[None]
        with self._lock:
            probability = self.session.run(None, {"x": batch})[0][0, 0]
        mask = (probability > 0.3).astype(np.uint8)
        contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        found: list[tuple[float, NDArray[np.float32]]] = []
        for contour in contours:
            if cv2.contourArea(contour) < 16:
                continue
            (cx, cy), (rw, rh), angle = cv2.minAreaRect(contour)
            grow = 0.9 * min(rw, rh) + 4
            points = cv2.boxPoints(((cx, cy), (rw + grow, rh + grow), angle))
            points[:, 0] *= width / new_w
            points[:, 1] *= height / new_h
            found.append((rw * rh, points.astype(np.float32)))
        found.sort(key=lambda item: -item[0])
        return [points for _area, points in found[:limit]]


_detector: TextDetector | None = None


def get_text_detector() -> TextDetector:
    global _detector
    with _lock:
        if _detector is None:
            path = _model_path(DETECTOR_FILE)
            if path is None:
                raise RuntimeError("the text detector model is not installed")
            _detector = TextDetector(path)
        return _detector


def _ordered(points: NDArray[np.float32]) -> NDArray[np.float32]:
    """Corners as top-left, top-right, bottom-right, bottom-left, the long side across."""
    centre = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    pts = points[np.argsort(angles)]  # clockwise from the left-most upper corner
    start = int(np.argmin(pts.sum(axis=1)))
    pts = np.roll(pts, -start, axis=0)
    if np.linalg.norm(pts[0] - pts[1]) < np.linalg.norm(pts[1] - pts[2]):
        pts = np.roll(pts, -1, axis=0)  # a tall box: its long side becomes the top
    return pts.astype(np.float32)


def rectified(frame: Frame, points: NDArray[np.float32], pad: float = 0.0) -> Frame:
    """The region of a rotated box, warped upright (``pad``: margin, a share of height)."""
    pts = _ordered(points)
    width = float(max(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[3] - pts[2])))
    height = float(max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2])))
    if width < 8 or height < 6:
        return frame[0:0]
    margin = height * pad
    target = np.array(
        [
            [margin, margin],
            [width + margin, margin],
            [width + margin, height + margin],
            [margin, height + margin],
        ],
        np.float32,
    )
    matrix = cv2.getPerspectiveTransform(pts, target)
    size = (round(width + 2 * margin), round(height + 2 * margin))
    return cv2.warpPerspective(frame, matrix, size, borderMode=cv2.BORDER_REPLICATE)


def _widened(points: NDArray[np.float32], share: float = 0.3) -> NDArray[np.float32]:
    """The box stretched along its length (the detector may leave out the province
    character, set apart by the plate's dot or rivets)."""
    pts = _ordered(points)
    along = (pts[1] - pts[0]) * share / 2
    return np.array([pts[0] - along, pts[1] + along, pts[2] + along, pts[3] - along], np.float32)


def _box_of(points: NDArray[np.float32]) -> Box:
    x, y = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    return Box(int(x), int(y), int(x1 - x), int(y1 - y))


def _two_line_pairs(lines: list[NDArray[np.float32]]) -> list[NDArray[np.float32]]:
    """A short line just above a longer one, centred over it: a two-line plate's rows,
    returned as the corners of both together."""
    pairs = []
    boxes = [_box_of(points) for points in lines]
    for i, top in enumerate(boxes):
        for j, bottom in enumerate(boxes):
            if i == j or not top.w < bottom.w * 0.9 or top.h > bottom.h * 1.1:
                continue
            gap = bottom.y - (top.y + top.h)
            centre_shift = abs((top.x + top.w / 2) - (bottom.x + bottom.w / 2))
            if -top.h * 0.6 <= gap <= top.h * 0.8 and centre_shift < bottom.w * 0.25:
                x0, y0 = min(top.x, bottom.x), top.y
                x1, y1 = max(top.x + top.w, bottom.x + bottom.w), bottom.y + bottom.h
                pairs.append(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32))
    return pairs


MIN_CONFIDENCE = 0.35
MAX_LINE_ASPECT = 9.0
SURE = 0.9


def find_and_read(
    frame: Frame,
    recognizer: ChineseRecognizer | None = None,
    detector: TextDetector | None = None,
) -> list[ChineseRead]:
    """Every Chinese plate read in the frame, best first. A frame that is itself a plate
    crop (plate-shaped and small) is read whole; otherwise the text detector's lines are
    read, and a short line over a longer one as a two-line plate."""
    recognizer = recognizer or get_chinese_recognizer()
    height, width = frame.shape[:2]
    reads: list[ChineseRead] = []
    if width <= 400 and 2.0 <= width / max(1, height) <= 6.0:
        whole = read_crop(frame, recognizer)
        if whole is not None:
            reads.append(whole)
    else:
        detector = detector or get_text_detector()
        lines = detector.lines(frame)
        for points in lines:
            box = _box_of(points)
            if box.h < 8:
                continue
            for crop in (rectified(frame, points), rectified(frame, _widened(points))):
                if crop.size == 0 or not 1.5 <= crop.shape[1] / crop.shape[0] <= MAX_LINE_ASPECT:
                    continue  # not a plate's line (a word, or a long line of text)
                read = read_one_line(crop, recognizer, plate_colour(crop))
                if read is not None:
                    reads.append(replace(read, box=box))
                    if read.confidence >= SURE:
                        break  # the widened crop is for a line cut short
        for points in _two_line_pairs(lines):
            crop = rectified(frame, points)
            if crop.size:
                read = read_two_lines(crop, recognizer, plate_colour(crop))
                if read is not None:
                    reads.append(replace(read, box=_box_of(points)))
    best: dict[str, ChineseRead] = {}
    for read in sorted(reads, key=lambda r: -r.score):
        if read.confidence >= MIN_CONFIDENCE:
            best.setdefault(read.text, read)
    return list(best.values())

"""Generated orange hazard plates composited onto real photos, for tests and benchmarks.

An ADR orange plate is 400 x 300 mm with a 15 mm black border and a 15 mm black bar across
the middle; its digits are 100 mm high with 15 mm strokes. We draw it at 1 px per mm with
real HIN/UN pairs from the dangerous-goods list, warp it in perspective, place it on a
photo and add blur, glare, dirt and night noise.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from gatekeeper.vision.images import jpeg_roundtrip
from gatekeeper.vision.reference import DATA_DIR
from gatekeeper.vision.types import Box

BOLD_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf"),
)


@dataclass(frozen=True)
class HazardSample:
    image: NDArray[Any]
    hin: str
    un: str
    box: Box


def real_pairs() -> list[tuple[str, str]]:
    """Every (HIN, UN) pair the dangerous-goods list allows."""
    with (DATA_DIR / "dangerous_goods.csv").open(newline="", encoding="utf-8") as handle:
        return [
            (hin, row["un_number"])
            for row in csv.DictReader(handle)
            for hin in row["hazard_id_numbers"].split("|")
            if hin
        ]


def _text(plate: NDArray[Any], text: str, centre_y: int, rng: np.random.Generator) -> None:
    fonts = [f for f in BOLD_FONTS if f.exists()]
    if fonts:
        from PIL import Image, ImageDraw, ImageFont

        face = ImageFont.truetype(str(fonts[int(rng.integers(len(fonts)))]), 128)
        layer = Image.new("L", (400, 300), 0)
        draw = ImageDraw.Draw(layer)
        box = draw.textbbox((0, 0), text, font=face)
        width, height = int(box[2] - box[0]), int(box[3] - box[1])
        scale_x = min(1.0, 330 / width)
        glyphs = Image.new("L", (width + 4, height + 4), 0)
        ImageDraw.Draw(glyphs).text((2 - box[0], 2 - box[1]), text, font=face, fill=255)
        glyphs = glyphs.resize((max(1, int(width * scale_x)), 100))
        layer.paste(glyphs, ((400 - glyphs.width) // 2, centre_y - 50))
        mask = np.array(layer) > 127
    else:  # no TrueType fonts on this machine: OpenCV's own face
        mask_image = np.zeros((300, 400), np.uint8)
        (width, height), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, 3.4, 14)
        origin = ((400 - width) // 2, centre_y + height // 2)
        cv2.putText(mask_image, text, origin, cv2.FONT_HERSHEY_DUPLEX, 3.4, 255, 14, cv2.LINE_AA)
        mask = mask_image > 127
    plate[mask] = (20, 20, 20)


def draw_plate(hin: str, un: str, rng: np.random.Generator) -> NDArray[Any]:
    orange = np.array([rng.uniform(0, 30), rng.uniform(95, 150), rng.uniform(215, 255)])
    plate = np.empty((300, 400, 3), np.uint8)
    plate[:] = orange.astype(np.uint8)
    cv2.rectangle(plate, (0, 0), (399, 299), (15, 15, 15), 15 * 2)
    cv2.rectangle(plate, (0, 142), (399, 157), (15, 15, 15), -1)
    _text(plate, hin, 75, rng)
    _text(plate, un, 225, rng)
    return plate


def _place(
    photo: NDArray[Any], plate: NDArray[Any], rng: np.random.Generator
) -> tuple[NDArray[Any], Box]:
    h, w = photo.shape[:2]
    width = int(rng.uniform(70, 220) * w / 1280)
    height = int(width * 0.75 * rng.uniform(0.9, 1.1))
    x = int(rng.integers(0, max(1, w - width - 1)))
    y = int(rng.integers(h // 4, max(h // 4 + 1, h - height - 1)))
    jitter = 0.08
    corners = np.array([[0, 0], [400, 0], [400, 300], [0, 300]], dtype=np.float32)
    target = np.array(
        [
            [x + rng.uniform(-jitter, jitter) * width, y + rng.uniform(-jitter, jitter) * height],
            [
                x + width * (1 + rng.uniform(-jitter, jitter)),
                y + rng.uniform(-jitter, jitter) * height,
            ],
            [
                x + width * (1 + rng.uniform(-jitter, jitter)),
                y + height * (1 + rng.uniform(-jitter, jitter)),
            ],
            [
                x + rng.uniform(-jitter, jitter) * width,
                y + height * (1 + rng.uniform(-jitter, jitter)),
            ],
        ],
        dtype=np.float32,
    )
    matrix = cv2.getPerspectiveTransform(corners, target)
    warped = cv2.warpPerspective(plate, matrix, (w, h))
    mask = cv2.warpPerspective(np.full((300, 400), 255, np.uint8), matrix, (w, h)) > 0
    out = photo.copy()
    out[mask] = warped[mask]
    xs, ys = target[:, 0], target[:, 1]
    return out, Box(
        int(xs.min()), int(ys.min()), int(xs.max() - xs.min()), int(ys.max() - ys.min())
    )


def _weather(image: NDArray[Any], box: Box, rng: np.random.Generator) -> NDArray[Any]:
    out: NDArray[Any] = image.astype(np.float64)
    if rng.random() < 0.3:  # glare: a bright spot over part of the plate
        yy, xx = np.mgrid[0 : out.shape[0], 0 : out.shape[1]]
        cx, cy = box.x + rng.uniform(0, box.w), box.y + rng.uniform(0, box.h)
        spot = np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * (0.25 * box.w) ** 2)))
        out += (rng.uniform(40, 110) * spot)[..., None]
    if rng.random() < 0.3:  # dirt: dark specks on the plate
        for _ in range(int(rng.integers(3, 12))):
            centre = (int(box.x + rng.uniform(0, box.w)), int(box.y + rng.uniform(0, box.h)))
            cv2.circle(out, centre, max(1, int(rng.uniform(0.01, 0.04) * box.w)), (40, 40, 40), -1)
    if rng.random() < 0.25:  # night: dark, noisy
        out = out * rng.uniform(0.35, 0.6) + rng.normal(0, rng.uniform(4, 12), out.shape)
    sigma = rng.uniform(0, 1.4)
    if sigma > 0.3:
        out = cv2.GaussianBlur(out, (0, 0), sigma)
    return jpeg_roundtrip(np.clip(out, 0, 255).astype(np.uint8), int(rng.integers(55, 95)))


def generate(
    backgrounds: Sequence[Path],
    count: int,
    seed: int,
    draw: Callable[[str, str, np.random.Generator], NDArray[Any]],
    place: Callable[[NDArray[Any], NDArray[Any], np.random.Generator], tuple[NDArray[Any], Box]],
    spoil: Callable[[NDArray[Any], Box, np.random.Generator], NDArray[Any]],
) -> Iterator[HazardSample]:
    """``count`` photos, each with one plate (real HIN/UN pairs) drawn, placed and spoilt
    by the given generator's functions."""
    rng = np.random.default_rng(seed)
    pairs = real_pairs()
    for _ in range(count):
        hin, un = pairs[int(rng.integers(len(pairs)))]
        path = backgrounds[int(rng.integers(len(backgrounds)))]
        photo = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if photo is None:
            raise ValueError(f"unreadable background photo {path}")
        image, box = place(photo, draw(hin, un, rng), rng)
        yield HazardSample(spoil(image, box, rng), hin, un, box)


def hazard_samples(
    backgrounds: Sequence[Path], count: int, seed: int = 1
) -> Iterator[HazardSample]:
    """``count`` photos, each with one generated orange plate on it."""
    return generate(backgrounds, count, seed, draw_plate, _place, _weather)

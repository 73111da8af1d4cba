"""A second orange-plate generator, written on other assumptions than
:mod:`gatekeeper.vision.synthetic`, to tell whether the reader fits its own generator.

Same ADR 5.3.2.2 geometry (400 x 300 mm, 15 mm border and middle bar, 100 mm digits), but:
other typefaces (URW Nimbus Sans / Nimbus Sans Narrow, Roboto Condensed, URW Gothic,
FreeSans), drawn with PIL at 2 px per mm; the orange anywhere from RAL 2005 (luminous orange)
to a faded RAL 2011 (deep orange bleached by the sun); plates from 40 to 400 px wide, turned
up to 35 degrees about the vertical axis and 10 in the image plane; reflective glare as a
streak; mud splashed from the bottom; partial occlusion at an edge (a ladder, a hose, a
shadow of up to a sixth of the plate); JPEG quality from 20 to 70; the photos of the
benchmark sets as backgrounds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from gatekeeper.vision.images import jpeg_roundtrip
from gatekeeper.vision.synthetic import HazardSample, generate
from gatekeeper.vision.types import Box

FONTS = (
    Path("/usr/share/fonts/opentype/urw-base35/NimbusSans-Bold.otf"),
    Path("/usr/share/fonts/opentype/urw-base35/NimbusSansNarrow-Bold.otf"),
    Path("/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Bold.ttf"),
    Path("/usr/share/fonts/opentype/urw-base35/URWGothic-Demi.otf"),
    Path("/usr/share/fonts/truetype/freefont/FreeSansBold.ttf"),
)
# RGB: RAL 2005 luminous orange, RAL 2011 deep orange, and RAL 2011 faded by the sun.
RAL_2005 = np.array([255, 75, 17], np.float64)
RAL_2011 = np.array([236, 124, 38], np.float64)
FADED_2011 = np.array([232, 168, 120], np.float64)
MM = 2  # pixels per millimetre of the drawn plate


def _orange(rng: np.random.Generator) -> tuple[int, int, int]:
    a, b = rng.uniform(0, 1), rng.uniform(0, 0.7)
    rgb = (1 - a) * RAL_2005 + a * RAL_2011
    rgb = (1 - b) * rgb + b * FADED_2011
    return int(rgb[0]), int(rgb[1]), int(rgb[2])


def draw_plate(hin: str, un: str, rng: np.random.Generator) -> NDArray[Any]:
    """The plate as an RGB array (800 x 600 px)."""
    width, height = 400 * MM, 300 * MM
    plate = Image.new("RGB", (width, height), _orange(rng))
    draw = ImageDraw.Draw(plate)
    black = (int(rng.integers(5, 40)),) * 3
    border = 15 * MM
    draw.rectangle((0, 0, width - 1, height - 1), outline=black, width=border)
    draw.rectangle((0, height // 2 - border // 2, width, height // 2 + border // 2), fill=black)
    fonts = [f for f in FONTS if f.exists()]
    face_path = fonts[int(rng.integers(len(fonts)))] if fonts else None
    for text, centre in ((hin, height // 4 + border // 4), (un, 3 * height // 4 - border // 4)):
        size = 100 * MM
        face = (
            ImageFont.truetype(str(face_path), int(size * 1.35))
            if face_path
            else ImageFont.load_default()
        )
        box = [int(v) for v in draw.textbbox((0, 0), text, font=face)]
        glyphs = Image.new("L", (box[2] - box[0] + 8, box[3] - box[1] + 8), 0)
        ImageDraw.Draw(glyphs).text((4 - box[0], 4 - box[1]), text, font=face, fill=255)
        scale = size / max(1, glyphs.height)
        new_w = min(int(glyphs.width * scale), width - 2 * border - 20 * MM)
        glyphs = glyphs.resize((max(1, new_w), size))
        plate.paste(black, ((width - glyphs.width) // 2, centre - size // 2), glyphs)
    return np.array(plate)[:, :, ::-1].copy()  # BGR as OpenCV keeps images


def _place(
    photo: NDArray[Any], plate: NDArray[Any], rng: np.random.Generator
) -> tuple[NDArray[Any], Box]:
    h, w = photo.shape[:2]
    width = int(rng.uniform(40, 400))
    width = min(width, int(w * 0.6))
    yaw = np.radians(rng.uniform(-35, 35))
    roll = np.radians(rng.uniform(-10, 10))
    ph, pw = plate.shape[:2]
    # A plate turned about the vertical axis: one side nearer (taller) than the other.
    shrink = abs(np.sin(yaw)) * 0.25
    half_w, half_h = width * np.cos(yaw) / 2, width * 0.75 / 2
    near, far = half_h * (1 + shrink), half_h * (1 - shrink)
    left_h, right_h = (near, far) if yaw > 0 else (far, near)
    cx = rng.uniform(half_w + 2, max(half_w + 3, w - half_w - 2))
    cy = rng.uniform(max(near + 2, h * 0.2), max(near + 3, h - near - 2))
    corners = np.array(
        [[-half_w, -left_h], [half_w, -right_h], [half_w, right_h], [-half_w, left_h]]
    )
    turn = np.array([[np.cos(roll), -np.sin(roll)], [np.sin(roll), np.cos(roll)]])
    target = (corners @ turn.T + [cx, cy]).astype(np.float32)
    source = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, target)
    warped = cv2.warpPerspective(plate, matrix, (w, h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), matrix, (w, h))
    alpha = (cv2.GaussianBlur(mask, (3, 3), 0).astype(np.float64) / 255.0)[..., None]
    out = (photo * (1 - alpha) + warped * alpha).astype(np.uint8)
    xs, ys = target[:, 0], target[:, 1]
    x0, y0 = max(0, int(xs.min())), max(0, int(ys.min()))
    return out, Box(x0, y0, int(min(w, xs.max()) - x0), int(min(h, ys.max()) - y0))


def _spoil(image: NDArray[Any], box: Box, rng: np.random.Generator) -> NDArray[Any]:
    out = image.astype(np.float64)
    if rng.random() < 0.35:  # reflective glare: a bright diagonal streak
        yy, xx = np.mgrid[0 : out.shape[0], 0 : out.shape[1]]
        angle = rng.uniform(0, np.pi)
        offset = (xx - box.x - box.w / 2) * np.cos(angle) + (yy - box.y - box.h / 2) * np.sin(angle)
        streak = np.exp(
            -((offset - rng.uniform(-0.3, 0.3) * box.w) ** 2) / (2 * (0.08 * box.w + 1) ** 2)
        )
        out += (rng.uniform(60, 150) * streak)[..., None]
    if rng.random() < 0.35:  # mud splashed up from the road
        for _ in range(int(rng.integers(5, 25))):
            x = int(box.x + rng.uniform(0, box.w))
            y = int(box.y + box.h * rng.uniform(0.55, 1.0))
            radius = max(1, int(rng.uniform(0.01, 0.05) * box.w))
            cv2.circle(out, (x, y), radius, (35, 55, 75), -1)
    if rng.random() < 0.25:  # partial occlusion at one edge, a sixth of the plate at most
        side = int(rng.integers(4))
        depth = rng.uniform(0.05, 0.16)
        shade = (float(rng.uniform(20, 90)),) * 3
        x0, y0, x1, y1 = box.x, box.y, box.x + box.w, box.y + box.h
        if side == 0:
            x1 = int(box.x + box.w * depth)
        elif side == 1:
            x0 = int(x1 - box.w * depth)
        elif side == 2:
            y1 = int(box.y + box.h * depth * 0.6)
        else:
            y0 = int(y1 - box.h * depth * 0.6)
        cv2.rectangle(out, (x0, y0), (x1, y1), shade, -1)
    if rng.random() < 0.2:  # dusk
        out = out * rng.uniform(0.4, 0.7) + rng.normal(0, rng.uniform(3, 10), out.shape)
    return jpeg_roundtrip(np.clip(out, 0, 255).astype(np.uint8), int(rng.integers(20, 71)))


def hazard_samples(
    backgrounds: Sequence[Path], count: int, seed: int = 2
) -> Iterator[HazardSample]:
    """``count`` photos, each with one plate from this generator on it."""
    return generate(backgrounds, count, seed, draw_plate, _place, _spoil)

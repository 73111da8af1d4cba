"""Generated licence-plate text rows, cut out and degraded the way the pipeline sees them.

A sample is a whole plate drawn from scratch (light or dark background, picture elements,
state or country name above, slogan below, frame, stickers, dashes or logos between the
character groups, condensed and regular sans-serif faces, half of them monospaced as US
plate faces are, which squeezes M and W hard), warped slightly, placed on a
car-coloured surround, then cut around its character row with the margins the locator
leaves (sometimes with part of the frame or a neighbouring graphic) and shrunk to the
9-30 px a plate character has in a gate camera frame, blurred, noised and JPEG-compressed.
No photo is used.

Needs Debian's fonts-dejavu-core, fonts-liberation, fonts-roboto, fonts-urw-base35 and
fonts-freefont-ttf (missing faces are skipped; DejaVu alone still works).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from gatekeeper.vision.formats import DIGITS, LETTERS
from gatekeeper.vision.images import equalize_contrast, jpeg_roundtrip

PLATE_FONTS = (
    "truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
    "truetype/dejavu/DejaVuSansCondensed.ttf",
    "truetype/dejavu/DejaVuSans-Bold.ttf",
    "truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "truetype/liberation/LiberationSansNarrow-Bold.ttf",
    "truetype/liberation/LiberationSansNarrow-Regular.ttf",
    "truetype/liberation/LiberationSans-Bold.ttf",
    "truetype/liberation/LiberationMono-Bold.ttf",
    "truetype/roboto/unhinted/RobotoCondensed-Bold.ttf",
    "truetype/roboto/unhinted/RobotoCondensed-Medium.ttf",
    "truetype/roboto/unhinted/RobotoCondensed-Regular.ttf",
    "opentype/urw-base35/NimbusSansNarrow-Bold.otf",
    "opentype/urw-base35/NimbusSansNarrow-Regular.otf",
    "opentype/urw-base35/NimbusSans-Bold.otf",
    "truetype/freefont/FreeSansBold.ttf",
)
NAME_FONTS = (
    "truetype/dejavu/DejaVuSerif-Bold.ttf",
    "truetype/dejavu/DejaVuSans-BoldOblique.ttf",
    "truetype/liberation/LiberationSerif-BoldItalic.ttf",
    "opentype/urw-base35/C059-Bold.otf",
    "opentype/urw-base35/P052-Bold.otf",
    *PLATE_FONTS[:3],
)
FONT_ROOT = Path("/usr/share/fonts")
NAMES = (
    "ARIZONA", "California", "ILLINOIS", "New Jersey", "TEXAS", "FLORIDA", "Washington",
    "INDIANA", "OHIO", "Georgia", "NEVADA", "Oregon", "MICHIGAN", "BRASIL", "Colorado",
    "UTAH", "VIRGINIA", "Maryland", "Sunshine State", "GRAND CANYON STATE", "Land of Lincoln",
)  # fmt: skip
SLOGANS = ("moving forward", "DEALER", "GARDEN STATE", "COLLECTOR", "Lone Star State", "")
CHAR_HEIGHT = 60  # px at which plates are drawn before the camera shrinks them


@cache
def _faces(names: tuple[str, ...]) -> tuple[str, ...]:
    found = tuple(str(FONT_ROOT / n) for n in names if (FONT_ROOT / n).exists())
    if not found:
        raise RuntimeError("no plate fonts found: install fonts-dejavu-core")
    return found


@cache
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def random_text(rng: np.random.Generator) -> tuple[list[str], str]:
    """Character groups of a plausible plate (US-like, Brazilian or European) and the style
    of separator between them."""
    kind = rng.random()

    def pick(pool: str, n: int) -> str:
        return "".join(rng.choice(list(pool), n))

    if kind < 0.55:  # US: two groups of letters and digits in many state layouts
        pattern = str(
            rng.choice(
                ["NLLLNNN", "LLLNNNN", "LLNNNN", "NNNLLL", "LLLNNN", "NLLNNN", "AAAAAAA",
                 "AAAAAA", "AAAAA", "NNNNNNN", "LLNLLNN", "NNLLLN"]
            )
        )  # fmt: skip
        text = "".join(
            pick({"L": LETTERS, "N": DIGITS, "A": LETTERS + DIGITS}[s], 1) for s in pattern
        )
        cut = int(rng.integers(2, len(text) - 1))
        groups = [text[:cut], text[cut:]] if rng.random() < 0.8 else [text]
    elif kind < 0.75:  # Brazil: LLL-NNNN or Mercosur LLLNLNN
        if rng.random() < 0.5:
            groups = [pick(LETTERS, 3), pick(DIGITS, 4)]
        else:
            groups = [pick(LETTERS, 3) + pick(DIGITS, 1) + pick(LETTERS, 1) + pick(DIGITS, 2)]
    else:  # Europe: letters, digits, letters in two or three groups
        groups = [pick(LETTERS, int(rng.integers(1, 3))), pick(DIGITS, int(rng.integers(1, 5)))]
        if rng.random() < 0.6:
            groups.append(pick(LETTERS, int(rng.integers(1, 3))))
    separator = str(rng.choice(["space", "dash", "dot", "sticker", "logo", "none"]))
    return groups, separator


def _colour(rng: np.random.Generator, low: int, high: int) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(low, high, 3))  # type: ignore[return-value]


@dataclass(frozen=True)
class PlateLine:
    image: NDArray[Any]  # grayscale crop of the character row, plate-camera sized
    text: str


def _draw_plate(
    groups: list[str], separator: str, rng: np.random.Generator
) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """The plate in colour, and the box of its character row."""
    h = CHAR_HEIGHT
    face = _font(str(rng.choice(_faces(PLATE_FONTS))), int(h * 1.3))
    squeeze = float(rng.uniform(0.7, 1.1))
    spacing = float(rng.uniform(0.0, 0.18)) * h
    dark = rng.random() < 0.15
    paper = _colour(rng, 20, 90) if dark else _colour(rng, 170, 256)
    ink = _colour(rng, 200, 256) if dark else _colour(rng, 0, 110)
    # Characters drawn one by one, each squeezed to the face's condensed width. Half the
    # plates are monospaced, as most US plate faces are: every character gets one narrow
    # cell, so M and W come out far more condensed than the other letters.
    cell = int(h * rng.uniform(0.42, 0.6)) if rng.random() < 0.5 else 0
    glyphs: list[Image.Image | None] = []
    for index, group in enumerate(groups):
        if index:
            glyphs.append(None)  # the separator's place
        for char in group:
            left, upper, right, lower = (int(v) for v in face.getbbox(char))
            drawn = Image.new("L", (right - left + 4, lower - upper + 4), 0)
            ImageDraw.Draw(drawn).text((2 - left, 2 - upper), char, font=face, fill=255)
            width = max(4, int(drawn.width * squeeze))
            if not cell:
                glyphs.append(drawn.resize((width, h)))
                continue
            width = min(width, cell)
            boxed = Image.new("L", (cell, h), 0)
            boxed.paste(drawn.resize((width, h)), ((cell - width) // 2, 0))
            glyphs.append(boxed)
    gap = {"space": 0.45, "dash": 0.55, "dot": 0.4, "sticker": 0.7, "logo": 0.8, "none": 0.1}
    sep_w = int(gap[separator] * h * rng.uniform(0.7, 1.3))
    row_w = int(sum(g.width + spacing if g else sep_w for g in glyphs))
    margin_x, top, bottom = int(h * rng.uniform(0.5, 1.2)), int(h * 0.9), int(h * 0.8)
    width, height = row_w + 2 * margin_x, h + top + bottom
    plate = Image.new("RGB", (width, height), paper)
    draw = ImageDraw.Draw(plate)
    for _ in range(int(rng.integers(0, 4))):  # picture elements behind the characters
        px, py = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(rng.integers(h // 4, h))
        shade = _colour(rng, 60, 256)
        shape = [px - r, py - r // 2, px + r, py + r // 2]
        draw.ellipse(shape, fill=shade) if rng.random() < 0.5 else draw.rectangle(shape, fill=shade)
    name_face = _font(str(rng.choice(_faces(NAME_FONTS))), int(h * rng.uniform(0.3, 0.55)))
    name_ink = _colour(rng, 0, 200)
    draw.text(
        (width / 2, top * 0.45), str(rng.choice(NAMES)), font=name_face, fill=name_ink, anchor="mm"
    )
    slogan = str(rng.choice(SLOGANS))
    if slogan:
        draw.text(
            (width / 2, height - bottom * 0.45), slogan, font=name_face, fill=name_ink, anchor="mm"
        )
    x = float(margin_x)
    for glyph in glyphs:
        if glyph is None:
            cx, cy = int(x + sep_w / 2), top + h // 2
            if separator == "dash":
                draw.rectangle([cx - h // 6, cy - h // 14, cx + h // 6, cy + h // 14], fill=ink)
            elif separator == "dot":
                draw.ellipse([cx - h // 12, cy - h // 12, cx + h // 12, cy + h // 12], fill=ink)
            elif separator == "sticker":
                s = int(h * rng.uniform(0.15, 0.3))
                draw.rectangle([cx - s, cy - s, cx + s, cy + s], fill=_colour(rng, 0, 256))
            elif separator == "logo":
                s = int(h * rng.uniform(0.25, 0.4))
                draw.ellipse(
                    [cx - s, cy - int(1.4 * s), cx + s, cy + int(1.4 * s)],
                    fill=_colour(rng, 0, 256),
                )
            x += sep_w
            continue
        plate.paste(Image.new("RGB", glyph.size, ink), (int(x), top), glyph)
        x += glyph.width + spacing
    if rng.random() < 0.4:  # a picture at the start of the row (Arizona's cactus, a logo)
        s = int(h * rng.uniform(0.2, 0.35))
        cx, cy = int(margin_x * rng.uniform(0.3, 0.7)), top + int(h * rng.uniform(0.4, 0.7))
        shade = _colour(rng, 0, 200)
        draw.ellipse([cx - s, cy - s, cx + s, cy + s], outline=shade, width=max(2, s // 3))
        draw.line([cx, cy - s, cx, top + h], fill=shade, width=max(2, s // 3))
    frame = int(h * rng.uniform(0.02, 0.25))
    draw.rectangle([0, 0, width - 1, height - 1], outline=_colour(rng, 0, 256), width=frame)
    return plate, (margin_x, top, margin_x + row_w, top + h)


def _warp(
    image: NDArray[Any], box: tuple[int, int, int, int], rng: np.random.Generator
) -> tuple[NDArray[Any], tuple[int, int, int, int]]:
    """Small rotation, shear and perspective on a car-coloured surround; the character row's
    box follows."""
    h, w = image.shape[:2]
    pad = h // 2
    surround = np.empty((h + 2 * pad, w + 2 * pad, 3), np.uint8)
    surround[:] = _colour(rng, 0, 256)
    surround[pad : pad + h, pad : pad + w] = image
    src = np.array([[pad, pad], [pad + w, pad], [pad + w, pad + h], [pad, pad + h]], np.float32)
    jitter = rng.normal(0, 0.025, (4, 2)) * np.array([w, h], np.float32)
    angle = np.deg2rad(rng.uniform(-4, 4))
    centre = src.mean(axis=0)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
    dst = ((src - centre) @ rot.T + centre + jitter).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    out = cv2.warpPerspective(
        surround, matrix, surround.shape[1::-1], borderMode=cv2.BORDER_REPLICATE
    )
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32) + pad
    moved = cv2.perspectiveTransform(corners[None], matrix)[0]
    return out, (
        int(moved[:, 0].min()),
        int(moved[:, 1].min()),
        int(np.ceil(moved[:, 0].max())),
        int(np.ceil(moved[:, 1].max())),
    )


def _camera(gray: NDArray[Any], rng: np.random.Generator) -> NDArray[Any]:
    """Shrink so that characters are 9-30 px high and degrade like a camera frame."""
    char_h = float(rng.uniform(9, 30))
    scale = char_h / CHAR_HEIGHT
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    small = small.astype(np.float32)
    low, high = rng.uniform(0, 90), rng.uniform(140, 255)
    small = low + (high - low) * small / 255.0
    sigma = rng.uniform(0, 1.2)
    if sigma > 0.3:
        small = cv2.GaussianBlur(small, (0, 0), sigma)
    if rng.random() < 0.2:  # horizontal motion blur
        k = int(rng.integers(2, 5))
        small = cv2.filter2D(small, -1, np.ones((1, k), np.float32) / k)
    small += rng.normal(0, rng.uniform(0, 9), small.shape)
    out: NDArray[Any] = np.clip(small, 0, 255).astype(np.uint8)
    if rng.random() < 0.7:
        out = jpeg_roundtrip(out, int(rng.integers(25, 90)))
    return out


def make_line(rng: np.random.Generator) -> PlateLine:
    groups, separator = random_text(rng)
    plate, box = _draw_plate(groups, separator, rng)
    warped, (x0, y0, x1, y1) = _warp(np.asarray(plate)[:, :, ::-1], box, rng)
    gray = cv2.cvtColor(warped, cv2.COLOR_BGR2GRAY)
    h = y1 - y0
    # The locator's margins: a fifth of the row above and below, half a character or more
    # sideways; sometimes a loose box that takes in frame, name or graphics.
    pad_y = int(h * rng.uniform(0.1, 0.35))
    left, right = (int(h * rng.uniform(0.1, 1.3)) for _ in range(2))
    crop = gray[max(0, y0 - pad_y) : y1 + pad_y, max(0, x0 - left) : x1 + right]
    dark_plate = float(crop.mean()) < 110
    crop = _camera(crop, rng)
    if dark_plate and rng.random() < 0.85:
        crop = 255 - crop  # the pipeline inverts rows of light characters
    if rng.random() < 0.3:
        crop = equalize_contrast(crop)
    return PlateLine(crop, "".join(groups))

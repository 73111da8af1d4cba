"""Train the plate-character classifier on generated characters.

Each sample is a character rendered in a sans-serif font (DejaVu, Liberation, OpenCV's
Hershey faces), squeezed or widened, thickened or thinned, tilted, shrunk to the 10-40 px
a plate character has in a gate camera frame, blurred, noised, JPEG-compressed and then
binarised and cut out exactly as the locator does on real frames. No photo is used.

    python -m gatekeeper.vision.training.train_chars [--per-class 2000] [--epochs 8]

Needs the TrueType fonts of Debian's fonts-dejavu-core and fonts-liberation.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from gatekeeper.vision.charnet import CLASSES, WEIGHTS, build_model, normalize_char
from gatekeeper.vision.images import jpeg_roundtrip

log = logging.getLogger(__name__)

FONT_DIR = Path("/usr/share/fonts/truetype")
FONT_PATTERNS = (
    "dejavu/DejaVuSans*.ttf",
    "liberation/LiberationSans*.ttf",
    "liberation/LiberationMono-Bold.ttf",
)
HERSHEY = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_TRIPLEX)


def fonts() -> list[str]:
    found = sorted({str(path) for pattern in FONT_PATTERNS for path in FONT_DIR.glob(pattern)})
    skip = ("Oblique", "Italic", "ExtraLight")
    return [path for path in found if not any(word in path for word in skip)]


def _render(char: str, font: str | int, rng: np.random.Generator) -> np.ndarray:
    """A large, clean rendering: black character on white, 96 x 96."""
    canvas = Image.new("L", (96, 96), 255)
    if isinstance(font, str):
        draw = ImageDraw.Draw(canvas)
        face = ImageFont.truetype(font, 70)
        box = draw.textbbox((0, 0), char, font=face)
        draw.text(((96 - box[2] - box[0]) / 2, (96 - box[3] - box[1]) / 2), char, font=face, fill=0)
        return np.array(canvas)
    image = np.array(canvas)
    thickness = int(rng.integers(3, 8))
    (w, h), _ = cv2.getTextSize(char, font, 2.2, thickness)
    cv2.putText(image, char, ((96 - w) // 2, (96 + h) // 2), font, 2.2, 0, thickness, cv2.LINE_AA)
    return image


def _distort(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    # Stroke weight.
    kernel = np.ones((int(rng.integers(1, 4)),) * 2, np.uint8)
    weight = rng.random()
    if weight < 0.3:
        image = cv2.dilate(image, kernel)  # thinner dark strokes
    elif weight > 0.7:
        image = cv2.erode(image, kernel)  # bolder
    # Condensed or wide faces, tilt and shear.
    sx = rng.uniform(0.55, 1.15)
    shear = rng.uniform(-0.12, 0.12)
    angle = np.deg2rad(rng.uniform(-5, 5))
    c, s = np.cos(angle), np.sin(angle)
    matrix = np.array([[sx * c, -s + shear, 0], [sx * s, c, 0]], np.float32)
    matrix[:, 2] = 48 - matrix[:, :2] @ np.array([48, 48], np.float32)
    return cv2.warpAffine(image, matrix, (96, 96), borderValue=255)


def _camera(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Shrink to plate-character size and degrade like a camera frame."""
    ink = cv2.findNonZero((image < 128).astype(np.uint8))
    x, y, w, h = cv2.boundingRect(ink)
    pad = max(w, h) // 2
    crop = cv2.copyMakeBorder(
        image[y : y + h, x : x + w], pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255
    )
    target_h = int(rng.integers(10, 41))
    scale = target_h / h
    small = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    low, high = rng.uniform(10, 120), rng.uniform(150, 250)
    small = (low + (high - low) * (small.astype(np.float32) / 255.0)).astype(np.float32)
    sigma = rng.uniform(0, 1.3)
    if sigma > 0.3:
        small = cv2.GaussianBlur(small, (0, 0), sigma)
    small += rng.normal(0, rng.uniform(0, 10), small.shape)
    small = np.clip(small, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        small = jpeg_roundtrip(small, int(rng.integers(30, 90)))
    return small


def _binarize_like_locator(gray: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
    h = gray.shape[0]
    block = max(3, int(h * rng.uniform(0.8, 1.6)) | 1)
    binary = cv2.adaptiveThreshold(
        gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 10
    )
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if count < 2:
        return None
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, hh, _ = stats[biggest]
    component = labels[y : y + hh, x : x + w] == biggest
    return np.where(component, 0, 255).astype(np.uint8)


def make_samples(per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    faces: list[str | int] = [*fonts(), *HERSHEY]
    if len(faces) <= len(HERSHEY):
        log.warning("no TrueType fonts found: training on OpenCV's Hershey faces alone")
    images, labels = [], []
    for label, char in enumerate(CLASSES):
        made = 0
        while made < per_class:
            face = faces[int(rng.integers(len(faces)))]
            mask = _binarize_like_locator(
                _camera(_distort(_render(char, face, rng), rng), rng), rng
            )
            if mask is None:
                continue
            images.append(normalize_char(mask))
            labels.append(label)
            made += 1
    return np.stack(images)[:, None], np.array(labels)


def train(per_class: int, epochs: int, out: Path, seed: int = 1) -> dict[str, Any]:
    import torch
    from torch import nn

    torch.manual_seed(seed)
    started = time.time()
    x, y = make_samples(per_class, seed)
    xv, yv = make_samples(max(50, per_class // 10), seed + 1)
    log.info(
        "generated %d training and %d validation characters in %.0f s",
        len(x),
        len(xv),
        time.time() - started,
    )
    model = build_model()
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=epochs)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(xt))
        for start in range(0, len(xt), 256):
            batch = order[start : start + 256]
            optimiser.zero_grad()
            loss = loss_fn(model(xt[batch]), yt[batch])
            loss.backward()
            optimiser.step()
        schedule.step()
        model.eval()
        with torch.no_grad():
            accuracy = float((model(torch.from_numpy(xv)).argmax(1).numpy() == yv).mean())
        log.info("epoch %d: loss %.3f, validation accuracy %.3f", epoch + 1, loss.item(), accuracy)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out)
    return {
        "validation_accuracy": accuracy,
        "samples": len(x),
        "seconds": round(time.time() - started),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    print(train(args.per_class, args.epochs, args.out))  # noqa: T201 (command-line report)


if __name__ == "__main__":
    main()

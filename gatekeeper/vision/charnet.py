"""A small CNN that classifies one segmented plate character (0-9, A-Z).

The locator already cuts each character out as a clean binary blob; classifying blobs
one by one does not suffer from stickers, bolts and frames the way line recognition does.
The weights (``models/chars.pt``) are trained on generated characters only, by
``python -m gatekeeper.vision.training.train_chars``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

CLASSES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SIZE = 32
WEIGHTS = Path(__file__).resolve().parent / "models" / "chars.pt"

_lock = threading.Lock()
_model: Any = None


def normalize_char(mask: NDArray[Any]) -> NDArray[np.float32]:
    """A character crop (dark on white, any size) as a SIZE x SIZE float image, the
    character white on black, scaled to fit 28 px and centred."""
    ink = (mask < 128).astype(np.uint8) * 255
    points = cv2.findNonZero(ink)
    out = np.zeros((SIZE, SIZE), np.float32)
    if points is None:
        return out
    x, y, w, h = cv2.boundingRect(points)
    ink = ink[y : y + h, x : x + w]
    scale = 28.0 / max(w, h)
    width, height = max(1, round(w * scale)), max(1, round(h * scale))
    small = cv2.resize(ink, (width, height), interpolation=cv2.INTER_AREA)
    top, left = (SIZE - height) // 2, (SIZE - width) // 2
    out[top : top + height, left : left + width] = small.astype(np.float32) / 255.0
    return out


def build_model() -> Any:
    from torch import nn

    def block(cin: int, cout: int) -> list[Any]:
        return [
            nn.Conv2d(cin, cout, 3, padding=1),
            nn.BatchNorm2d(cout),
            nn.ReLU(),
            nn.MaxPool2d(2),
        ]

    return nn.Sequential(
        *block(1, 32),
        *block(32, 64),
        *block(64, 128),
        nn.Flatten(),
        nn.Linear(128 * 4 * 4, 256),
        nn.ReLU(),
        nn.Dropout(0.3),
        nn.Linear(256, len(CLASSES)),
    )


def _load() -> Any:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                import torch

                model = build_model()
                model.load_state_dict(torch.load(WEIGHTS, map_location="cpu", weights_only=True))
                model.eval()
                _model = model
    return _model


def available() -> bool:
    return WEIGHTS.exists()


def classify(masks: list[NDArray[Any]]) -> NDArray[np.float64]:
    """Log-probabilities, shape (len(masks), 36), for character crops."""
    import torch

    if not masks:
        return np.zeros((0, len(CLASSES)))
    batch = torch.from_numpy(np.stack([normalize_char(m) for m in masks])[:, None])
    with torch.no_grad():
        logits = _load()(batch)
    return torch.log_softmax(logits, dim=1).numpy().astype(np.float64)

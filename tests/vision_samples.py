"""Synthetic images for the vision tests (the real photos come from ../shared/data)."""

from __future__ import annotations

import cv2
import numpy as np


def plate_scene(
    text: str,
    size: tuple[int, int] = (720, 1280),
    at: tuple[int, int] = (500, 300),
    scale: float = 2.2,
) -> np.ndarray:
    """A grey street scene with one white plate carrying ``text`` in black."""
    height, width = size
    rng = np.random.default_rng(7)
    scene = rng.integers(60, 120, size=(height, width, 3), dtype=np.uint8)
    scene = cv2.GaussianBlur(scene, (9, 9), 0)
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, 5)
    x, y = at
    cv2.rectangle(scene, (x - 20, y - th - 25), (x + tw + 20, y + base + 20), (235, 235, 235), -1)
    cv2.rectangle(scene, (x - 20, y - th - 25), (x + tw + 20, y + base + 20), (30, 30, 30), 3)
    cv2.putText(scene, text, (x, y), cv2.FONT_HERSHEY_DUPLEX, scale, (20, 20, 20), 5, cv2.LINE_AA)
    return scene


def encode(frame: np.ndarray, ext: str = ".jpg") -> bytes:
    ok, data = cv2.imencode(ext, frame)
    assert ok
    return data.tobytes()

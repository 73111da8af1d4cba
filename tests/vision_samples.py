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


def two_line_plate_scene(top: str, bottom: str, scale: float = 2.2) -> np.ndarray:
    """A grey street scene with one white two-line plate (``top`` over ``bottom``), as
    some European rear plates, motorcycles and trailers carry."""
    rng = np.random.default_rng(7)
    scene = rng.integers(60, 120, size=(720, 1280, 3), dtype=np.uint8)
    scene = cv2.GaussianBlur(scene, (9, 9), 0)
    font = cv2.FONT_HERSHEY_DUPLEX
    (top_w, th), _ = cv2.getTextSize(top, font, scale, 5)
    (bottom_w, _), base = cv2.getTextSize(bottom, font, scale, 5)
    width, gap = max(top_w, bottom_w), th // 3  # lines a third of their height apart
    x, y = 500, 250
    corner, far = (x - 20, y - th - 25), (x + width + 20, y + gap + th + base + 20)
    cv2.rectangle(scene, corner, far, (235, 235, 235), -1)
    cv2.rectangle(scene, corner, far, (30, 30, 30), 3)
    for text, line_y, text_w in ((top, y, top_w), (bottom, y + gap + th, bottom_w)):
        start = x + (width - text_w) // 2
        cv2.putText(scene, text, (start, line_y), font, scale, (20, 20, 20), 5, cv2.LINE_AA)
    return scene

"""Turning uploaded bytes into frames, refusing what is not a usable image."""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from camera_adapters.wire import MAX_IMAGE_PIXELS, MIN_IMAGE_SIDE

# OpenCV images (its stubs type arrays loosely, so we do too).
Frame = NDArray[Any]

# The limits stations are told (camera_adapters.wire, the API document).
MAX_PIXELS = MAX_IMAGE_PIXELS
MAX_BYTES = 32 * 1024 * 1024
MIN_SIDE = MIN_IMAGE_SIDE


_CLAHE = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4))


def equalize_contrast(gray: Frame) -> Frame:
    """Local contrast equalised (CLAHE on 4 x 4 tiles): one rendering the readers vote over,
    and the same one the training material shows them."""
    return _CLAHE.apply(gray)


def jpeg_roundtrip(image: Frame, quality: int) -> Frame:
    """The image after JPEG compression at ``quality``, as a camera or encoder leaves it
    (grayscale stays grayscale); the image itself if OpenCV cannot decode the result."""
    flags = cv2.IMREAD_GRAYSCALE if image.ndim == 2 else cv2.IMREAD_COLOR
    encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])[1]
    decoded = cv2.imdecode(encoded, flags)
    return image if decoded is None else decoded


class ImageError(ValueError):
    """The input is not an image the pipeline can read; the message says why."""


def _check_header(data: bytes) -> None:
    if not data:
        raise ImageError("empty file")
    if len(data) > MAX_BYTES:
        raise ImageError(f"file too large ({len(data)} bytes; at most {MAX_BYTES})")
    if not (data.startswith(b"\xff\xd8") or data.startswith(b"\x89PNG\r\n\x1a\n")):
        raise ImageError("not a JPEG or PNG image")


def _declared_size(data: bytes) -> tuple[int, int]:
    """Width and height as the file's header declares them, read by Pillow's header
    parser before anything is decoded (so that a small file declaring a huge image is
    refused before it costs memory). A file whose header cannot be parsed is refused."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ("JPEG", "PNG"):
                    raise ImageError("not a JPEG or PNG image")
                width, height = image.size
    except Image.DecompressionBombError as exc:
        raise ImageError("image too large (declared size)") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError("corrupt image header") from exc
    return int(width), int(height)


def decode_image(data: bytes) -> Frame:
    """Decode JPEG/PNG bytes to a BGR frame, or raise :class:`ImageError`."""
    _check_header(data)
    width, height = _declared_size(data)
    if width * height > MAX_PIXELS:
        raise ImageError(f"image too large ({width}x{height} pixels)")
    frame = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if frame is None:
        raise ImageError("corrupt or truncated image")
    frame = check_frame(frame)
    if frame.shape[:2] != (height, width):
        raise ImageError("the decoded image does not have the size its header declares")
    return frame


def check_frame(frame: Frame) -> Frame:
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if frame.ndim != 3 or frame.shape[2] not in (3, 4):
        raise ImageError(f"unsupported frame shape {frame.shape}")
    if frame.shape[2] == 4:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    if frame.dtype != np.uint8:
        raise ImageError(f"unsupported pixel type {frame.dtype}")
    height, width = frame.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise ImageError(f"image too small ({width}x{height})")
    if height * width > MAX_PIXELS:
        raise ImageError(f"image too large ({width}x{height} pixels)")
    return frame


def crop_roi(frame: Frame, roi: Sequence[float] | None) -> tuple[Frame, tuple[int, int]]:
    """Crop a lane's region of interest ([x, y, w, h] as fractions); return the crop and
    its offset in the frame."""
    if not roi:
        return frame, (0, 0)
    height, width = frame.shape[:2]
    x, y, w, h = roi
    x0, y0 = max(0, int(x * width)), max(0, int(y * height))
    x1, y1 = min(width, int((x + w) * width)), min(height, int((y + h) * height))
    if x1 - x0 < MIN_SIDE or y1 - y0 < MIN_SIDE:
        return frame, (0, 0)
    return frame[y0:y1, x0:x1], (x0, y0)

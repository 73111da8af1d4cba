"""Loading the models before the first reading needs them.

A process loads each model on first use and keeps it (see ocr, cn, charnet, documents).
Paid by the first reading, that is seconds on a vehicle at the gate or on a guard at the
kiosk (measured on this project's 2-core machine: a first plate reading 2.95 s against
0.24 s for the next; the document reader 1.1 s more). ``flask worker`` and the embedded
web processes warm up at start instead, in the background: a reading that arrives meanwhile
waits for the model it needs under that model's own lock, never loads it twice.
"""

from __future__ import annotations

import logging
import threading
import time

import cv2
import numpy as np

from gatekeeper.vision.images import Frame
from gatekeeper.vision.types import VisionResult

log = logging.getLogger(__name__)


def warm_frame() -> Frame:
    """A small scene with an orange plate and a white licence plate, so that every network
    of a reading (the orange-plate and Latin recognisers, the character classifier, the
    Chinese text detector and recogniser) runs once."""
    from gatekeeper.vision.synthetic import draw_plate

    scene = np.full((540, 960, 3), 90, dtype=np.uint8)
    orange = cv2.resize(draw_plate("33", "1203", np.random.default_rng(0)), (200, 150))
    scene[60:210, 380:580] = orange
    cv2.rectangle(scene, (330, 330), (630, 400), (245, 245, 245), -1)
    cv2.putText(scene, "AB123CD", (345, 385), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (20, 20, 20), 4)
    return scene


def warm_plates() -> VisionResult:
    """Load the plate readers' models and read one scene with them (ONNX Runtime and
    PyTorch also pay their first run's set-up once)."""
    from gatekeeper.vision.pipeline import PipelineConfig, read_frame

    return read_frame(warm_frame(), PipelineConfig(formats=("CN", "EU")))


def warm_documents() -> list[str]:
    """Load the document reader (EasyOCR's detector and recogniser) and read one line."""
    from gatekeeper.vision.documents import read_lines

    page = np.full((120, 480, 3), 255, dtype=np.uint8)
    cv2.putText(page, "PERMIT 12345", (20, 75), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (0, 0, 0), 3)
    return read_lines(page)


def warm_up() -> float:
    """Every model this process reads with, loaded and run once; seconds it took."""
    started = time.perf_counter()
    warm_plates()
    warm_documents()
    seconds = time.perf_counter() - started
    log.info("OCR models loaded and warmed in %.1f s", seconds)
    return seconds


def warm_up_in_background() -> threading.Thread:
    """:func:`warm_up` on a daemon thread (a failure is logged: the first reading then
    loads what it needs, as without warming)."""

    def run() -> None:
        try:
            warm_up()
        except Exception:
            log.exception("warming the OCR models failed; they load on first use")

    thread = threading.Thread(target=run, name="ocr-warm-up", daemon=True)
    thread.start()
    return thread

"""Orange plates: generated ones composited onto real photos, and the real tanker photo."""

from __future__ import annotations

import math

import numpy as np

from gatekeeper.vision.hazard import _choose_hin, find_orange_plates, read_hazard_plate
from gatekeeper.vision.ocr import get_recognizer
from gatekeeper.vision.synthetic import draw_plate, hazard_samples, real_pairs
from gatekeeper.vision.types import Box
from tests.conftest import SHARED_DATA

PHOTOS = sorted((SHARED_DATA / "plates" / "us").glob("*.jpg"))


def test_generated_pairs_are_real_adr_pairs() -> None:
    pairs = real_pairs()
    assert ("33", "1203") in pairs and ("225", "1073") in pairs and ("X423", "1428") in pairs
    assert all(len(un) == 4 for _hin, un in pairs)


def test_generated_plate_has_adr_proportions() -> None:
    plate = draw_plate("33", "1203", np.random.default_rng(0))
    assert plate.shape == (300, 400, 3)  # 400 x 300 mm at 1 px/mm
    assert plate[150, 200].max() < 40  # the black bar across the middle
    assert plate[5, 200].max() < 40  # the black border
    b, g, r = plate[40, 30]
    assert r > 200 and 90 < g < 160 and b < 40  # orange


def _covered(found: Box, truth: Box) -> float:
    x0, y0 = max(found.x, truth.x), max(found.y, truth.y)
    x1, y1 = min(found.x + found.w, truth.x + truth.w), min(found.y + found.h, truth.y + truth.h)
    return max(0, x1 - x0) * max(0, y1 - y0) / (truth.w * truth.h)


def test_orange_plates_are_found_where_they_were_placed() -> None:
    """Among the (at most three) regions the reader tries, one covers most of the plate in
    at least 9 of 10 photos. (Known weakness: a plate beside other orange paint can be found
    as one field only when its black bar is not bridged.)"""
    found = 0
    for sample in hazard_samples(PHOTOS, 10, seed=11):
        regions = find_orange_plates(sample.image)
        found += max((_covered(r.box, sample.box) for r in regions), default=0.0) >= 0.45
    assert found >= 9


def test_generated_plates_are_read_exactly_at_least_95_percent() -> None:
    """The benchmark (make bench-hazard) runs 200; CI checks a fixed sample of 40."""
    recognizer = get_recognizer()
    samples = list(hazard_samples(PHOTOS, 40, seed=5))
    exact = 0
    for sample in samples:
        read = read_hazard_plate(sample.image, recognizer)
        exact += read is not None and (read.hin, read.un) == (sample.hin, sample.un)
    assert exact >= math.ceil(0.95 * len(samples)), f"{exact}/{len(samples)}"


def test_a_photo_without_orange_plate_gives_none() -> None:
    import cv2

    photo = cv2.imread(str(SHARED_DATA / "plates" / "br" / "AYO9034.jpg"))
    assert read_hazard_plate(photo, get_recognizer()) is None


def test_an_impossible_pair_prefers_the_code_the_list_gives() -> None:
    # 1203 (petrol) has HIN 33; a top field read as 38 with 33 nearly as likely -> 33.
    assert _choose_hin({"38": 1.0, "33": 0.8}, "1203") == ("33", 0.8 / 1.8)
    # Far less likely: keep what was read (the guard will see an inconsistent pair).
    assert _choose_hin({"38": 1.0, "33": 0.2}, "1203") == ("38", 1.0 / 1.2)

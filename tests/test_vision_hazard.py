"""Orange plates: generated ones composited onto real photos, and the real tanker photo."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from gatekeeper.vision import cn
from gatekeeper.vision.hazard import (
    _choose_hin,
    _Field,
    _glare_bridged,
    _has_dividing_bar,
    _stacked_fields,
    find_orange_plates,
    read_hazard_plate,
)
from gatekeeper.vision.ocr import (
    LineProbabilities,
    Recognizer,
    get_line_recognizer,
    get_recognizer,
)
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
    """The first region the reader tries covers most of the plate in at least 9 of 10
    photos."""
    found = 0
    for sample in hazard_samples(PHOTOS, 10, seed=11):
        regions = find_orange_plates(sample.image)
        found += bool(regions) and _covered(regions[0].box, sample.box) >= 0.8
    assert found >= 9


def _on_background(colour: tuple[int, int, int], size: int = 160) -> tuple[np.ndarray, Box]:
    scene = np.empty((480, 640, 3), np.uint8)
    scene[:] = colour
    plate = cv2.resize(draw_plate("33", "1203", np.random.default_rng(2)), (size, size * 3 // 4))
    x, y = 240, 180
    scene[y : y + plate.shape[0], x : x + plate.shape[1]] = plate
    return scene, Box(x, y, plate.shape[1], plate.shape[0])


def test_a_plate_on_yellow_paint_is_found_by_its_own_orange() -> None:
    # A yellow truck body (hue 27) falls in the loose orange range and swallows the plate;
    # the strict range keeps the plate apart, its black border being the gap.
    scene, truth = _on_background((0, 190, 250))
    regions = find_orange_plates(scene)
    assert regions and regions[0].box.iou(truth) > 0.8


def test_a_plate_on_grey_is_the_whole_plate_not_a_field_or_a_digit_hole() -> None:
    scene, truth = _on_background((128, 128, 128))
    regions = find_orange_plates(scene)
    assert regions and regions[0].box.iou(truth) > 0.8


def _field(cx: float, cy: float, degrees: float = 0.0) -> _Field:
    """A 120 x 42 px orange field centred at (cx, cy), turned by ``degrees``."""
    corners = cv2.boxPoints(((cx, cy), (120, 42), degrees))
    field = _Field.of(corners.astype(np.int32).reshape(-1, 1, 2))
    assert field is not None
    return field


def test_two_orange_fields_stacked_make_one_plate() -> None:
    top, bottom = _field(160, 71), _field(160, 118)
    [joined] = [c.box for c in _stacked_fields([top, bottom])]
    assert abs(joined.x - 100) <= 1 and abs(joined.y - 50) <= 1
    assert abs(joined.w - 120) <= 2 and abs(joined.h - 89) <= 2
    # Side by side, far apart vertically, or at different slants: not one plate.
    assert not list(_stacked_fields([top, _field(360, 71)]))
    assert not list(_stacked_fields([top, _field(160, 171)]))
    assert not list(_stacked_fields([top, _field(160, 118, 25)]))


def test_the_fields_of_a_plate_turned_in_the_image_plane_make_one_plate() -> None:
    """Turned by 10 degrees, the fields' upright boxes overlap in height and are shifted
    sideways: they are still one plate, found from the fields' turned rectangles."""
    turn = np.radians(10)
    down = 47 * np.array([-np.sin(turn), np.cos(turn)])
    top, bottom = _field(160, 71, 10), _field(160 + down[0], 71 + down[1], 10)
    [joined] = list(_stacked_fields([top, bottom]))
    assert joined.box.h > 100 and joined.score > 0.6


def test_generated_plates_are_read_exactly_at_least_95_percent() -> None:
    """The benchmark (make bench-hazard) runs 200; CI checks a fixed sample of 40."""
    recognizer, row_recognizer = get_recognizer(), get_line_recognizer()
    samples = list(hazard_samples(PHOTOS, 40, seed=5))
    exact = 0
    for sample in samples:
        read = read_hazard_plate(sample.image, recognizer, row_recognizer)
        exact += read is not None and (read.hin, read.un) == (sample.hin, sample.un)
    assert exact >= math.ceil(0.95 * len(samples)), f"{exact}/{len(samples)}"


class _Counting:
    """A recogniser that counts the images it is asked to read."""

    def __init__(self, inner: Recognizer) -> None:
        self.inner, self.images = inner, 0

    def probabilities(self, images: list[np.ndarray]) -> list[LineProbabilities]:
        self.images += len(images)
        return self.inner.probabilities(images)


def test_a_plain_orange_plate_is_not_read_and_easyocr_is_not_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ADR's plain plate (no numbers) has the border and the bar but nothing to read.
    scene, truth = _on_background((128, 128, 128))
    plain = scene[truth.y : truth.y + truth.h, truth.x : truth.x + truth.w]
    plain[5:-5, 5:-5] = scene[truth.y + 20, truth.x + 20]
    plain[truth.h // 2 - 3 : truth.h // 2 + 3] = 15
    easyocr, row_network = _Counting(get_recognizer()), _Counting(get_line_recognizer())
    assert find_orange_plates(scene), "the plain plate is still an orange region"
    assert read_hazard_plate(scene, easyocr, row_network) is None
    # The PP-OCR recogniser reads the fields: neither EasyOCR network is asked.
    assert row_network.images == 0 and easyocr.images == 0
    scene, _ = _on_background((128, 128, 128))
    read = read_hazard_plate(scene, easyocr, row_network)
    assert read is not None and (read.hin, read.un) == ("33", "1203")
    # Without the PP-OCR model installed: screened by the row network, then EasyOCR.
    monkeypatch.setattr(cn, "available", lambda: False)
    plain_scene = scene.copy()
    plain_scene[truth.y : truth.y + truth.h, truth.x : truth.x + truth.w] = plain
    easyocr, row_network = _Counting(get_recognizer()), _Counting(get_line_recognizer())
    assert read_hazard_plate(plain_scene, easyocr, row_network) is None
    assert row_network.images > 0 and easyocr.images == 0
    read = read_hazard_plate(scene, easyocr, row_network)
    assert read is not None and (read.hin, read.un) == ("33", "1203")
    assert easyocr.images > 0


class _CountingGeneral:
    """The PP-OCR recogniser, counting the fields it is asked to read."""

    def __init__(self, inner: cn.ChineseRecognizer) -> None:
        self.inner, self.fields = inner, 0

    def probabilities(self, image: np.ndarray) -> LineProbabilities:
        self.fields += 1
        return self.inner.probabilities(image)


def test_the_hin_field_is_not_read_when_the_un_field_holds_no_number(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counting = _CountingGeneral(cn.get_chinese_recognizer())
    monkeypatch.setattr(cn, "get_chinese_recognizer", lambda: counting)
    scene, truth = _on_background((128, 128, 128))
    read = read_hazard_plate(scene, get_recognizer())
    assert read is not None and (read.hin, read.un) == ("33", "1203")
    assert counting.fields == 2  # both fields of the rectified cut, read at once
    # The same plate with its UN number painted over: one field read per cut, none read.
    bottom, right = truth.y + truth.h - 10, truth.x + truth.w - 10
    lower = scene[truth.y + truth.h // 2 + 6 : bottom, truth.x + 10 : right]
    lower[:] = scene[truth.y + truth.h - 12, truth.x + truth.w // 2]
    counting.fields = 0
    assert read_hazard_plate(scene, get_recognizer()) is None
    assert counting.fields == 2  # the UN field of each of the two cuts, no HIN field


def test_a_photo_without_orange_plate_gives_none() -> None:
    photo = cv2.imread(str(SHARED_DATA / "plates" / "br" / "AYO9034.jpg"))
    assert read_hazard_plate(photo, get_recognizer()) is None


def test_an_impossible_pair_prefers_the_code_the_list_gives() -> None:
    # 1203 (petrol) has HIN 33; a top field read as 38 with 33 nearly as likely -> 33.
    assert _choose_hin({"38": 1.0, "33": 0.8}, "1203") == ("33", 0.8 / 1.8)
    # Far less likely: keep what was read (the guard will see an inconsistent pair).
    assert _choose_hin({"38": 1.0, "33": 0.2}, "1203") == ("38", 1.0 / 1.2)


def test_the_second_generator_draws_adr_plates_the_reader_reads() -> None:
    """Generator 2 (other typefaces, hues, sizes and spoiling) makes plates inside the photo
    with real HIN/UN pairs; at least 95 % of a fixed sample of 40 are read exactly (the
    benchmark, on another seed, has the figure: make bench-hazard)."""
    from gatekeeper.vision.reference import is_consistent
    from gatekeeper.vision.synthetic2 import hazard_samples as second

    samples = list(second(PHOTOS, 40, seed=5))
    for sample in samples:
        h, w = sample.image.shape[:2]
        assert sample.box.x >= 0 and sample.box.x + sample.box.w <= w
        assert sample.box.y >= 0 and sample.box.y + sample.box.h <= h
        assert is_consistent(sample.hin, sample.un)
        assert 25 <= sample.box.w <= 420  # 40-400 px wide, narrower when turned
    recognizer, row_recognizer = get_recognizer(), get_line_recognizer()
    read = [read_hazard_plate(s.image, recognizer, row_recognizer) for s in samples]
    right = sum(
        r is not None and (r.hin, r.un) == (s.hin, s.un) for r, s in zip(read, samples, strict=True)
    )
    assert right >= math.ceil(0.95 * len(samples)), f"{right}/{len(samples)}"


def test_every_orange_plate_on_the_vehicle_is_reported() -> None:
    """Front and rear, or a tank's sides: two plates in one frame, both read."""
    from gatekeeper.vision.hazard import read_hazard_plates
    from gatekeeper.vision.pipeline import PipelineConfig, read_frame

    rng = np.random.default_rng(3)
    frame = np.full((720, 1280, 3), (110, 112, 115), np.uint8)
    for (hin, un), x in ((("33", "1203"), 200), (("80", "1789"), 800)):
        plate = cv2.resize(draw_plate(hin, un, rng), (240, 180), interpolation=cv2.INTER_AREA)
        frame[300:480, x : x + 240] = plate
    plates = read_hazard_plates(frame, get_recognizer())
    assert {(p.hin, p.un) for p in plates} == {("33", "1203"), ("80", "1789")}
    assert all(p.consistent for p in plates)
    result = read_frame(frame, PipelineConfig(formats=("EU",)))
    assert len(result.hazard_plates) == 2 and result.hazard == result.hazard_plates[0]
    assert len(result.to_dict()["hazard_plates"]) == 2


def test_a_glare_streak_across_an_orange_field_does_not_cut_it_in_two() -> None:
    orange = np.zeros((100, 300), np.uint8)
    orange[20:80, 20:280] = 255
    glare = np.zeros_like(orange)
    orange[20:80, 130:160] = 0  # the streak bleached the orange to white here
    glare[:, 130:160] = 255  # and brightened the background above and below
    glare[0:100, 285:300] = 255  # a white car body beside the plate
    bridged = _glare_bridged(orange, glare)
    count, _labels = cv2.connectedComponents(bridged)
    assert count - 1 == 1  # one field again
    assert bridged[50, 145] == 255 and bridged[50, 290] == 0
    # A white area larger than the orange it touches (a white tanker) is not plate.
    white = np.full_like(orange, 255)
    assert _glare_bridged(orange, white)[5, 5] == 0


def test_the_dividing_bar_is_found_under_a_glare_streak() -> None:
    """A plate of the second generator with a reflective streak across it (seed 7, not the
    benchmark's seed): its bar is found, on the crop or on the plate warped upright."""
    from gatekeeper.vision.hazard import _rectified_bar
    from gatekeeper.vision.synthetic2 import hazard_samples as second_generator

    sample = list(second_generator(PHOTOS, 12, seed=7))[11]
    gray = cv2.cvtColor(sample.image, cv2.COLOR_BGR2GRAY)
    [region] = [r for r in find_orange_plates(sample.image) if r.box.iou(sample.box) > 0.5]
    b = region.box
    assert _has_dividing_bar(gray[b.y : b.y + b.h, b.x : b.x + b.w]) or _rectified_bar(gray, region)
    read = read_hazard_plate(sample.image, get_recognizer(), get_line_recognizer())
    assert read is not None and (read.hin, read.un) == (sample.hin, sample.un)

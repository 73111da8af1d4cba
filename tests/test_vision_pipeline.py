"""The pipeline on the real photos in ../shared/data (the model loads once per session)."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import pytest

from gatekeeper.vision import PipelineConfig, cn, ocr, pipeline, plates, read_frame, read_vehicle
from gatekeeper.vision.formats import formats_for
from gatekeeper.vision.images import decode_image
from gatekeeper.vision.pipeline import fuse
from gatekeeper.vision.types import PlateCandidate, VisionResult
from tests.conftest import SHARED_DATA
from tests.vision_samples import two_line_plate_scene

BR = SHARED_DATA / "plates" / "br"
TANKER = SHARED_DATA / "hazmat" / "tanker_rear_225_1073.jpg"


def test_reads_a_brazilian_plate_exactly() -> None:
    frame = decode_image((BR / "PJU2853.jpg").read_bytes())
    result = read_frame(frame, PipelineConfig(formats=("BR",)))
    assert result.plate == "PJU2853"
    assert result.format == "BR"
    assert result.confidence > 0.5
    assert result.candidates[0].text == "PJU2853"
    box = result.plate_box
    assert box is not None and abs(box.x - 434) < 40 and abs(box.y - 721) < 40  # labels.csv
    assert set(result.timings_ms) >= {"plate", "hazard", "total"}


def _located_gray(frame: np.ndarray) -> np.ndarray:
    """The frame as the pipeline locates rows in it (grey, at most LOCATE_MAX_WIDTH wide)."""
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    scale = min(1.0, pipeline.LOCATE_MAX_WIDTH / gray.shape[1])
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def test_a_sure_best_located_row_is_the_reading_as_the_whole_frame_would_read_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gray = _located_gray(decode_image((BR / "PJU2853.jpg").read_bytes()))
    recognizer, row_recognizer = ocr.get_recognizer(), ocr.get_line_recognizer()
    runs: list[int] = []
    run = ocr.Recognizer.run

    def counted(self: ocr.Recognizer, images: list[np.ndarray]) -> list[ocr.LineProbabilities]:
        runs.append(len(images))
        return run(self, images)

    monkeypatch.setattr(ocr.Recognizer, "run", counted)
    formats = formats_for(("BR",))
    monkeypatch.setattr(plates, "SURE_ROW", None)
    whole = plates.read_plates(gray, recognizer, formats, row_recognizer=row_recognizer)
    whole_lines = sum(runs)
    runs.clear()
    monkeypatch.setattr(plates, "SURE_ROW", 0.8)
    (first,) = plates.read_plates(gray, recognizer, formats, row_recognizer=row_recognizer)
    assert len(whole) > 1 and first.candidates[0].text == "PJU2853"
    assert first.candidates[0].confidence >= 0.8
    # The same reading, to the last candidate and probability, as with every row read.
    same_row = next(read for read in whole if read.row.box == first.row.box)
    assert first.candidates == same_row.candidates
    assert sum(runs) < whole_lines


def test_a_sure_row_on_an_orange_plate_is_not_the_licence_plate() -> None:
    gray = _located_gray(decode_image((BR / "PJU2853.jpg").read_bytes()))
    recognizer, row_recognizer = ocr.get_recognizer(), ocr.get_line_recognizer()
    formats = formats_for(("BR",))
    (first, *_) = plates.read_plates(gray, recognizer, formats, row_recognizer=row_recognizer)
    orange = first.row.box  # as if the plate were an orange plate's numbers
    rows = plates.read_plates(
        gray, recognizer, formats, row_recognizer=row_recognizer, not_plates=[orange]
    )
    assert all(r.row.box != orange for r in rows)
    assert "PJU2853" not in [c.text for r in rows for c in r.candidates]


def test_with_chinese_plates_read_first_a_foreign_plate_is_still_read_in_its_format() -> None:
    # A Chinese park lists CN first: the Chinese reading finds nothing sure on a Brazilian
    # car, and the Latin formats read it.
    frame = decode_image((BR / "PJU2853.jpg").read_bytes())
    result = read_frame(frame, PipelineConfig(formats=("CN", "BR"), read_hazard=False))
    assert (result.plate, result.format, result.plate_colour) == ("PJU2853", "BR", None)
    assert PipelineConfig().formats[0] == "CN"


@pytest.mark.parametrize(
    ("chinese_confidence", "latin_sure", "expected", "latin_tried"),
    [
        (0.95, True, "苏A12345", False),  # sure: the Latin formats are not tried
        (0.85, False, "苏A12345", True),  # over a Latin reading that is not sure
        (0.7, False, "PJU2853", True),  # not sure enough to replace a Latin reading
        (0.85, True, "PJU2853", True),  # a sure Latin reading is kept
    ],
)
def test_a_chinese_reading_replaces_a_latin_one_only_when_sure(
    monkeypatch: pytest.MonkeyPatch,
    chinese_confidence: float,
    latin_sure: bool,
    expected: str,
    latin_tried: bool,
) -> None:
    frame = decode_image((BR / "PJU2853.jpg").read_bytes())
    chinese = cn.ChineseRead("苏A12345", chinese_confidence, -1.0, "standard", "blue")
    monkeypatch.setattr(cn, "find_and_read", lambda region: [chinese])
    if not latin_sure:  # the Brazilian reading (about 0.9) counts as not sure
        monkeypatch.setattr(pipeline, "CONFIDENT", 0.999)
    tried = []
    real_read_plates = pipeline.read_plates

    def counted(*args: Any, **kwargs: Any) -> Any:
        tried.append(True)
        return real_read_plates(*args, **kwargs)

    monkeypatch.setattr(pipeline, "read_plates", counted)
    result = read_frame(frame, PipelineConfig(formats=("CN", "BR"), read_hazard=False))
    assert result.plate == expected
    assert bool(tried) is latin_tried


@pytest.mark.parametrize(
    ("top", "bottom", "formats", "expected"),
    [
        ("MAB", "1234", ("DE",), "MAB1234"),  # a German two-line plate: M AB over 1234
        ("AB", "123CD", ("EU",), "AB123CD"),  # a two-character top line
        ("MAB", "1234", ("CN", "EU"), "MAB1234"),  # the default formats: no Chinese plate
    ],
)
def test_a_two_line_european_plate_is_read_top_line_then_bottom_line(
    top: str, bottom: str, formats: tuple[str, ...], expected: str
) -> None:
    result = read_frame(two_line_plate_scene(top, bottom), PipelineConfig(formats=formats))
    assert result.plate == expected and result.confidence > 0.5
    box = result.plate_box
    assert box is not None and box.h > 100  # both lines (each about 45 px high)


def test_a_sure_first_row_with_a_line_above_it_is_still_read_with_that_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(plates, "SURE_ROW", 0.0)  # any reading of the first row is sure
    result = read_frame(two_line_plate_scene("AB", "123CD"), PipelineConfig(formats=("EU",)))
    assert result.plate == "AB123CD"


def test_one_line_formats_do_not_join_stacked_lines() -> None:
    result = read_frame(two_line_plate_scene("MAB", "1234"), PipelineConfig(formats=("US",)))
    assert result.plate != "MAB1234" and "MAB1234" not in [c.text for c in result.candidates]


def test_reads_the_tanker_orange_plate_and_not_as_licence_plate() -> None:
    result = read_vehicle([TANKER.read_bytes()], PipelineConfig(formats=("EU",)))
    assert result.hazard is not None
    assert (result.hazard.hin, result.hazard.un) == ("225", "1073")
    assert result.hazard.consistent and result.hazard.hin_valid and result.hazard.un_known
    box = result.hazard.box
    assert box is not None and 1380 < box.x < 1460 and 1840 < box.y < 1920  # labels.csv
    # The licence plate Q-AKX-769 (Belgian trailer): read with at most the O/Q confusion.
    assert result.plate in {"QAKX769", "0AKX769", "OAKX769"}


def test_bad_frames_are_reported_not_raised() -> None:
    result = read_vehicle([b"not an image"], PipelineConfig(formats=("BR",)))
    assert result.plate is None
    assert result.error == "not a JPEG or PNG image"


def test_several_frames_are_fused_and_bad_ones_ignored() -> None:
    data = (BR / "PJU2853.jpg").read_bytes()
    result = read_vehicle([data, b"", data], PipelineConfig(formats=("BR",), read_hazard=False))
    assert result.frames == 3
    assert result.plate == "PJU2853"


def test_fusion_votes_by_confidence() -> None:
    def reading(*candidates: tuple[str, float]) -> VisionResult:
        ranked = [PlateCandidate(text, conf, "EU") for text, conf in candidates]
        return VisionResult(
            plate=ranked[0].text, confidence=ranked[0].confidence, candidates=ranked
        )

    fused = fuse(
        [
            reading(("B8AX11", 0.55), ("BBAX11", 0.40)),
            reading(("BBAX11", 0.70)),
            reading(("BBAX11", 0.60), ("B8AX11", 0.30)),
        ]
    )
    assert fused.plate == "BBAX11"
    assert fused.candidates[1].text == "B8AX11"
    assert np.isclose(fused.confidence, (0.40 + 0.70 + 0.60) / 3, atol=1e-3)


def test_result_serialises_to_json() -> None:
    import json

    result = read_vehicle([TANKER.read_bytes()], PipelineConfig(formats=("EU",)))
    data = json.loads(json.dumps(result.to_dict()))
    assert data["hazard"]["hin"] == "225"
    assert isinstance(data["hazard"]["box"], list) and len(data["hazard"]["box"]) == 4


def test_warming_up_loads_every_reading_model_and_reads_its_own_scene() -> None:
    """What a worker or an embedded web process runs at start: the scene it reads holds a
    licence plate and an orange plate, so every network of a reading has run once."""
    from gatekeeper.vision import charnet, documents, warm

    result = warm.warm_plates()
    assert result.plate == "AB123CD"
    assert result.hazard is not None and (result.hazard.hin, result.hazard.un) == ("33", "1203")
    assert ocr._recognizer is not None and ocr._line_loaded
    assert cn._recognizer is not None and cn._detector is not None
    assert charnet._model is not None
    assert "PERMIT 12345" in " ".join(warm.warm_documents())
    assert documents._reader is not None


def test_a_failed_warm_up_is_logged_and_leaves_loading_to_the_first_reading(
    monkeypatch: Any, caplog: Any
) -> None:
    from gatekeeper.vision import warm

    def broken() -> None:
        raise OSError("model file unreadable")

    monkeypatch.setattr(warm, "warm_plates", broken)
    warm.warm_up_in_background().join()
    assert "warming the OCR models failed" in caplog.text

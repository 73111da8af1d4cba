"""The pipeline on the real photos in ../shared/data (the model loads once per session)."""

from __future__ import annotations

import numpy as np

from gatekeeper.vision import PipelineConfig, read_frame, read_vehicle
from gatekeeper.vision.images import decode_image
from gatekeeper.vision.pipeline import fuse
from gatekeeper.vision.types import PlateCandidate, VisionResult
from tests.conftest import SHARED_DATA

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

"""Chinese plates: the recogniser (province, layouts, two lines, colour) on shared real
photos, the province in the matcher (苏A12345 and 皖A12345 are two vehicles), and the colour
that smart ANPR cameras send."""

from __future__ import annotations

import csv
import io
from typing import Any

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from gatekeeper.domain.gate import Decision
from gatekeeper.domain.gate.records import Reads, VehicleRecord
from gatekeeper.domain.gate.rules.identity import match_plate
from gatekeeper.domain.plates import MatchQuality, compare_plates, province_of
from gatekeeper.extensions import db
from gatekeeper.models import Passage, PlateColour, Vehicle
from gatekeeper.vision import PipelineConfig, cn, read_vehicle
from gatekeeper.vision.images import decode_image
from gatekeeper.vision.ocr import LineProbabilities
from tests.conftest import SHARED_DATA
from tests.gate_samples import Demo

CN = SHARED_DATA / "plates" / "cn"


def _table(name: str) -> dict[str, dict[str, str]]:
    with (CN / name).open(encoding="utf-8") as table:
        return {row["image"]: row for row in csv.DictReader(table)}


LABELS, SOURCES = _table("labels.csv"), _table("sources.csv")


def test_the_province_decides_between_two_vehicles() -> None:
    assert compare_plates("苏A12345", "苏A·12345") is MatchQuality.EXACT
    assert compare_plates("皖A12345", "苏A12345") is MatchQuality.NONE
    assert compare_plates("A12345", "苏A12345") is MatchQuality.NO_PROVINCE
    assert compare_plates("苏A1234S", "苏A12345") is MatchQuality.CONFUSABLE
    assert compare_plates("1-VKR-301", "1-VKR-301") is MatchQuality.EXACT  # not Chinese
    assert province_of("沪A·D5521") == "沪" and province_of("1-ABC-123") is None
    su, wan = VehicleRecord(1, "苏A12345", "tanker"), VehicleRecord(2, "皖A12345", "tanker")
    assert match_plate(Reads("皖A12345", 0.9), [su, wan]).vehicle == wan
    # Province not read: two vehicles fit, so neither is taken.
    assert match_plate(Reads("A12345", 0.9), [su, wan]).vehicle is None
    only = match_plate(Reads("A12345", 0.9), [su])
    assert only.vehicle == su and only.quality is MatchQuality.NO_PROVINCE


def test_decoding_keeps_to_the_plate_alphabet() -> None:
    # A line whose greedy reading is "#苏A12345@" (not plate characters at the ends).
    alphabet = ("", *"#苏A12345@皖")
    sequence = "#苏A12345@"
    probs = np.full((len(sequence) * 2, len(alphabet)), 0.01, np.float32)
    for t, char in enumerate(sequence):
        probs[2 * t, alphabet.index(char)] = 0.9
        probs[2 * t + 1, 0] = 0.9
    probs[2, alphabet.index("皖")] = 0.3  # the province is the likelier 苏
    line = LineProbabilities(probs / probs.sum(axis=1, keepdims=True), alphabet)
    from gatekeeper.vision.ocr import decode_template

    decoded = decode_template(line, cn.LAYOUTS[0].classes)
    assert decoded is not None and decoded.text == "苏A12345"


@pytest.mark.parametrize(
    ("colour", "bgr"),
    [
        ("blue", (180, 60, 20)),
        ("yellow", (20, 190, 230)),
        ("green", (80, 190, 60)),
        ("white", (235, 235, 235)),
        ("black", (20, 20, 20)),
    ],
)
def test_plate_colour_from_the_background(colour: str, bgr: tuple[int, int, int]) -> None:
    plate = np.full((40, 140, 3), bgr, np.uint8)
    ink = (255, 255, 255) if colour in ("blue", "black") else (0, 0, 0)
    cv2.putText(plate, "A12345", (8, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.9, ink, 2)
    assert cn.plate_colour(plate) == colour


def _frame(name: str) -> Any:
    return decode_image((CN / name).read_bytes())


@pytest.mark.parametrize(
    "name",
    [
        "cn_dev_0001.jpg",  # a tight crop, blue
        "cn_dev_0027.jpg",  # yellow, two lines: 京E over A5331
        "cn_dev_0046.jpg",  # green new-energy, eight characters
        "cn_dev_0105.jpg",  # yellow learner plate (学)
        "cn_dev_0070.jpg",  # blue, full scene
    ],
)
def test_real_chinese_plates_are_read_with_province_and_colour(name: str) -> None:
    result = read_vehicle([_frame(name)], PipelineConfig(formats=("CN",), read_hazard=False))
    assert result.plate == LABELS[name]["plate"]
    assert result.format == "CN" and result.confidence > 0.5
    assert result.plate_colour == SOURCES[name]["colour"]


def test_a_frame_without_a_chinese_plate_reads_nothing_chinese() -> None:
    blank = np.full((480, 640, 3), 128, np.uint8)
    assert cn.find_and_read(blank) == []
    tiny = np.zeros((3, 3, 3), np.uint8)
    assert cn.find_and_read(tiny) == []


def _event(demo: Demo, client: Any, event_id: str, **body: Any) -> Any:
    return demo.post_event(client, "G1-IN", event_id=event_id, **body)


def test_anpr_events_carry_the_plate_colour(client: Any, demo: Demo) -> None:
    tanker = db.session.scalar(select(Vehicle).where(Vehicle.plate == "沪A·D5521"))
    tanker.plate_colour = PlateColour.YELLOW
    db.session.commit()
    body = _event(demo, client, "cn-1", plate="沪AD5521", plate_color="黄色").json
    passage = db.session.get(Passage, body["id"])
    assert passage.plate_colour == "yellow"
    match = {c["code"]: c for c in passage.checks}["plate_match"]
    assert match["outcome"] == "pass" and "沪A·D5521" in match["message"]
    # The same characters on a blue plate: the guard looks at it.
    body = _event(demo, client, "cn-2", plate="沪AD5521", plate_color="blue").json
    passage = db.session.get(Passage, body["id"])
    match = {c["code"]: c for c in passage.checks}["plate_match"]
    assert match["outcome"] == "warn" and "blue plate was read" in match["message"]
    # Another province: not this vehicle.
    body = _event(demo, client, "cn-3", plate="苏AD5521").json
    assert db.session.get(Passage, body["id"]).vehicle_id != tanker.id
    refused = _event(demo, client, "cn-4", plate="沪AD5521", plate_color="purple")
    assert refused.status_code == 400 and "plate_color" in refused.json["message"]
    assert _event(demo, client, "cn-5", plate="沪AD5521", plate_color="unknown").status_code in (
        200,
        201,
    )
    assert Decision  # the decision module is importable beside the vision stack


def _chinese_plate_photo(text: str) -> bytes:
    """A yellow Chinese truck plate (black characters, Noto Sans CJK) on a grey truck."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 64, index=2)
    photo = Image.new("RGB", (960, 640), (92, 96, 100))
    draw = ImageDraw.Draw(photo)
    draw.rectangle((300, 380, 660, 490), fill=(250, 200, 20), outline=(20, 20, 20), width=4)
    draw.text((318, 386), text, font=font, fill=(15, 15, 15))
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def test_a_demo_chinese_tanker_is_matched_from_a_photo(client: Any, demo: Demo) -> None:
    response = client.post(
        "/api/v1/lanes/G1-IN/captures",
        data={
            "event_id": "cn-photo-1",
            "image": [(io.BytesIO(_chinese_plate_photo("沪A·D5521")), "frame.jpg")],
        },
        headers={"Authorization": f"Bearer {demo.token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code in (201, 202), response.json
    db.session.expire_all()
    passage = db.session.get(Passage, response.json["id"])
    tanker = db.session.scalar(select(Vehicle).where(Vehicle.plate == "沪A·D5521"))
    assert passage.plate_read == "沪AD5521" and passage.plate_colour == "yellow"
    assert passage.vehicle_id == tanker.id and passage.match_quality == "exact"


def test_the_chinese_benchmark_scores_all_photos_and_the_yellow_plates_apart(
    tmp_path: Any,
) -> None:
    from gatekeeper.vision.bench import markdown_table, run_cn_benchmark

    chosen = ["cn_dev_0001.jpg", "cn_dev_0027.jpg", "cn_dev_0038.jpg"]  # crop, 2 yellow scenes
    for name, table in (("labels.csv", LABELS), ("sources.csv", SOURCES)):
        rows = [table[image] for image in chosen]
        with (tmp_path / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    for image in chosen:
        (tmp_path / image).write_bytes((CN / image).read_bytes())
    peers = [{"image": image, "hyperlpr": LABELS[image]["plate"], "hyperlpr_ms": 5.0,
              "ppocr": "", "ppocr_ms": 9.0} for image in chosen]  # fmt: skip
    report = run_cn_benchmark(tmp_path, PipelineConfig(formats=("CN",), read_hazard=False), peers)
    assert [report[g]["images"] for g in ("crops", "scenes", "all", "yellow")] == [1, 2, 3, 2]
    assert report["yellow"]["gatekeeper"]["exact_with_province"] == 1.0
    assert report["yellow"]["gatekeeper"]["colour_right"] == 1.0
    assert report["all"]["hyperlpr"]["exact_with_province"] == 1.0
    assert report["all"]["ppocr"]["exact_with_province"] == 0.0
    assert "| cn yellow | gatekeeper | 2 | 100.0% |" in markdown_table(report)

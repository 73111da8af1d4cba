"""The station agent against the real API (through the Flask test client)."""

from __future__ import annotations

from typing import Any

import cv2
import pytest
from sqlalchemy import func, select

from camera_adapters import create_adapter
from camera_adapters.agent import DeliveryError, MotionTrigger, StationAgent, StationClient
from gatekeeper.models import Passage
from tests.conftest import SHARED_DATA
from tests.factories import make_lane, make_station
from tests.vision_samples import plate_scene


def _flask_transport(client: Any, failures: int = 0) -> tuple[Any, list[str]]:
    """A transport into the test app that first fails ``failures`` times like a network."""
    calls: list[str] = []

    def send(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        calls.append(url)
        if len(calls) <= failures:
            raise ConnectionResetError("link down")
        path = url.split("://", 1)[1].split("/", 1)[1]
        response = client.post("/" + path, data=body, headers=headers)
        return response.status_code, response.json

    return send, calls


def test_capture_is_delivered_once_despite_network_failures(client: Any, session: Any) -> None:
    lane = make_lane()
    _station, token = make_station(lane)
    transport, calls = _flask_transport(client, failures=2)
    pauses: list[float] = []
    station = StationClient("http://central", token, transport=transport, sleep=pauses.append)
    photo = (SHARED_DATA / "plates" / "br" / "AYO9034.jpg").read_bytes()
    answer = station.send_capture(lane.code, "evt-retry-1", [photo])
    assert answer["status"] == "done"
    assert len(calls) == 3 and pauses == [0.5, 1.0]
    # The service answers a repeated event with the same capture.
    again = station.send_capture(lane.code, "evt-retry-1", [photo])
    assert again["id"] == answer["id"]
    assert session.scalar(select(func.count(Passage.id))) == 1


def test_a_refused_capture_is_not_retried(client: Any, session: Any) -> None:
    lane = make_lane()
    transport, calls = _flask_transport(client)
    station = StationClient(
        "http://central", "gks_wrong", transport=transport, sleep=lambda _s: None
    )
    with pytest.raises(DeliveryError, match="401"):
        station.send_capture(lane.code, "evt-x", [b"\xff\xd8"])
    assert len(calls) == 1


def test_delivery_gives_up_after_its_attempts() -> None:
    def down(*_args: Any) -> tuple[int, Any]:
        raise TimeoutError("no route")

    station = StationClient(
        "http://central", "t", transport=down, attempts=3, sleep=lambda _s: None
    )
    with pytest.raises(DeliveryError, match="not delivered"):
        station.send_capture("L1", "evt-y", [b"x"])


def test_motion_trigger_fires_on_arrival_then_cools_down() -> None:
    now = [0.0]
    trigger = MotionTrigger(threshold=8.0, cooldown_s=5.0, clock=lambda: now[0])
    empty = plate_scene("", size=(240, 320), at=(400, 400))
    truck = empty.copy()
    cv2.rectangle(truck, (40, 40), (280, 200), (230, 230, 230), -1)
    assert trigger(empty) is False  # learns the background
    assert trigger(empty) is False
    assert trigger(truck) is True
    now[0] = 1.0
    assert trigger(empty) is False  # cooling down
    now[0] = 10.0
    assert trigger(truck) is True


def test_agent_sends_a_burst_when_triggered(client: Any, session: Any, tmp_path: Any) -> None:
    lane = make_lane()
    _station, token = make_station(lane)
    photo = SHARED_DATA / "plates" / "br" / "AYO9034.jpg"
    camera = create_adapter({"type": "file", "path": str(photo)})
    transport, _calls = _flask_transport(client)
    fire = iter([False, True])
    agent = StationAgent(
        camera,
        StationClient("http://central", token, transport=transport),
        lane.code,
        trigger=lambda _frame: next(fire),
        burst=2,
    )
    with camera:
        assert agent.step() is None
        answer = agent.step()
    assert answer is not None and answer["frames"] == 2
    assert answer["event_id"].startswith(lane.code)

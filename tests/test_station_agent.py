"""The station agent against the real API (through the Flask test client)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import cv2
import pytest
from sqlalchemy import func, select

from camera_adapters import create_adapter
from camera_adapters.agent import MotionTrigger, StationAgent
from camera_adapters.client import DeliveryError, RefusedError, StationClient, urllib_transport
from camera_adapters.outbox import Outbox, OutboxSender
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
    with pytest.raises(RefusedError, match="401"):
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


def test_agent_queues_a_burst_when_triggered_and_the_sender_delivers_it(
    client: Any, session: Any, tmp_path: Any
) -> None:
    lane = make_lane()
    _station, token = make_station(lane)
    photo = SHARED_DATA / "plates" / "br" / "AYO9034.jpg"
    camera = create_adapter({"type": "file", "path": str(photo)})
    transport, _calls = _flask_transport(client)
    outbox = Outbox(tmp_path / "outbox")
    fire = iter([False, True])
    agent = StationAgent(camera, outbox, lane.code, trigger=lambda _frame: next(fire), burst=2)
    with camera:
        assert agent.step() is None
        event_id = agent.step()
    assert event_id is not None and event_id.startswith(lane.code)
    (waiting,) = outbox.pending()
    assert waiting.event_id == event_id and len(waiting.frames()) == 2
    delivered: list[dict[str, Any]] = []
    sender = OutboxSender(
        outbox,
        StationClient("http://central", token, transport=transport),
        on_delivered=lambda _capture, answer: delivered.append(answer),
    )
    assert sender.drain_once() == 0.0
    assert outbox.pending() == [] and delivered[0]["frames"] == 2


def test_the_outbox_keeps_captures_in_order_across_a_restart(tmp_path: Any) -> None:
    first = Outbox(tmp_path / "outbox")
    for number in range(3):
        first.put("G1-IN", f"evt-{number}", [b"\xff\xd8" + bytes([number])])
    # The agent restarts: a new outbox on the same folder finds every capture.
    again = Outbox(tmp_path / "outbox")
    assert [c.event_id for c in again.pending()] == ["evt-0", "evt-1", "evt-2"]
    assert again.pending()[2].frames() == [b"\xff\xd8\x02"]


def test_the_sender_backs_off_while_the_service_is_down_and_keeps_the_order(
    client: Any, session: Any, tmp_path: Any
) -> None:
    lane = make_lane()
    _station, token = make_station(lane)
    transport, calls = _flask_transport(client, failures=2)
    outbox = Outbox(tmp_path / "outbox")
    photo = (SHARED_DATA / "plates" / "br" / "AYO9034.jpg").read_bytes()
    outbox.put(lane.code, "evt-a", [photo])
    outbox.put(lane.code, "evt-b", [photo])
    sender = OutboxSender(outbox, StationClient("http://central", token, transport=transport))
    assert sender.drain_once() == 0.5
    assert sender.drain_once() == 1.0
    assert [c.event_id for c in outbox.pending()] == ["evt-a", "evt-b"]
    assert sender.drain_once() == 0.0
    assert outbox.pending() == [] and len(calls) == 4
    stored = session.scalars(select(Passage.idempotency_key).order_by(Passage.id)).all()
    assert stored == ["evt-a", "evt-b"]


def test_a_refused_capture_is_set_aside_with_its_reason(
    client: Any, session: Any, tmp_path: Any
) -> None:
    lane = make_lane()
    transport, _calls = _flask_transport(client)
    outbox = Outbox(tmp_path / "outbox")
    outbox.put(lane.code, "evt-r", [b"\xff\xd8"])
    sender = OutboxSender(outbox, StationClient("http://central", "gks_wrong", transport=transport))
    assert sender.drain_once() == 0.0
    assert outbox.pending() == []
    (rejected,) = outbox.rejected()
    assert "401" in (rejected / "refused.txt").read_text()


class _ProxyDown(BaseHTTPRequestHandler):
    """A reverse proxy whose upstream is down: an HTML 502 page."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        self.send_response(502)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *_args: Any) -> None:
        pass


def test_a_proxy_error_page_is_retried_not_a_crash() -> None:
    server = HTTPServer(("127.0.0.1", 0), _ProxyDown)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    station = StationClient(f"http://127.0.0.1:{server.server_port}", "t", urllib_transport)
    try:
        with pytest.raises(DeliveryError, match="502") as raised:
            station.try_capture("G1-IN", "evt-p", [b"\xff\xd8"])
        assert not isinstance(raised.value, RefusedError)
    finally:
        thread.join(timeout=10)
        server.server_close()


def test_the_sender_thread_delivers_while_the_camera_loop_goes_on(
    client: Any, session: Any, tmp_path: Any
) -> None:
    """Real concurrency: the sender runs on its own thread and delivers a capture that the
    camera loop (this thread) put in the outbox, after one failed try."""
    lane = make_lane()
    _station, token = make_station(lane)
    transport, calls = _flask_transport(client, failures=1)
    lock = threading.Lock()  # the test client's session is not shared between threads

    def guarded(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        with lock:
            return transport(url, body, headers)

    delivered = threading.Event()
    outbox = Outbox(tmp_path / "outbox")
    sender = OutboxSender(
        outbox,
        StationClient("http://central", token, transport=guarded),
        first_delay_s=0.01,
        on_delivered=lambda _capture, _answer: delivered.set(),
    )
    sender.start()
    try:
        photo = (SHARED_DATA / "plates" / "br" / "AYO9034.jpg").read_bytes()
        with lock:
            outbox.put(lane.code, "evt-thread", [photo])
        assert delivered.wait(timeout=60)
    finally:
        sender.stop()
    assert outbox.pending() == [] and len(calls) == 2

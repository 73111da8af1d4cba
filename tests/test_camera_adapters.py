from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import cv2
import pytest

from camera_adapters import CameraError, create_adapter
from camera_adapters.base import Backoff
from camera_adapters.opencv import OpenCVAdapter, OpenCVConfig, _with_credentials
from camera_adapters.registry import UnknownAdapterError
from camera_adapters.wire import AnprEventError, parse_event
from tests.vision_samples import encode, plate_scene

FRAME = plate_scene("AB 123", size=(240, 320), at=(40, 140), scale=1.0)


def test_file_adapter_replays_an_image_folder_in_order(tmp_path: Path) -> None:
    for n in range(3):
        frame = FRAME.copy()
        frame[0, 0] = (n, n, n)
        cv2.imwrite(str(tmp_path / f"{n}.png"), frame)
    (tmp_path / "notes.txt").write_text("not an image")
    with create_adapter({"type": "file", "path": str(tmp_path), "loop": True}) as camera:
        marks = [int(f[0, 0, 0]) for f in camera.grab(4)]
        assert marks == [0, 1, 2, 0]
        assert camera.health().ok


def test_file_adapter_without_loop_ends(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "one.jpg"), FRAME)
    camera = create_adapter({"type": "file", "path": str(tmp_path / "one.jpg"), "loop": False})
    camera.open()
    assert camera.grab(1)[0].shape == FRAME.shape
    with pytest.raises(CameraError, match="no more images"):
        camera.grab(1)
    assert not camera.health().ok


def test_file_adapter_plays_a_video(tmp_path: Path) -> None:
    video = tmp_path / "lane.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 5, (320, 240))
    for _ in range(3):
        writer.write(FRAME)
    writer.release()
    with create_adapter({"type": "file", "path": str(video)}) as camera:
        assert len(camera.grab(5)) == 5  # loops past the end


def test_missing_file_and_unknown_type_and_bad_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CameraError, match="no such file"):
        create_adapter({"type": "file", "path": str(tmp_path / "x.jpg")}).open()
    with pytest.raises(UnknownAdapterError, match="thermal"):
        create_adapter({"type": "thermal"})
    with pytest.raises(ValueError, match="password"):
        create_adapter({"type": "snapshot", "url": "http://cam", "password": "secret"})


class _FlakyCapture:
    """A stand-in for cv2.VideoCapture: the stream drops after two frames."""

    opened = 0

    def __init__(self, _target: object) -> None:
        type(self).opened += 1
        self.frames = 2

    def isOpened(self) -> bool:
        return True

    def read(self) -> tuple[bool, Any]:
        if self.frames == 0:
            return False, None
        self.frames -= 1
        return True, FRAME

    def release(self) -> None: ...


def test_opencv_adapter_reconnects_with_backoff() -> None:
    now = [0.0]
    camera = OpenCVAdapter(OpenCVConfig(source="rtsp://cam/stream"), capture_factory=_FlakyCapture)
    camera.backoff = Backoff(initial=1.0, maximum=8.0, clock=lambda: now[0])
    camera.open()
    assert len(camera.grab(2)) == 2
    with pytest.raises(CameraError, match="stream dropped"):
        camera.grab(1)
    with pytest.raises(CameraError, match="next reconnect"):
        camera.grab(1)  # too early: no reconnect storm
    now[0] = 1.5
    assert len(camera.grab(1)) == 1
    assert camera.reconnects == 1 and _FlakyCapture.opened == 2


def test_backoff_doubles_up_to_its_maximum() -> None:
    backoff = Backoff(initial=0.5, maximum=4.0, clock=lambda: 0.0)
    delays = []
    for _ in range(6):
        backoff.failed()
        delays.append(backoff.delay)
    assert delays == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    backoff.succeeded()
    assert backoff.ready()


def test_credentials_come_from_the_environment(monkeypatch: Any) -> None:
    monkeypatch.setenv("CAM_USER", "viewer")
    monkeypatch.setenv("CAM_PASS", "p@ss:word")
    assert _with_credentials("rtsp://10.0.0.5:554/s1", "viewer", "p@ss:word") == (
        "rtsp://viewer:p%40ss%3Aword@10.0.0.5:554/s1"
    )
    camera = OpenCVAdapter(OpenCVConfig(source="rtsp://cam/s", username_env="CAM_MISSING"))
    with pytest.raises(CameraError, match="CAM_MISSING is not set"):
        camera.open()


class _Snapshots(BaseHTTPRequestHandler):
    expected_auth = "Basic " + base64.b64encode(b"viewer:secret").decode()
    body = encode(FRAME)

    def do_GET(self) -> None:
        if self.path == "/broken":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<html>not an image</html>")
            return
        if self.headers.get("Authorization") != self.expected_auth:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="cam"')
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_args: Any) -> None: ...


@pytest.fixture
def snapshot_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Snapshots)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _basic_auth_snapshot(server: str, monkeypatch: Any, password: str) -> dict[str, str]:
    monkeypatch.setenv("SNAP_USER", "viewer")
    monkeypatch.setenv("SNAP_PASS", password)
    return {
        "type": "snapshot",
        "url": f"{server}/snap.jpg",
        "auth": "basic",
        "username_env": "SNAP_USER",
        "password_env": "SNAP_PASS",
    }


def test_snapshot_adapter_with_basic_auth(snapshot_server: str, monkeypatch: Any) -> None:
    config = _basic_auth_snapshot(snapshot_server, monkeypatch, "secret")
    with create_adapter(config) as camera:
        assert camera.grab(1)[0].shape == FRAME.shape


def test_snapshot_adapter_reports_wrong_password_and_non_images(
    snapshot_server: str, monkeypatch: Any
) -> None:
    config = _basic_auth_snapshot(snapshot_server, monkeypatch, "wrong")
    with create_adapter(config) as camera, pytest.raises(CameraError, match="401"):
        camera.grab(1)
    with create_adapter({"type": "snapshot", "url": f"{snapshot_server}/broken"}) as camera:
        with pytest.raises(CameraError, match="not an image"):
            camera.grab(1)
        assert camera.health().failures == 1


def test_anpr_events_are_validated() -> None:
    image = base64.b64encode(encode(FRAME)).decode()
    event = parse_event(
        {
            "event_id": "cam1-77",
            "plate": "q-akx-769",
            "confidence": 0.91,
            "hazard": {"hin": "225", "un": "1073"},
            "image": image,
        }
    )
    assert (event.plate, event.confidence, event.hin, event.un) == (
        "Q-AKX-769",
        0.91,
        "225",
        "1073",
    )
    camera = create_adapter({"type": "anpr_push"})
    camera.open()
    with pytest.raises(CameraError, match="no pushed event"):
        camera.grab(1)
    camera.accept({"event_id": "e1", "plate": "AB123", "confidence": 0.8, "image": image})
    assert camera.grab(1)[0].shape == FRAME.shape


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([], "body"),
        ({"plate": "AB123", "confidence": 0.9}, "event_id"),
        ({"event_id": "e 1", "plate": "AB123", "confidence": 0.9}, "event_id"),
        ({"event_id": "e1", "plate": "<script>", "confidence": 0.9}, "plate"),
        ({"event_id": "e1", "plate": "AB123", "confidence": "high"}, "confidence"),
        ({"event_id": "e1", "plate": "AB123", "confidence": 150}, "confidence"),
        # A percentage is not guessed: 91 is refused, never read as 0.91.
        ({"event_id": "e1", "plate": "AB123", "confidence": 91}, "confidence"),
        ({"event_id": "e1", "plate": "AB123", "confidence": 10**400}, "confidence"),
        ({"event_id": "e1", "plate": "AB123", "confidence": float("nan")}, "confidence"),
        # A trailing newline would make a second event id for the same event.
        ({"event_id": "e1\n", "plate": "AB123", "confidence": 0.9}, "event_id"),
        (
            {
                "event_id": "e1",
                "plate": "AB123",
                "confidence": 0.9,
                "hazard": {"hin": "33", "un": "١٢٠٣"},  # Arabic-Indic digits
            },
            "hazard.un",
        ),
        (
            {
                "event_id": "e1",
                "plate": "AB123",
                "confidence": 0.9,
                "hazard": {"hin": "３３", "un": "1203"},  # full-width digits
            },
            "hazard.hin",
        ),
        (
            {
                "event_id": "e1",
                "plate": "AB123",
                "confidence": 0.9,
                "hazard": {"hin": "2", "un": "1073"},
            },
            "hazard.hin",
        ),
        ({"event_id": "e1", "plate": "AB123", "confidence": 0.9, "image": "%%%"}, "image"),
    ],
)
def test_bad_anpr_events_name_the_field(payload: Any, field: str) -> None:
    with pytest.raises(AnprEventError, match=field):
        parse_event(payload)

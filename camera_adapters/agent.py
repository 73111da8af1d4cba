"""The gate-station agent: watches a lane's camera, and when a vehicle arrives sends a
burst of frames to the central service with the station's token, retrying with the same
event id when the network fails (the service stores each event once).

Run it on the lane computer::

    GATEKEEPER_STATION_TOKEN=gks_... python -m camera_adapters.agent \\
        --server https://gatekeeper.park.example --lane G1-HAZ --camera camera.json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from camera_adapters.base import CameraAdapter, CameraError, Frame
from camera_adapters.registry import create_adapter

log = logging.getLogger("camera_adapters.agent")

# (url, body, headers) -> (HTTP status, parsed JSON body); raises OSError on network failure.
Transport = Callable[[str, bytes, dict[str, str]], tuple[int, Any]]


class DeliveryError(RuntimeError):
    """The service refused the capture for good (4xx), or never answered."""


def urllib_transport(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (http/https only)
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def encode_multipart(
    fields: dict[str, str], files: Sequence[tuple[str, str, bytes]]
) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        disposition = f'Content-Disposition: form-data; name="{name}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    for name, filename, data in files:
        disposition = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"'
        header = f"--{boundary}\r\n{disposition}\r\nContent-Type: image/jpeg\r\n\r\n"
        parts.append(header.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class StationClient:
    server: str
    token: str
    transport: Transport = urllib_transport
    attempts: int = 6
    first_delay_s: float = 0.5
    sleep: Callable[[float], None] = time.sleep

    def send_capture(self, lane: str, event_id: str, jpegs: Sequence[bytes]) -> dict[str, Any]:
        """Deliver one capture; network failures and 5xx answers are retried with the same
        event id and growing pauses. Returns the service's JSON answer."""
        body, content_type = encode_multipart(
            {"event_id": event_id},
            [("image", f"frame{i}.jpg", data) for i, data in enumerate(jpegs)],
        )
        url = f"{self.server.rstrip('/')}/api/v1/lanes/{lane}/captures"
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": content_type}
        delay = self.first_delay_s
        problem = "no attempt made"
        for attempt in range(1, self.attempts + 1):
            try:
                status, answer = self.transport(url, body, headers)
            except OSError as exc:
                problem = f"network: {exc}"
            else:
                if status < 300:
                    return dict(answer)
                if status < 500:
                    raise DeliveryError(f"refused ({status}): {answer}")
                problem = f"server error {status}"
            log.warning("capture %s attempt %d failed (%s)", event_id, attempt, problem)
            if attempt < self.attempts:
                self.sleep(delay)
                delay = min(30.0, delay * 2)
        raise DeliveryError(f"capture {event_id} not delivered: {problem}")


class MotionTrigger:
    """Fires when the region of interest changes (a vehicle arrives), then waits for the
    scene to settle and a cool-down before firing again."""

    def __init__(
        self,
        threshold: float = 12.0,
        cooldown_s: float = 5.0,
        roi: Sequence[float] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold, self.cooldown_s, self.roi, self.clock = threshold, cooldown_s, roi, clock
        self._background: np.ndarray | None = None
        self._last_fired = -1e9

    def _small(self, frame: Frame) -> np.ndarray:
        if self.roi:
            h, w = frame.shape[:2]
            x, y, rw, rh = self.roi
            frame = frame[int(y * h) : int((y + rh) * h), int(x * w) : int((x + rw) * w)]
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        return cv2.GaussianBlur(cv2.resize(gray, (160, 120)), (5, 5), 0).astype(np.float32)

    def __call__(self, frame: Frame) -> bool:
        small = self._small(frame)
        if self._background is None:
            self._background = small
            return False
        change = float(np.mean(np.abs(small - self._background)))
        self._background = 0.9 * self._background + 0.1 * small
        if change >= self.threshold and self.clock() - self._last_fired >= self.cooldown_s:
            self._last_fired = self.clock()
            return True
        return False


@dataclass
class StationAgent:
    camera: CameraAdapter
    client: StationClient
    lane: str
    trigger: Callable[[Frame], bool]
    burst: int = 3

    def step(self) -> dict[str, Any] | None:
        """Grab a frame; when the trigger fires, send a burst. Returns the answer, if any."""
        (frame,) = self.camera.grab(1)
        if not self.trigger(frame):
            return None
        frames = [frame, *self.camera.grab(self.burst - 1)] if self.burst > 1 else [frame]
        jpegs = [
            cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes() for f in frames
        ]
        event_id = f"{self.lane}-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        answer = self.client.send_capture(self.lane, event_id, jpegs)
        log.info("capture %s sent: %s", event_id, answer.get("status_url"))
        return answer

    def run_forever(self, idle_s: float = 0.1) -> None:
        with self.camera:
            while True:
                try:
                    self.step()
                except CameraError as exc:
                    log.warning("camera: %s", exc)
                    time.sleep(1.0)
                except Exception:  # keep the lane running; the error is logged
                    log.exception("capture failed")
                time.sleep(idle_s)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Gatekeeper gate-station agent")
    parser.add_argument("--server", required=True, help="base URL of the Gatekeeper service")
    parser.add_argument("--lane", required=True, help="lane code, e.g. G1-HAZ")
    parser.add_argument("--camera", required=True, type=Path, help="camera config JSON file")
    parser.add_argument("--token-env", default="GATEKEEPER_STATION_TOKEN")
    parser.add_argument("--burst", type=int, default=3)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    token = os.environ.get(args.token_env)
    if not token:
        parser.error(f"set the station token in ${args.token_env}")
    camera = create_adapter(json.loads(args.camera.read_text()))
    agent = StationAgent(
        camera, StationClient(args.server, token), args.lane, MotionTrigger(), args.burst
    )
    agent.run_forever()


if __name__ == "__main__":
    main()

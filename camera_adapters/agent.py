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
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from camera_adapters.base import CameraAdapter, CameraError, Frame
from camera_adapters.client import StationClient
from camera_adapters.outbox import Outbox, OutboxSender
from camera_adapters.registry import create_adapter

log = logging.getLogger("camera_adapters.agent")


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
    """The camera loop. A capture goes into the on-disk outbox at once; a separate thread
    (:class:`OutboxSender`) delivers it, so a slow or unreachable service never stops the
    camera and a capture is never dropped (not even across a restart of the agent)."""

    camera: CameraAdapter
    outbox: Outbox
    lane: str
    trigger: Callable[[Frame], bool]
    burst: int = 3

    def step(self) -> str | None:
        """Grab a frame; when the trigger fires, put a burst in the outbox. Returns the
        event id of the capture, if one was taken."""
        (frame,) = self.camera.grab(1)
        if not self.trigger(frame):
            return None
        frames = [frame, *self.camera.grab(self.burst - 1)] if self.burst > 1 else [frame]
        jpegs = [
            cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes() for f in frames
        ]
        event_id = f"{self.lane}-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        self.outbox.put(self.lane, event_id, jpegs)
        log.info("capture %s queued for delivery", event_id)
        return event_id

    def run_forever(self, sender: OutboxSender, idle_s: float = 0.1) -> None:
        sender.start()
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
    parser.add_argument(
        "--outbox",
        type=Path,
        default=Path("outbox"),
        help="folder where captures wait until the service has them (kept across restarts)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    token = os.environ.get(args.token_env)
    if not token:
        parser.error(f"set the station token in ${args.token_env}")
    camera = create_adapter(json.loads(args.camera.read_text()))
    outbox = Outbox(args.outbox)
    sender = OutboxSender(outbox, StationClient(args.server, token))
    agent = StationAgent(camera, outbox, args.lane, MotionTrigger(), args.burst)
    agent.run_forever(sender)


if __name__ == "__main__":
    main()

"""The station's outbox: captures wait on disk until the central service has them.

The camera loop only writes a capture into the outbox (a folder per capture, written under
a temporary name and renamed, so a crash never leaves half a capture). A separate thread
(:class:`OutboxSender`) delivers the oldest capture first with its own event id, waiting
longer after each failure (network down, 5xx, a proxy's HTML 502/504), and removes it only
once the service has answered. A capture the service refuses for good (4xx) is moved to
``rejected/`` with the reason beside it, for a technician to see: nothing is dropped.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from camera_adapters.client import DeliveryError, RefusedError

log = logging.getLogger("camera_adapters.outbox")


@dataclass(frozen=True)
class Capture:
    folder: Path
    lane: str
    event_id: str

    def frames(self) -> list[bytes]:
        return [path.read_bytes() for path in sorted(self.folder.glob("frame*.jpg"))]


class Outbox:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.pending_dir = root / "pending"
        self.rejected_dir = root / "rejected"
        for folder in (self.pending_dir, self.rejected_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.changed = threading.Event()  # set when a capture is added

    def put(self, lane: str, event_id: str, jpegs: Sequence[bytes]) -> Capture:
        """Keep a capture until it is delivered; atomic (a rename)."""
        staging = self.root / f".staging-{uuid.uuid4().hex}"
        staging.mkdir()
        for number, data in enumerate(jpegs):
            (staging / f"frame{number:02d}.jpg").write_bytes(data)
        (staging / "capture.json").write_text(json.dumps({"lane": lane, "event_id": event_id}))
        # Names sort in arrival order: a nanosecond counter, then the event id.
        final = self.pending_dir / f"{_sequence()}-{event_id}"
        staging.rename(final)
        self.changed.set()
        return Capture(final, lane, event_id)

    def pending(self) -> list[Capture]:
        captures = []
        for folder in sorted(self.pending_dir.iterdir()):
            meta = json.loads((folder / "capture.json").read_text())
            captures.append(Capture(folder, meta["lane"], meta["event_id"]))
        return captures

    def done(self, capture: Capture) -> None:
        shutil.rmtree(capture.folder)

    def reject(self, capture: Capture, reason: str) -> None:
        (capture.folder / "refused.txt").write_text(reason)
        capture.folder.rename(self.rejected_dir / capture.folder.name)

    def rejected(self) -> list[Path]:
        return sorted(self.rejected_dir.iterdir())


_counter = threading.Lock()
_last = [0]


def _sequence() -> str:
    with _counter:
        value = max(time.time_ns(), _last[0] + 1)
        _last[0] = value
    return f"{value:020d}"


class Client(Protocol):
    def try_capture(self, lane: str, event_id: str, jpegs: Sequence[bytes]) -> dict[str, Any]: ...


@dataclass
class OutboxSender:
    """Delivers the outbox in order on its own thread, with back-off after failures."""

    outbox: Outbox
    client: Client
    first_delay_s: float = 0.5
    max_delay_s: float = 60.0
    on_delivered: Callable[[Capture, dict[str, Any]], None] | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    _delay: float = 0.0
    _thread: threading.Thread | None = None

    def drain_once(self) -> float:
        """Try the pending captures, oldest first, until one fails. Returns how long to
        wait before the next try (0 when the outbox is empty)."""
        for capture in self.outbox.pending():
            try:
                answer = self.client.try_capture(capture.lane, capture.event_id, capture.frames())
            except RefusedError as exc:
                log.error("capture %s refused for good: %s", capture.event_id, exc)
                self.outbox.reject(capture, str(exc))
                continue
            except DeliveryError as exc:
                self._delay = min(self.max_delay_s, max(self.first_delay_s, self._delay * 2))
                log.warning(
                    "capture %s not delivered (%s); next try in %.1f s",
                    capture.event_id,
                    exc,
                    self._delay,
                )
                return self._delay
            self.outbox.done(capture)
            self._delay = 0.0
            log.info("capture %s delivered: %s", capture.event_id, answer.get("status_url"))
            if self.on_delivered is not None:
                self.on_delivered(capture, answer)
        return 0.0

    def run(self) -> None:
        while not self.stop_event.is_set():
            self.outbox.changed.clear()
            wait = self.drain_once()
            if wait:
                self.stop_event.wait(wait)  # back-off: new captures wait their turn
            else:
                self.outbox.changed.wait(timeout=5.0)

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.run, name="outbox-sender", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        self.stop_event.set()
        self.outbox.changed.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

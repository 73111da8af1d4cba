"""The one interface every camera adapter implements, and what they share."""

from __future__ import annotations

import os
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

# BGR uint8 frames as OpenCV hands them out (its stubs type them loosely).
Frame = NDArray[Any]


class CameraError(RuntimeError):
    """The camera cannot give a frame now; the message says why."""


class AdapterConfig(BaseModel):
    """Base of every adapter's settings. Unknown keys are refused. Secrets are never part
    of a config: a config names the environment variables that hold them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    name: str = "camera"


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str
    last_frame_at: float | None = None  # time.time() of the last good frame
    failures: int = 0


def secret_from_env(variable: str | None) -> str | None:
    """The value of a credential variable; a named but unset variable is an error."""
    if variable is None:
        return None
    value = os.environ.get(variable)
    if value is None:
        raise CameraError(f"environment variable {variable} is not set")
    return value


class CameraAdapter(ABC):
    """Open, grab frames, report health, close. Adapters are used from one thread."""

    type_key: ClassVar[str]
    config_model: ClassVar[type[AdapterConfig]]

    def __init__(self, config: AdapterConfig) -> None:
        self.config = config
        self._last_frame_at: float | None = None
        self._failures = 0
        self._detail = "not opened"

    @abstractmethod
    def open(self) -> None: ...

    @abstractmethod
    def _grab_one(self) -> Frame: ...

    def grab(self, count: int = 1) -> list[Frame]:
        """``count`` frames, or :class:`CameraError`."""
        frames = []
        for _ in range(count):
            try:
                frames.append(self._grab_one())
            except CameraError as exc:
                self._failures += 1
                self._detail = str(exc)
                raise
        self._last_frame_at = time.time()
        self._failures = 0
        self._detail = "ok"
        return frames

    def close(self) -> None:
        self._detail = "closed"

    def health(self) -> Health:
        return Health(self._detail == "ok", self._detail, self._last_frame_at, self._failures)

    def __enter__(self) -> CameraAdapter:
        self.open()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class Backoff:
    """Exponential back-off between reconnection attempts (no sleeping: callers ask
    whether an attempt is due, so a lane never blocks on a dead camera)."""

    def __init__(
        self,
        initial: float = 0.5,
        maximum: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.initial, self.maximum, self.clock = initial, maximum, clock
        self.delay = 0.0
        self.next_attempt = 0.0

    def ready(self) -> bool:
        return self.clock() >= self.next_attempt

    def failed(self) -> None:
        self.delay = min(self.maximum, self.delay * 2 if self.delay else self.initial)
        self.next_attempt = self.clock() + self.delay

    def succeeded(self) -> None:
        self.delay = 0.0
        self.next_attempt = 0.0

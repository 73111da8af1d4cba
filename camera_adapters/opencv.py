"""Any stream OpenCV can open: RTSP, HTTP MJPEG, a USB camera index. Reconnects with
back-off when the stream drops."""

from __future__ import annotations

import logging
from typing import ClassVar, Literal
from urllib.parse import quote, urlsplit, urlunsplit

import cv2

from camera_adapters.base import (
    AdapterConfig,
    Backoff,
    CameraAdapter,
    CameraError,
    Frame,
    secret_from_env,
)

log = logging.getLogger(__name__)


class OpenCVConfig(AdapterConfig):
    type: Literal["opencv"] = "opencv"
    source: str  # rtsp://host/stream, http://host/mjpeg, or a device index such as "0"
    username_env: str | None = None
    password_env: str | None = None
    reconnect_initial_s: float = 0.5
    reconnect_max_s: float = 30.0


def _with_credentials(source: str, username: str | None, password: str | None) -> str:
    if not username:
        return source
    parts = urlsplit(source)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    userinfo = quote(username, safe="") + (f":{quote(password, safe='')}" if password else "")
    return urlunsplit((parts.scheme, f"{userinfo}@{host}", parts.path, parts.query, parts.fragment))


class OpenCVAdapter(CameraAdapter):
    type_key: ClassVar[str] = "opencv"
    config_model: ClassVar[type[AdapterConfig]] = OpenCVConfig
    config: OpenCVConfig

    def __init__(
        self, config: OpenCVConfig, capture_factory: type[cv2.VideoCapture] = cv2.VideoCapture
    ) -> None:
        super().__init__(config)
        self._factory = capture_factory
        self._capture: cv2.VideoCapture | None = None
        self.backoff = Backoff(config.reconnect_initial_s, config.reconnect_max_s)
        self.reconnects = 0

    def _target(self) -> str | int:
        source = self.config.source
        if source.isdigit():
            return int(source)
        return _with_credentials(
            source,
            secret_from_env(self.config.username_env),
            secret_from_env(self.config.password_env),
        )

    def open(self) -> None:
        self._connect()

    def _connect(self) -> None:
        if self._capture is not None:
            self._capture.release()
        capture = self._factory(self._target())
        if not capture.isOpened():
            self._capture = None
            self.backoff.failed()
            raise CameraError(f"cannot open {self.config.name}")
        self._capture = capture
        self.backoff.succeeded()
        self._detail = "open"

    def _grab_one(self) -> Frame:
        if self._capture is None:
            if not self.backoff.ready():
                raise CameraError(
                    f"{self.config.name} down; next reconnect in {self.backoff.delay:.1f} s"
                )
            self.reconnects += 1
            log.info("reconnecting to %s (attempt %d)", self.config.name, self.reconnects)
            self._connect()
        assert self._capture is not None
        ok, frame = self._capture.read()
        if not ok or frame is None:
            self._capture.release()
            self._capture = None
            self.backoff.failed()
            raise CameraError(f"{self.config.name}: stream dropped")
        return frame

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None
        super().close()

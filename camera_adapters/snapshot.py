"""Still images from an IP camera's snapshot URL (HTTP or HTTPS, basic or digest auth)."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import ClassVar, Literal

import cv2
import numpy as np

from camera_adapters.base import (
    AdapterConfig,
    Backoff,
    CameraAdapter,
    CameraError,
    Frame,
    secret_from_env,
)

MAX_SNAPSHOT_BYTES = 20 * 1024 * 1024


class SnapshotConfig(AdapterConfig):
    type: Literal["snapshot"] = "snapshot"
    url: str
    auth: Literal["none", "basic", "digest"] = "none"
    username_env: str | None = None
    password_env: str | None = None
    timeout_s: float = 5.0


class SnapshotAdapter(CameraAdapter):
    type_key: ClassVar[str] = "snapshot"
    config_model: ClassVar[type[AdapterConfig]] = SnapshotConfig
    config: SnapshotConfig

    def __init__(self, config: SnapshotConfig) -> None:
        super().__init__(config)
        self._opener: urllib.request.OpenerDirector | None = None
        self.backoff = Backoff()

    def open(self) -> None:
        if not self.config.url.startswith(("http://", "https://")):
            raise CameraError("snapshot url must be http:// or https://")
        handlers: list[urllib.request.BaseHandler] = []
        if self.config.auth != "none":
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(
                None,
                self.config.url,
                secret_from_env(self.config.username_env) or "",
                secret_from_env(self.config.password_env) or "",
            )
            handler_class = (
                urllib.request.HTTPDigestAuthHandler
                if self.config.auth == "digest"
                else urllib.request.HTTPBasicAuthHandler
            )
            handlers.append(handler_class(passwords))
        self._opener = urllib.request.build_opener(*handlers)
        self._detail = "open"

    def _grab_one(self) -> Frame:
        if self._opener is None:
            raise CameraError("not opened")
        if not self.backoff.ready():
            raise CameraError(f"{self.config.name} down; retry in {self.backoff.delay:.1f} s")
        try:
            with self._opener.open(self.config.url, timeout=self.config.timeout_s) as response:
                data = response.read(MAX_SNAPSHOT_BYTES + 1)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            self.backoff.failed()
            raise CameraError(f"{self.config.name}: {exc}") from exc
        if len(data) > MAX_SNAPSHOT_BYTES:
            self.backoff.failed()
            raise CameraError(
                f"{self.config.name}: snapshot larger than {MAX_SNAPSHOT_BYTES} bytes"
            )
        frame = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if frame is None:
            self.backoff.failed()
            raise CameraError(f"{self.config.name}: answer is not an image")
        self.backoff.succeeded()
        return frame

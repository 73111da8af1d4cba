"""Smart ANPR cameras that read the plate themselves and push plate + image.

The camera posts JSON (``event_id``, ``plate``, ``confidence``, optional ``hazard`` with
``hin``/``un`` and an optional base64 ``image``); :func:`parse_event` validates it and the
adapter keeps the latest events, so that their images can be grabbed like any frame.
"""

from __future__ import annotations

from collections import deque
from typing import Any, ClassVar, Literal

import cv2
import numpy as np

from camera_adapters.base import AdapterConfig, CameraAdapter, CameraError, Frame
from camera_adapters.wire import AnprEvent, AnprEventError, parse_event

__all__ = ["AnprEvent", "AnprEventError", "AnprPushAdapter", "AnprPushConfig", "parse_event"]


class AnprPushConfig(AdapterConfig):
    type: Literal["anpr_push"] = "anpr_push"
    keep_events: int = 20


class AnprPushAdapter(CameraAdapter):
    type_key: ClassVar[str] = "anpr_push"
    config_model: ClassVar[type[AdapterConfig]] = AnprPushConfig
    config: AnprPushConfig

    def __init__(self, config: AnprPushConfig) -> None:
        super().__init__(config)
        self.events: deque[AnprEvent] = deque(maxlen=config.keep_events)

    def open(self) -> None:
        self._detail = "waiting for events"

    def accept(self, payload: Any) -> AnprEvent:
        event = parse_event(payload)
        self.events.append(event)
        return event

    def _grab_one(self) -> Frame:
        for event in reversed(self.events):
            if event.image:
                frame = cv2.imdecode(np.frombuffer(event.image, np.uint8), cv2.IMREAD_COLOR)
                if frame is None:
                    raise CameraError(f"event {event.event_id}: image is not decodable")
                return frame
        raise CameraError("no pushed event with an image yet")

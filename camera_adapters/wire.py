"""The wire format between gate stations (and smart cameras) and the central service, in
one place that both sides import: event ids, plates, and the ANPR event JSON
(``event_id``, ``plate``, ``confidence``, optional ``hazard`` with ``hin``/``un`` and an
optional base64 ``image``). Plain Python: no OpenCV, no Flask."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

# Event ids a station sends with a capture or an ANPR event (the service stores each once).
# Matched whole (``fullmatch``): a trailing newline is not a second id for the same event.
EVENT_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,100}$")
PLATE = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff ·.\-]{2,16}$")
MAX_IMAGE_BYTES = 16 * 1024 * 1024


class AnprEventError(ValueError):
    """The pushed event is malformed; the message names the field. ``status``: the HTTP
    status the service answers (413 for an image over the size limit, else 400)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class AnprEvent:
    event_id: str
    plate: str
    confidence: float
    hin: str | None = None
    un: str | None = None
    hazard_confidence: float | None = None
    image: bytes | None = None
    # The plate's colour as the camera classified it (Chinese smart ANPR cameras send it).
    plate_colour: str | None = None


# Colour names as cameras send them (Hikvision, Dahua, Chinese firmware), to our codes.
PLATE_COLOURS = {
    "blue": "blue",
    "蓝": "blue",
    "蓝色": "blue",
    "yellow": "yellow",
    "黄": "yellow",
    "黄色": "yellow",
    "green": "green",
    "绿": "green",
    "绿色": "green",
    "newenergy": "green",
    "yellowgreen": "yellow_green",
    "yellow_green": "yellow_green",
    "黄绿": "yellow_green",
    "黄绿色": "yellow_green",
    "white": "white",
    "白": "white",
    "白色": "white",
    "black": "black",
    "黑": "black",
    "黑色": "black",
}
_UNKNOWN_COLOURS = ("", "unknown", "other", "未知", "其他")


def _plate_colour(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise AnprEventError("plate_color: a colour name such as blue, yellow, green")
    key = value.strip().lower().replace(" ", "").replace("-", "")
    if key in _UNKNOWN_COLOURS:
        return None
    if key not in PLATE_COLOURS:
        raise AnprEventError(
            "plate_color: blue, yellow, green, yellow_green, white or black (or unknown)"
        )
    return PLATE_COLOURS[key]


def _confidence(value: Any) -> float:
    """A probability from 0 to 1. A camera that reports percentages must be configured to
    send fractions: 0.9 and 90 are not guessed apart (90 is refused, never read as 0.9)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AnprEventError("confidence: a number from 0 to 1")
    if not 0 <= value <= 1:  # NaN and huge integers fail here too
        raise AnprEventError("confidence: a number from 0 to 1")
    return float(value)


def _hazard(value: Any) -> tuple[str | None, str | None, float | None]:
    if value is None:
        return None, None, None
    if not isinstance(value, dict):
        raise AnprEventError("hazard: an object with hin and un")
    hin, un = value.get("hin"), value.get("un")
    if not (isinstance(hin, str) and re.fullmatch(r"X?[0-9]{2,3}", hin)):
        raise AnprEventError("hazard.hin: 2-3 digits, optionally after X")
    if not (isinstance(un, str) and re.fullmatch(r"[0-9]{4}", un)):
        raise AnprEventError("hazard.un: 4 digits")
    confidence = value.get("confidence")
    if confidence is not None:
        try:
            confidence = _confidence(confidence)
        except AnprEventError as exc:
            raise AnprEventError(f"hazard.{exc}") from exc
    return hin, un, confidence


def _image(value: Any) -> bytes | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise AnprEventError("image: base64 text")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AnprEventError("image: not valid base64") from exc
    if len(data) > MAX_IMAGE_BYTES:
        raise AnprEventError("image: larger than 16 MiB", 413)
    return data


def parse_event(payload: Any) -> AnprEvent:
    if not isinstance(payload, dict):
        raise AnprEventError("body: a JSON object")
    event_id, plate = payload.get("event_id"), payload.get("plate")
    if not (isinstance(event_id, str) and EVENT_ID.fullmatch(event_id)):
        raise AnprEventError("event_id: 1-100 letters, digits or . _ : -")
    if not (isinstance(plate, str) and PLATE.fullmatch(plate.strip())):
        raise AnprEventError("plate: 2-16 letters, digits, spaces or dashes")
    hin, un, hazard_confidence = _hazard(payload.get("hazard"))
    return AnprEvent(
        event_id=event_id,
        plate=plate.strip().upper(),
        confidence=_confidence(payload.get("confidence")),
        hin=hin,
        un=un,
        hazard_confidence=hazard_confidence,
        image=_image(payload.get("image")),
        plate_colour=_plate_colour(payload.get("plate_color", payload.get("plate_colour"))),
    )

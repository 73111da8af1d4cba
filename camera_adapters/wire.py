"""The wire format between gate stations (and smart cameras) and the central service, in
one place that both sides import: event ids, plates, image limits, and the JSON bodies
(ANPR events, checkpoint sightings, badge reads, scanned QR texts) as pydantic models that
validate them and from which the service's OpenAPI document is generated. No OpenCV, no
Flask."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)

# Event ids a station sends with a capture or an ANPR event (the service stores each once).
# Matched whole (``fullmatch``): a trailing newline is not a second id for the same event.
EVENT_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,100}$")
PLATE = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff ·.\-]{2,16}$")
MAX_IMAGE_BYTES = 16 * 1024 * 1024
MIN_IMAGE_SIDE = 16  # pixels
MAX_IMAGE_PIXELS = 40_000_000  # a 12 MP camera frame is 12 M; anything beyond 40 M is refused
# The service's record ids (a capture's, in a scan) are 32-bit integers: larger is no id.
MAX_RECORD_ID = 2**31 - 1
# A record id in a body: larger would fail in the database instead of finding nothing.
RecordId = Annotated[int, Field(ge=1, le=MAX_RECORD_ID)]


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


# --- the request bodies, as pydantic models ---------------------------------------------------
# The service validates every JSON body with these models, and its OpenAPI document is
# generated from them: what is documented is what is checked. A refusal names the first
# wrong field with the message below (one message, as stations log it).

_TEXT = {
    "event_id": "1-100 letters, digits or . _ : -",
    "plate": "2-16 letters, digits, spaces or dashes",
    "confidence": "a number from 0 to 1",
    "hazard": "an object with hin and un",
    "hazard.hin": "2-3 digits, optionally after X",
    "hazard.un": "4 digits",
    "hazard.confidence": "a number from 0 to 1",
    "image": "base64 text",
    "plate_color": "blue, yellow, green, yellow_green, white or black (or unknown)",
    "plate_colour": "blue, yellow, green, yellow_green, white or black (or unknown)",
    "at": "an ISO 8601 time with its offset",
    "badge": "the card or badge number (1-40 characters)",
    "text": "the scanned QR code's text",
    "capture": "a capture id",
}
# A camera clock this far ahead of ours is wrong, not early.
FUTURE_SLACK = timedelta(minutes=5)
# What an image sent to the service must be (the API document says it).
IMAGE_RULES = (
    f"JPEG or PNG, at least {MIN_IMAGE_SIDE} px a side, at most {MAX_IMAGE_PIXELS:,} pixels "
    f"and {MAX_IMAGE_BYTES // (1024 * 1024)} MiB (larger: 413)"
)


def _base64_image(value: Any) -> bytes | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise AnprEventError("base64 text")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AnprEventError("not valid base64") from exc
    if len(data) > MAX_IMAGE_BYTES:
        raise AnprEventError("larger than 16 MiB", 413)
    return data


def _colour(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise AnprEventError("a colour name such as blue, yellow, green")
    key = value.strip().lower().replace(" ", "").replace("-", "")
    if key in _UNKNOWN_COLOURS:
        return None
    if key not in PLATE_COLOURS:
        raise AnprEventError(_TEXT["plate_color"])
    return PLATE_COLOURS[key]


def _now() -> datetime:
    return datetime.now(UTC)


def moment(value: Any) -> datetime:
    """An ISO 8601 time with its UTC offset, not in the future (absent: now), in UTC."""
    if value is None:
        return _now()
    if not isinstance(value, str):
        raise AnprEventError(_TEXT["at"])
    try:
        found = datetime.fromisoformat(value)
    except ValueError as exc:
        raise AnprEventError(_TEXT["at"]) from exc
    if found.tzinfo is None:
        raise AnprEventError("give the UTC offset (e.g. +08:00 or Z)")
    found = found.astimezone(UTC)
    if found > _now() + FUTURE_SLACK:
        raise AnprEventError("in the future")
    return found


Image = Annotated[
    bytes | None,
    BeforeValidator(_base64_image),
    WithJsonSchema(
        {
            "type": ["string", "null"],
            "contentEncoding": "base64",
            "description": f"base64 {IMAGE_RULES}",
        }
    ),
]
Colour = Annotated[
    str | None,
    BeforeValidator(_colour),
    WithJsonSchema(
        {
            "type": ["string", "null"],
            "description": "the plate's colour as a smart ANPR camera sends it: blue, "
            "yellow, green, yellow_green, white, black (or 蓝, 黄, 绿, 黄绿, 白, 黑; unknown)",
        }
    ),
]
Moment = Annotated[
    datetime,
    BeforeValidator(moment),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "when it happened, with its UTC offset (default: now; not in "
            "the future)",
        }
    ),
]
EventId = Annotated[
    str, Field(pattern=EVENT_ID.pattern, description="the camera's or station's event id")
]
Probability = Annotated[float, Field(ge=0, le=1, strict=True)]


class _Body(BaseModel):
    # Fields a newer camera firmware adds are ignored, not refused.
    model_config = ConfigDict(extra="ignore", frozen=True)


class HazardReading(_Body):
    """The orange plate as the camera read it."""

    hin: Annotated[str, Field(pattern=r"^X?[0-9]{2,3}$", description="hazard number")]
    un: Annotated[str, Field(pattern=r"^[0-9]{4}$", description="UN number")]
    confidence: Probability | None = None


class CameraReading(_Body):
    """What a smart camera sends with each plate it reads."""

    event_id: EventId
    plate: Annotated[
        str,
        StringConstraints(strip_whitespace=True, to_upper=True, pattern=PLATE.pattern),
        Field(
            description="as read: 2-16 letters, digits, Chinese characters, spaces, dots or dashes"
        ),
    ]
    confidence: Probability
    plate_color: Colour = None
    plate_colour: Colour = Field(default=None, description="the same, British spelling")
    image: Image = None

    @property
    def colour(self) -> str | None:
        return self.plate_color or self.plate_colour


class AnprEventBody(CameraReading):
    """An ANPR event at a lane."""

    hazard: HazardReading | None = None

    def event(self) -> AnprEvent:
        hazard = self.hazard
        return AnprEvent(
            event_id=self.event_id,
            plate=self.plate,
            confidence=self.confidence,
            hin=hazard.hin if hazard else None,
            un=hazard.un if hazard else None,
            hazard_confidence=hazard.confidence if hazard else None,
            image=self.image,
            plate_colour=self.colour,
        )


class SightingBody(CameraReading):
    """A vehicle seen by a checkpoint camera."""

    at: Moment = Field(default_factory=_now)


class BadgeReadBody(_Body):
    """A badge, staff card, ID or positioning card read at a pedestrian lane."""

    event_id: EventId
    badge: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    at: Moment = Field(default_factory=_now)


class ScanBody(_Body):
    """The text of a QR code read by a fixed scanner at the lane."""

    # Kept as scanned (a signed payload is checked byte for byte); blank is refused.
    text: Annotated[str, Field(min_length=1, max_length=4000, pattern=r"\S")]
    capture: Annotated[RecordId, Field(strict=True)] | None = None


B = TypeVar("B", bound=BaseModel)


def parse_body(model: type[B], payload: Any) -> B:
    """``payload`` validated by ``model``; :class:`AnprEventError` naming the first wrong
    field otherwise (status 413 for an image over the limit)."""
    if not isinstance(payload, dict):
        raise AnprEventError("body: a JSON object")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise _first_error(exc) from None


def _first_error(exc: ValidationError) -> AnprEventError:
    error = exc.errors()[0]
    field = ".".join(str(part) for part in error["loc"] if not isinstance(part, int)) or "body"
    ours = error.get("ctx", {}).get("error")
    if isinstance(ours, AnprEventError):  # raised by one of the validators above
        return AnprEventError(f"{field}: {ours}", ours.status)
    return AnprEventError(f"{field}: {_TEXT.get(field, error['msg'])}")


def parse_event(payload: Any) -> AnprEvent:
    return parse_body(AnprEventBody, payload).event()

"""Booking passes and electronic waybills as the gate scans them.

A booking pass carries a signed token in its QR code: ``GKP1.`` then the booking
reference, the plate and the validity (from the window's start less the early tolerance
to its end plus the late tolerance), signed with the installation's secret key
(itsdangerous). A changed character breaks the signature: the pass is then not genuine.

An electronic waybill's QR code is read as JSON in the shape documented in
``docs/e-waybill.md`` (English keys or the Chinese field names of the national e-waybill),
and compared with the booking by the gate's waybill rule. Anything else scanned is taken
as a waybill number typed by a keyboard-wedge scanner.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import qrcode
import qrcode.image.svg
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from gatekeeper.models import Booking
from gatekeeper.services.park import park_settings

PREFIX = "GKP1."
_SALT = "gatekeeper.booking-pass"
MAX_SCAN = 4000  # characters: a QR code holds at most about 3 kB of text


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def validity(booking: Booking) -> tuple[datetime, datetime]:
    park = park_settings()
    return (
        booking.window_start - timedelta(minutes=park.early_tolerance_minutes),
        booking.window_end + timedelta(minutes=park.late_tolerance_minutes),
    )


def pass_token(booking: Booking) -> str:
    valid_from, valid_until = validity(booking)
    payload = {
        "r": booking.reference,
        "p": booking.vehicle.plate,
        "f": int(valid_from.timestamp()),
        "u": int(valid_until.timestamp()),
    }
    return PREFIX + str(_signer().dumps(payload))


@dataclass(frozen=True)
class ScannedPass:
    genuine: bool
    reference: str | None = None
    plate: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "genuine": self.genuine,
            "reference": self.reference,
            "plate": self.plate,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }


def read_pass(text: str) -> ScannedPass:
    """A scanned pass token: genuine (the signature verifies) or not."""
    try:
        payload = _signer().loads(text.strip()[len(PREFIX) :])
        return ScannedPass(
            genuine=True,
            reference=str(payload["r"]),
            plate=str(payload["p"]),
            valid_from=datetime.fromtimestamp(int(payload["f"]), UTC),
            valid_until=datetime.fromtimestamp(int(payload["u"]), UTC),
        )
    except (BadSignature, KeyError, TypeError, ValueError):
        return ScannedPass(genuine=False)


# The e-waybill's fields, by the keys this installation accepts (see docs/e-waybill.md).
_WAYBILL_KEYS: dict[str, tuple[str, ...]] = {
    "number": ("waybill_no", "waybill_number", "运单编号", "电子运单编号"),
    "plate": ("plate", "vehicle_plate", "车牌号码", "车牌号"),
    "trailer_plate": ("trailer_plate", "挂车号码", "挂车牌号"),
    "day": ("date", "transport_date", "运输日期", "起运日期"),
    "consignee": ("consignee", "收货人", "收货单位"),
    "destination": ("destination", "dock", "卸货地点"),
    "goods": ("goods", "cargo", "货物"),
}
_UN_KEYS = ("un", "un_number", "UN编号", "联合国编号")


class WaybillError(ValueError):
    pass


def _field(data: dict[str, Any], name: str) -> Any:
    return next((data[key] for key in _WAYBILL_KEYS[name] if key in data), None)


def read_waybill(text: str) -> dict[str, Any]:
    """An e-waybill QR payload (JSON) as the gate compares it: number, plate, day,
    consignee, destination, UN numbers. WaybillError when it is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise WaybillError("not JSON") from exc
    if not isinstance(data, dict):
        raise WaybillError("not a JSON object")
    number = _field(data, "number")
    if not isinstance(number, str | int) or not str(number).strip():
        raise WaybillError("no waybill number")
    day_text = _field(data, "day")
    day = None
    if day_text is not None:
        try:
            day = date.fromisoformat(str(day_text)[:10])
        except ValueError as exc:
            raise WaybillError("the date is not YYYY-MM-DD") from exc
    goods = _field(data, "goods") or []
    if not isinstance(goods, list):
        raise WaybillError("goods: a list")
    un_numbers = []
    for line in goods:
        un = (
            next((line[k] for k in _UN_KEYS if k in line), None) if isinstance(line, dict) else None
        )
        if un is not None:
            un_numbers.append(str(un).strip().upper().removeprefix("UN").strip())
    return {
        "number": str(number).strip()[:64],
        "plate": str(_field(data, "plate") or "")[:20] or None,
        "trailer_plate": str(_field(data, "trailer_plate") or "")[:20] or None,
        "day": day.isoformat() if day else None,
        "consignee": str(_field(data, "consignee") or "")[:200] or None,
        "destination": str(_field(data, "destination") or "")[:64] or None,
        "un_numbers": sorted(set(un_numbers)),
    }


@dataclass(frozen=True)
class Scan:
    """What a scanner read: a booking pass, an e-waybill or a plain waybill number."""

    kind: str  # pass | ewaybill | waybill
    booking_pass: ScannedPass | None = None
    waybill: dict[str, Any] | None = None


def classify(text: str) -> Scan:
    text = text.strip()[:MAX_SCAN]
    if not text:
        raise WaybillError("nothing scanned")
    if text.startswith(PREFIX):
        return Scan("pass", booking_pass=read_pass(text))
    if text.startswith("{"):
        return Scan("ewaybill", waybill=read_waybill(text))
    return Scan("waybill", waybill={"number": text[:64]})


def text_from_image(data: bytes) -> str | None:
    """The text of the first QR code in a camera frame (JPEG/PNG, through the frame
    guard), or None. ValueError for an image that cannot be read."""
    from gatekeeper.vision.documents import decode_qr
    from gatekeeper.vision.images import check_frame, decode_image

    texts = decode_qr(check_frame(decode_image(data)))
    return texts[0] if texts else None


def qr_svg(text: str) -> str:
    """The QR code as inline SVG (no image request, prints sharp)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode().split("?>", 1)[-1].strip()


def qr_png(text: str) -> bytes:
    image = qrcode.make(text, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()

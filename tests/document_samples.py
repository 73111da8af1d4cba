"""Generated certificate photos and PDFs for the document tests (never real documents)."""

from __future__ import annotations

import io
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
_LATIN = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_CJK if _CJK.exists() else _LATIN), size)


def certificate(
    number: str,
    valid_until: str,
    holder: str = "王建国",
    title: str = "道路运输从业人员从业资格证",
    qr: str | None = None,
) -> Image.Image:
    """A certificate as a carrier photographs it: title, holder, number, expiry, QR."""
    image = Image.new("RGB", (1000, 640), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 990, 630), outline="black", width=3)
    draw.text((220, 30), title, font=_font(40), fill="black")
    draw.text((60, 140), f"姓名 Name: {holder}", font=_font(30), fill="black")
    draw.text((60, 200), f"证号 No.: {number}", font=_font(30), fill="black")
    draw.text((60, 260), "类别 Class: 2, 3, 8", font=_font(30), fill="black")
    draw.text((60, 320), f"有效期至 Valid until: {valid_until}", font=_font(30), fill="black")
    if qr:
        image.paste(qrcode.make(qr).resize((220, 220)), (740, 380))
    return image


def as_bytes(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def png_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A tiny PNG whose header declares a huge image (3.6 gigapixels)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )

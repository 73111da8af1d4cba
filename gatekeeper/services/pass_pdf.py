"""The booking pass as a PDF (fpdf2): what the driver shows at the gate, with the QR code
of its signed token. Labels in the reader's language; Chinese plates and names need a CJK
font (Noto Sans CJK, ``fonts-noto-cjk``), used when the machine has it."""

from __future__ import annotations

import io
from pathlib import Path

from flask_babel import gettext
from fpdf import FPDF

from gatekeeper.models import Booking
from gatekeeper.services import passes
from gatekeeper.services.clock import local

# (file, index in a collection); the first one present is used.
_FONTS = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # Noto Sans CJK SC
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),
)


def body_font(pdf: FPDF) -> str:
    for path, index in _FONTS:
        if Path(path).exists():
            pdf.add_font("body", fname=path, collection_font_number=index)
            return "body"
    return "helvetica"


def _moment(value: object) -> str:
    return f"{local(value):%Y-%m-%d %H:%M}"  # type: ignore[arg-type]


def render(booking: Booking, park_name: str) -> bytes:
    token = passes.pass_token(booking)
    valid_from, valid_until = passes.validity(booking)
    pdf = FPDF(format="A4")
    pdf.set_title(f"{gettext('Booking pass')} {booking.reference}")
    pdf.set_creator("Gatekeeper")
    pdf.add_page()
    font = body_font(pdf)
    pdf.set_font(font, size=20)
    pdf.cell(0, 12, f"{gettext('Booking pass')} · {park_name}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, size=28)
    pdf.cell(0, 14, booking.reference, new_x="LMARGIN", new_y="NEXT")
    pdf.image(io.BytesIO(passes.qr_png(token)), x=140, y=12, w=58)
    pdf.set_y(75)
    rows = [
        (
            gettext("Vehicle"),
            booking.vehicle.plate + (f" + {booking.trailer.plate}" if booking.trailer else ""),
        ),
        (gettext("Carrier"), booking.carrier.name),
        (gettext("Driver"), booking.driver.full_name),
        (gettext("Escort"), booking.escort.full_name if booking.escort else "—"),
        (gettext("Dock"), f"{booking.dock.code} {booking.dock.name}"),
        (gettext("Receiving company"), booking.company.name),
        (gettext("Window"), f"{_moment(booking.window_start)} – {_moment(booking.window_end)}"),
        (gettext("Valid"), f"{_moment(valid_from)} – {_moment(valid_until)}"),
        (gettext("Waybill"), booking.waybill_number or "—"),
    ]
    pdf.set_font(font, size=12)
    for name, value in rows:
        pdf.cell(50, 8, name)
        pdf.cell(0, 8, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(font, size=14)
    pdf.cell(0, 9, gettext("Cargo"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, size=11)
    for line in booking.cargo:
        un = f"UN {line.un_number}  " if line.un_number else ""
        pdf.multi_cell(
            0,
            7,
            f"{un}{line.description} — {line.quantity.normalize():f} {line.unit.value}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    if booking.route:
        pdf.ln(3)
        pdf.set_font(font, size=14)
        pdf.cell(0, 9, gettext("Route"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(font, size=11)
        stops = " → ".join(
            f"{stop.node.code} (+{stop.due_within_minutes} min)"
            if stop.node.checkpoint
            else stop.node.code
            for stop in booking.route
        )
        pdf.multi_cell(0, 7, stops, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(font, size=9)
    pdf.multi_cell(
        0,
        5,
        gettext(
            "Show this pass at the gate. The QR code is signed by the park: a changed pass "
            "is refused."
        ),
    )
    return bytes(pdf.output())

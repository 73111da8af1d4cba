"""PDFs of the park's state (fpdf2): the evacuation roll call, printed at the muster points,
and the daily summary made by the scheduled job (in Chinese and English: it is filed and
sent on without a reader's language)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask_babel import gettext
from fpdf import FPDF
from fpdf.fonts import FontFace

from gatekeeper.services.clock import local
from gatekeeper.services.pass_pdf import body_font


def _pdf(title: str) -> tuple[FPDF, str]:
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("Gatekeeper")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    return pdf, body_font(pdf)


def _moment(value: datetime | None) -> str:
    return f"{local(value):%Y-%m-%d %H:%M}" if value else "—"


def _table(pdf: FPDF, font: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    pdf.set_font(font, size=9)
    # Headings in the body font, shaded: the CJK font has no bold face.
    heading = FontFace(emphasis="", fill_color=(225, 225, 225))
    with pdf.table(
        text_align="LEFT",
        line_height=5,
        first_row_as_headings=True,
        repeat_headings=1,
        headings_style=heading,
    ) as table:
        table.row(list(headers))
        for row in rows:
            table.row([str(value) for value in row])


def roll_call(
    groups: Sequence[tuple[str, Sequence[Any]]], park_name: str, started: datetime | None
) -> bytes:
    """``groups``: (muster point, people) with each person's name, kind, zone, last seen
    (when, where) and mark; a box to tick on paper beside each."""
    title = gettext("Evacuation roll call")
    pdf, font = _pdf(title)
    pdf.set_font(font, size=16)
    pdf.cell(0, 10, f"{title} · {park_name}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, size=10)
    total = sum(len(people) for _, people in groups)
    pdf.cell(
        0,
        6,
        gettext("%(count)s people inside · list of %(when)s", count=total, when=_moment(started)),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    headers = [
        gettext("Name"),
        gettext("Kind"),
        gettext("Zone"),
        gettext("Last seen"),
        gettext("Where"),
        gettext("Accounted for"),
    ]
    for muster_point, people in groups:
        pdf.ln(3)
        pdf.set_font(font, size=12)
        pdf.cell(0, 8, f"{muster_point} ({len(people)})", new_x="LMARGIN", new_y="NEXT")
        _table(
            pdf,
            font,
            headers,
            [
                [
                    p["name"],
                    p["kind"],
                    p["zone"],
                    _moment(p["last_seen_at"]),
                    p["where"] or "—",
                    "✓" if p.get("accounted") else "☐",
                ]
                for p in people
            ],
        )
    return bytes(pdf.output())


_SUMMARY_LABELS = (
    ("vehicles_arrived", "到达车辆 / Vehicles arrived"),
    ("vehicles_in", "入园车辆 / Vehicles let in"),
    ("hazmat_in", "危化品车辆 / With an orange plate read"),
    ("denied", "拒绝 / Refused"),
    ("overrides", "人工改判 / Guard overrides"),
    ("people_in", "入园人员 / People in on foot"),
)


def both_languages(code: str) -> str:
    """An alert kind's code as the bilingual summary names it: "超速 / speeding" (a code the
    catalogue does not know is printed as it is)."""
    from flask_babel import force_locale

    from gatekeeper.models import AlertKind
    from gatekeeper.web.labels import label_of

    try:
        kind = AlertKind(code)
    except ValueError:
        return code
    with force_locale("zh_CN"):
        chinese = str(label_of(kind))
    with force_locale("en"):
        english = str(label_of(kind))
    return f"{chinese} / {english}"


def daily_summary(figures: dict[str, Any]) -> bytes:
    pdf, font = _pdf(f"Daily summary {figures['day']}")
    pdf.set_font(font, size=16)
    pdf.cell(0, 10, f"园区日报 / Daily summary · {figures['day']}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _table(
        pdf,
        font,
        ["项目 / Figure", "数量 / Count"],
        [[label, str(figures[key])] for key, label in _SUMMARY_LABELS],
    )
    pdf.ln(4)
    pdf.set_font(font, size=12)
    pdf.cell(0, 8, "报警 / Alerts", new_x="LMARGIN", new_y="NEXT")
    alerts = sorted(figures["alerts"].items()) or [("—", 0)]
    _table(
        pdf,
        font,
        ["类型 / Kind", "数量 / Count"],
        [[both_languages(k), str(n)] for k, n in alerts],
    )
    return bytes(pdf.output())

"""Tables a person downloads (reports, the day's bookings, goods on site) as CSV or XLSX.

Rows keep values (codes, enums, yes/no, moments, stored messages); ``show`` turns each
cell into the reader's words (the web layer's ``labels.report_value``), so the page and
both files say the same thing in the same language. Moments are written as ISO 8601 with
their offset, which spreadsheets and scripts read back without guessing a zone."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

BOM = "\ufeff"  # spreadsheets then read the Chinese names as UTF-8

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_MAX_ROWS = 1_048_575  # an XLSX sheet's 1,048,576 rows, less the header
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Phrases:
    """Prose in a cell (a passage's reasons, an alert's text, a booking's conflicts, a
    guard's or manager's words): stored checks (``template``/``params`` with their English
    ``message``), phrases (domain.messages) or plain text. The page and the exports put them
    in the reader's language; the page lets prose wrap and keeps the rest on one line."""

    items: tuple[Any, ...]


def cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def exported(value: Any) -> Any:
    """A cell as the exports write it before ``show``: moments as ISO 8601."""
    return value.isoformat() if isinstance(value, datetime) else value


def _line(row: Sequence[Any], show: Callable[[Any], str]) -> list[str]:
    return [cell(show(exported(value))) for value in row]


def to_csv(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    show: Callable[[Any], str] = str,
) -> Iterator[str]:
    """The table as CSV text, a row at a time (a year of passages is streamed, not held)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    yield BOM + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(_line(row, show))
        yield buffer.getvalue()


def to_xlsx(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: str,
    show: Callable[[Any], str] = str,
) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    sheet.append(list(headers))
    for row in rows:
        sheet.append(_line(row, show))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    """Excel's rules for a sheet's name: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if c in "[]:*?/\\" else c for c in title).strip()
    return cleaned[:31] or "Sheet"

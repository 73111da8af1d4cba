"""What a document shows against what the carrier typed.

The reader (OCR) gives lines of text; this module finds the certificate number, the plate
and the dates in them and compares each with the registered value. Pure functions: no
database, no images. A Chinese certificate's number or plate may mix Chinese characters
with Latin letters and digits ("苏交运管危 320500001", "苏E·D8892"); the Latin reader
sees the letters and digits, so the comparison is on those, with the characters OCR
confuses (O/0, I/1, B/8, S/5, Z/2, G/6) folded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from gatekeeper.domain.plates import plate_skeleton

MATCHES = "matches"
DIFFERS = "differs"  # the document shows a similar but different value
NOT_FOUND = "not_found"  # the typed value is nowhere on the document
NOT_READ = "not_read"  # nothing of the kind could be read (or nothing was typed)

_YMD = re.compile(r"(?<!\d)((?:19|20)\d\d)\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})(?!\d)")
_DMY = re.compile(r"(?<!\d)(\d{1,2})[./-](\d{1,2})[./-]((?:19|20)\d\d)(?!\d)")
_TOKEN = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class Expected:
    """The registered values a document should show (None: not registered)."""

    number: str | None = None
    plate: str | None = None
    expires_on: date | None = None


def latin_core(value: str) -> str:
    """The letters and digits of a value, upper case, without Chinese characters or
    separators: what a Latin-script reader can confirm."""
    return "".join(_TOKEN.findall(value.upper()))


def find_dates(lines: Sequence[str]) -> list[date]:
    """Every valid calendar date written year-month-day (2027-05-31, 2027.5.31,
    2027年05月31日) or day.month.year (31.05.2027), in order, without repeats."""
    found: list[date] = []
    for line in lines:
        candidates = [(int(y), int(m), int(d)) for y, m, d in _YMD.findall(line)]
        candidates += [(int(y), int(m), int(d)) for d, m, y in _DMY.findall(line)]
        for year, month, day in candidates:
            try:
                value = date(year, month, day)
            except ValueError:
                continue
            if value not in found:
                found.append(value)
    return found


def _tokens(lines: Sequence[str]) -> list[str]:
    tokens: list[str] = []
    for line in lines:
        tokens += [t.upper() for t in _TOKEN.findall(line)]
        # A number the reader split at a space ("3205 0000 1") is also tried whole.
        joined = latin_core(line)
        if joined and joined not in tokens:
            tokens.append(joined)
    return tokens


def _differing(a: str, b: str) -> int:
    return sum(1 for x, y in zip(a, b, strict=True) if x != y)


def compare_value(typed: str | None, lines: Sequence[str], min_length: int = 4) -> dict[str, Any]:
    """Whether the typed value is on the document: ``matches``; a value of the same length
    that differs in at most a third of its characters: ``differs`` (with what was read);
    otherwise ``not_found``; ``not_read`` when nothing comparable was typed."""
    core = latin_core(typed or "")
    if len(core) < min_length:
        return {"typed": typed, "read": None, "state": NOT_READ}
    wanted = plate_skeleton(core)
    tokens = _tokens(lines)
    whole = plate_skeleton("".join(latin_core(line) for line in lines))
    if wanted in whole:
        return {"typed": typed, "read": core, "state": MATCHES}
    similar = _similar(tokens, wanted)
    if similar is not None:
        return {"typed": typed, "read": similar, "state": DIFFERS}
    return {"typed": typed, "read": None, "state": NOT_FOUND}


def _similar(tokens: Sequence[str], wanted: str) -> str | None:
    """The first stretch of a token, as long as the wanted value, that differs from it in
    at most a third of its characters (compared folded)."""
    size = len(wanted)
    for token in tokens:
        for start in range(len(token) - size + 1):
            window = token[start : start + size]
            if _differing(plate_skeleton(window), wanted) <= size // 3:
                return window
    return None


def compare_expiry(typed: date | None, dates: Sequence[date]) -> dict[str, Any]:
    """The typed expiry against the dates on the document (the expiry is the latest)."""
    shown = typed.isoformat() if typed else None
    latest = max(dates).isoformat() if dates else None
    if typed is None or not dates:
        return {"typed": shown, "read": latest, "state": NOT_READ}
    if typed in dates:
        return {"typed": shown, "read": shown, "state": MATCHES}
    return {"typed": shown, "read": latest, "state": DIFFERS}


def compare(lines: Sequence[str], expected: Expected, qr: Sequence[str] = ()) -> dict[str, Any]:
    """The reading stored with a document: the text, the dates and QR codes found, and per
    field what was typed, what was read and whether they agree."""
    dates = find_dates([*lines, *qr])
    fields = {
        "number": compare_value(expected.number, [*lines, *qr]),
        "plate": compare_value(expected.plate, [*lines, *qr], min_length=3),
        "expires_on": compare_expiry(expected.expires_on, dates),
    }
    fields = {
        name: value
        for name, value in fields.items()
        if value["typed"] is not None or value["read"] is not None
    }
    return {
        "text": list(lines)[:80],
        "dates": [d.isoformat() for d in dates],
        "qr": list(qr),
        "fields": fields,
        "differences": [
            name for name, value in fields.items() if value["state"] in (DIFFERS, NOT_FOUND)
        ],
    }

"""Licence-plate text helpers shared by the models, the matcher and the vision pipeline."""

from __future__ import annotations

import enum
import re

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")

# The province (or region) characters that open a Chinese plate.
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"


def province_of(text: str | None) -> str | None:
    """The province character a Chinese plate starts with, if it was read."""
    stripped = (text or "").strip()
    return stripped[0] if stripped and stripped[0] in PROVINCES else None


def normalize_plate(text: str) -> str:
    """Upper-case ASCII letters and digits only: spaces, dashes, dots and any
    non-Latin characters (e.g. a Chinese province character) are dropped."""
    return _NOT_ALNUM.sub("", text.upper())


class MatchQuality(enum.StrEnum):
    """How well a read plate matches a registered one, best first."""

    EXACT = "exact"
    # The Latin part is exact but the province character was not read (a Chinese plate).
    NO_PROVINCE = "no_province"
    CONFUSABLE = "confusable"  # equal once OCR's usual confusions are folded together
    PARTIAL = "partial"  # one character off, or the leading (province) character lost
    NONE = "none"

    @property
    def rank(self) -> int:
        return list(MatchQuality).index(self)


# Characters OCR confuses on plates, each folded onto one representative:
# O/0/D/Q, I/1/L, B/8, S/5, Z/2, G/6.
_FOLD = str.maketrans(
    {"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "B": "8", "S": "5", "Z": "2", "G": "6"}
)


def plate_skeleton(text: str) -> str:
    """The normalised plate with confusable characters folded: two plates that OCR
    cannot tell apart have the same skeleton."""
    return normalize_plate(text).translate(_FOLD)


def compare_plates(read: str, registered: str) -> MatchQuality:
    """Tolerant comparison of a read plate with a registered one.

    A Chinese plate's province character counts when it was read and is registered:
    苏A12345 and 皖A12345 are two vehicles. When it was not read, the Latin part decides
    and the quality says so (``NO_PROVINCE``). Lines of a two-line plate are read top to
    bottom and compared as one string, as they are registered."""
    read_province, registered_province = province_of(read), province_of(registered)
    if read_province and registered_province and read_province != registered_province:
        return MatchQuality.NONE
    quality = _compare_latin(read, registered)
    if quality is MatchQuality.EXACT and registered_province and not read_province:
        return MatchQuality.NO_PROVINCE
    return quality


def _compare_latin(read: str, registered: str) -> MatchQuality:
    got, want = normalize_plate(read), normalize_plate(registered)
    if not got or not want:
        return MatchQuality.NONE
    if got == want:
        return MatchQuality.EXACT
    got_s, want_s = got.translate(_FOLD), want.translate(_FOLD)
    if got_s == want_s:
        return MatchQuality.CONFUSABLE
    if min(len(got_s), len(want_s)) >= 5:
        # The province character read as a Latin letter, or a leading letter not read.
        if got_s[1:] == want_s or want_s[1:] == got_s:
            return MatchQuality.PARTIAL
        if (
            len(got_s) == len(want_s)
            and sum(a != b for a, b in zip(got_s, want_s, strict=True)) == 1
        ):
            return MatchQuality.PARTIAL
    return MatchQuality.NONE

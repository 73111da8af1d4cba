"""Licence-plate text helpers shared by the models, the matcher and the vision pipeline."""

from __future__ import annotations

import enum
import re

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def normalize_plate(text: str) -> str:
    """Upper-case ASCII letters and digits only: spaces, dashes, dots and any
    non-Latin characters (e.g. a Chinese province character) are dropped."""
    return _NOT_ALNUM.sub("", text.upper())


class MatchQuality(enum.StrEnum):
    """How well a read plate matches a registered one, best first."""

    EXACT = "exact"
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

    Non-Latin characters (a Chinese province character) never take part: they are
    dropped by normalisation. Lines of a two-line plate are read top to bottom and
    compared as one string, as they are registered."""
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

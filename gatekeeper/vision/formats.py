"""Licence-plate formats by country, as templates of character classes.

A template constrains decoding: in a Brazilian plate the fourth character is a digit, so an
"O" read there is a "0". Formats are a park setting (``Park.plate_formats``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
ALNUM = LETTERS + DIGITS
# Characters OCR confuses, both ways; used when matching reads against registered plates.
CONFUSABLE = ("O0DQ", "I1L", "B8", "S5", "Z2", "G6")

L, N, A = LETTERS, DIGITS, ALNUM
# Standard US plates leave out the letters I, O and Q, which cannot be told from 1 and 0:
# a round character on a US plate is read as 0 and an upright stroke as 1.
US_CHARS = "".join(c for c in ALNUM if c not in "IOQ")


@dataclass(frozen=True)
class PlateFormat:
    code: str
    templates: tuple[tuple[str, ...], ...]


def _t(pattern: str) -> tuple[str, ...]:
    return tuple({"L": L, "N": N, "A": A, "U": US_CHARS}[symbol] for symbol in pattern)


FORMATS: dict[str, PlateFormat] = {
    # Brazil: old grey plates LLL-NNNN and Mercosur LLLNLNN.
    "BR": PlateFormat("BR", (_t("LLLNNNN"), _t("LLLNLNN"))),
    # USA: 5 to 7 letters and digits, state-specific layouts; California's 1ABC234 uses
    # every letter, I, O and Q included, in its three letter places.
    "US": PlateFormat("US", (_t("UUUUU"), _t("UUUUUU"), _t("UUUUUUU"), _t("NLLLNNN"))),
    # EU one-line and two-line plates: 4 to 8 letters and digits after the country band.
    "EU": PlateFormat("EU", tuple(_t("A" * n) for n in range(4, 9))),
    # China: province character (not readable with Latin weights) + letter + 5 (or 6 for
    # new-energy vehicles) letters and digits; we match on the Latin part.
    "CN": PlateFormat("CN", (_t("LAAAAA"), _t("LAAAAAA"))),
}


def formats_for(codes: Iterable[str]) -> list[PlateFormat]:
    unknown = [code for code in codes if code not in FORMATS]
    if unknown:
        raise ValueError(f"unknown plate format(s): {', '.join(unknown)}; known: {sorted(FORMATS)}")
    return [FORMATS[code] for code in codes]

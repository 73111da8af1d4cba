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
US_LETTERS = "".join(c for c in LETTERS if c not in "IOQ")


@dataclass(frozen=True)
class PlateFormat:
    code: str
    templates: tuple[tuple[str, ...], ...]  # what a reading may be (decoding constraints)
    # The layouts actually issued, where a country has many and its templates must stay
    # loose (US states): a reading that fits none of them, a vanity plate or a misread, is
    # ``other_layouts`` times as likely as one that fits.
    layouts: tuple[tuple[str, ...], ...] = ()
    other_layouts: float = 1.0
    # Plates of this format may carry their text on two lines (read top line, then bottom).
    two_line: bool = False

    def accepts(self, text: str) -> bool:
        return any(_fits(text, template) for template in self.templates)

    def prior(self, text: str) -> float:
        """How likely a reading's layout is, relative to an issued layout (1.0)."""
        if not self.layouts or any(_fits(text, layout) for layout in self.layouts):
            return 1.0
        return self.other_layouts


def _fits(text: str, layout: tuple[str, ...]) -> bool:
    return len(text) == len(layout) and all(c in cls for c, cls in zip(text, layout, strict=True))


def _t(pattern: str, letters: str = L) -> tuple[str, ...]:
    """A template from a pattern: L a letter (of ``letters``), N a digit, A either; U and l
    the US plates' characters and letters."""
    classes = {"L": letters, "N": N, "A": letters + N, "U": US_CHARS, "l": US_LETTERS}
    return tuple(classes[symbol] for symbol in pattern)


# Passenger-plate layouts issued by US states (l: a letter other than I, O and Q; N: a
# digit). Runs of digits alone (New Hampshire's 1234567, Delaware's) are left out on
# purpose: in a gate camera's frame a row of digits is more often a time stamp or a phone
# number on a trailer than a plate, and the loose templates still read them.
US_LAYOUTS = (
    _t("NLLLNNN"),  # California 1ABC234 (I, O and Q too)
    _t("lllNNNN"),  # Texas, New York, Pennsylvania, Ohio, Michigan, Georgia, Virginia, ...
    _t("llNlNNN"),  # Texas AB1C234
    _t("llNlNl"),  # Missouri AB1C2D
    _t("lllNNN"),  # Alaska, Iowa, Louisiana, Nebraska, South Carolina, Vermont, ...
    _t("NNNlll"),  # Arkansas, Kansas, Kentucky, Minnesota, Nevada, Oregon, ...
    _t("NllNNN"),  # Maryland, Massachusetts, West Virginia
    _t("NllNNNN"),  # Maryland 1AB2345
    _t("llllNN"),  # Florida, Colorado
    _t("lNNNll"),  # Florida, Utah
    _t("NNNllN"),  # Massachusetts
    _t("NlllNN"),  # Massachusetts, Michigan
    _t("lNNlll"),  # New Jersey A12BCD
    _t("lllNNl"),  # New Jersey, Arkansas
    _t("NNlNNN"),  # Nevada
    _t("llNNNNN"),  # Illinois AB12345
    _t("lNNNNl"),  # Tennessee
)


def _country(patterns: str, letters: str = LETTERS) -> tuple[tuple[str, ...], ...]:
    """Layouts written as patterns (see :func:`_t`) separated by spaces; plates are read
    without their separators."""
    return tuple(_t(pattern, letters) for pattern in patterns.split())


def _german() -> tuple[tuple[str, ...], ...]:
    """Germany: a district of 1-3 letters, 1-2 letters, 1-4 digits (8 at most), and an E
    (electric) or H (historic) after them on some."""
    layouts = []
    for letters in range(2, 6):
        for digits in range(1, 5):
            if letters + digits <= 8:
                layouts.append(("L" * letters) + ("N" * digits))
    plain = _country(" ".join(layouts))
    suffixed = tuple((*layout, "EH") for layout in plain if len(layout) < 8)
    return plain + suffixed


# Letters some countries leave out of their plates, so that they cannot be taken for
# digits (an O for a 0, an I for a 1): what a round character must then be is settled.
FR_LETTERS = "".join(c for c in LETTERS if c not in "IOU")  # SIV, since 2009
IT_LETTERS = "".join(c for c in LETTERS if c not in "IOQU")
ES_LETTERS = "BCDFGHJKLMNPRSTVWXYZ"  # consonants, without Ñ and Q
NL_LETTERS = "BDFGHJKLMNPRSTVXZ"  # no vowels, C or Q since the sidecodes
SE_LETTERS = "".join(c for c in LETTERS if c not in "IQV")

# The plates issued in European countries, as read without separators.
COUNTRY_LAYOUTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "DE": _german(),
    # AB-123-CD (SIV); the older 1234 AB 56 style (FNI) still drives.
    "FR": _country("LLNNNLL", FR_LETTERS) + _country("NNNNLLNN NNNLLLNN NNNLLNN NNLLLNN"),
    "IT": _country("LLNNNLL", IT_LETTERS),  # AB 123 CD
    "ES": _country("NNNNLLL", ES_LETTERS),  # 1234 BCD
    # The Dutch sidecodes 1-14 (XX-99-99 ... 999-XX-9).
    "NL": _country(
        "LLNNNN NNNNLL NNLLNN LLNNLL LLLLNN NNLLLL NNLLLN NLLLNN LLNNNL LNNNLL LLLNNL "
        "LNNLLL NLLNNN NNNLLN",
        NL_LETTERS,
    ),
    "BE": _country("NLLLNNN LLLNNN NNNLLL"),  # 1-ABC-123, and the older ABC-123, 123-ABC
    # A district of two or three letters, then five or four letters and digits.
    "PL": _country("LLNNNNN LLNNNNL LLNNNLL LLNLNNN LLNLLNN LLLNNNN LLLNNLL LLLLNNN LLLNLNN"),
    "CZ": _country("NLANNNN"),  # 1A2 3456
    "PT": _country("NNLLNN LLNNNN NNNNLL LLNNLL"),  # 00-AA-00 ... AA-00-AA
    "SE": _country("LLLNNN LLLNNA", SE_LETTERS),  # ABC 123, ABC 12D since 2019
}


FORMATS: dict[str, PlateFormat] = {
    # Brazil: old grey plates LLL-NNNN and Mercosur LLLNLNN.
    "BR": PlateFormat("BR", (_t("LLLNNNN"), _t("LLLNLNN"))),
    # USA: 5 to 7 letters and digits, state-specific layouts; California's 1ABC234 uses
    # every letter, I, O and Q included, in its three letter places. A vanity plate or an
    # unlisted layout is taken as 0.3 times as likely as an issued layout.
    "US": PlateFormat(
        "US",
        (_t("UUUUU"), _t("UUUUUU"), _t("UUUUUUU"), _t("NLLLNNN")),
        US_LAYOUTS,
        other_layouts=0.3,
    ),
    # EU one-line and two-line plates: 4 to 8 letters and digits after the country band.
    # A reading that fits no country's issued layout (above) is taken as half as likely,
    # and each reading is also re-read under those layouts: where a layout has a digit an
    # O is read as 0, where a country leaves out the letter O a round character is a 0.
    "EU": PlateFormat(
        "EU",
        tuple(_t("A" * n) for n in range(4, 9)),
        tuple(dict.fromkeys(layout for layouts in COUNTRY_LAYOUTS.values() for layout in layouts)),
        other_layouts=0.5,
        two_line=True,
    ),
    # China: province character (not readable with Latin weights) + letter + 5 (or 6 for
    # new-energy vehicles) letters and digits; we match on the Latin part.
    "CN": PlateFormat("CN", (_t("LAAAAA"), _t("LAAAAAA"))),
}
# A park that sees the plates of a few countries lists them: their layouts are the only
# readings (DE, FR, IT, ES, NL, BE, PL, CZ, PT, SE).
FORMATS.update(
    {code: PlateFormat(code, layouts, two_line=True) for code, layouts in COUNTRY_LAYOUTS.items()}
)


def unknown_formats(codes: Iterable[str]) -> list[str]:
    """The codes that name no format, in their order."""
    return [code for code in codes if code not in FORMATS]


def formats_for(codes: Iterable[str]) -> list[PlateFormat]:
    codes = list(codes)
    unknown = unknown_formats(codes)
    if unknown:
        raise ValueError(f"unknown plate format(s): {', '.join(unknown)}; known: {sorted(FORMATS)}")
    return [FORMATS[code] for code in codes]

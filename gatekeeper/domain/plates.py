"""Licence-plate text helpers shared by the models, the matcher and the vision pipeline."""

from __future__ import annotations

import re

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def normalize_plate(text: str) -> str:
    """Upper-case ASCII letters and digits only: spaces, dashes, dots and any
    non-Latin characters (e.g. a Chinese province character) are dropped."""
    return _NOT_ALNUM.sub("", text.upper())

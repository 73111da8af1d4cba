"""The dangerous-goods reference the hazard-plate reader validates against, read straight
from the CSV files shipped in ``gatekeeper/data`` (no database needed)."""

from __future__ import annotations

import csv
import functools
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@functools.cache
def valid_hins() -> frozenset[str]:
    with (DATA_DIR / "hazard_id_numbers.csv").open(newline="", encoding="utf-8") as handle:
        return frozenset(row["code"] for row in csv.DictReader(handle))


@functools.cache
def hins_by_un() -> dict[str, frozenset[str]]:
    """UN number -> the hazard identification numbers ADR gives it (possibly none)."""
    with (DATA_DIR / "dangerous_goods.csv").open(newline="", encoding="utf-8") as handle:
        return {
            row["un_number"]: frozenset(c for c in row["hazard_id_numbers"].split("|") if c)
            for row in csv.DictReader(handle)
        }


def is_consistent(hin: str, un: str) -> bool:
    return hin in hins_by_un().get(un, frozenset())

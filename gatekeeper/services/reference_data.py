"""Loading the dangerous-goods list and the valid HINs shipped in ``gatekeeper/data``."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from gatekeeper.extensions import db
from gatekeeper.models import DangerousGood, HazardIdNumber

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class LoadResult:
    inserted: int
    updated: int


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_reference_data(data_dir: Path = DATA_DIR) -> LoadResult:
    """Insert or update every row; running it again changes nothing. Commits."""
    inserted = updated = 0
    known_codes = set(db.session.scalars(select(HazardIdNumber.code)))
    for row in _read(data_dir / "hazard_id_numbers.csv"):
        if row["code"] not in known_codes:
            db.session.add(HazardIdNumber(code=row["code"]))
            inserted += 1
    existing = {good.un_number: good for good in db.session.scalars(select(DangerousGood))}
    for row in _read(data_dir / "dangerous_goods.csv"):
        values = {
            "name": row["name"],
            "hazard_class": row["class"],
            "classification_code": row["classification_code"] or None,
            # The source writes "None" for goods without a tunnel code (28 rows).
            "tunnel_code": None if row["tunnel_code"] in ("", "None") else row["tunnel_code"],
            "hazard_id_numbers": [code for code in row["hazard_id_numbers"].split("|") if code],
        }
        good = existing.get(row["un_number"])
        if good is None:
            db.session.add(DangerousGood(un_number=row["un_number"], **values))
            inserted += 1
        elif any(getattr(good, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(good, key, value)
            updated += 1
    db.session.commit()
    return LoadResult(inserted, updated)

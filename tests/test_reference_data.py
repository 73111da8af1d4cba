from __future__ import annotations

import csv
from typing import Any

from sqlalchemy import func, select

from gatekeeper.models import DangerousGood, HazardIdNumber
from gatekeeper.services.reference_data import DATA_DIR, load_reference_data
from tests.conftest import SHARED_DATA


def test_shipped_lists_are_the_shared_ones_with_attribution() -> None:
    for name in ("dangerous_goods.csv", "hazard_id_numbers.csv"):
        assert (DATA_DIR / name).read_bytes() == (SHARED_DATA / name).read_bytes()
    notice = (DATA_DIR / "NOTICE.md").read_text()
    assert "beTransIT" in notice and "GefahrenReader" in notice and "MIT" in notice


def test_reference_data_is_loaded_completely(session: Any) -> None:
    # Loaded once for the session by the fixtures.
    with (DATA_DIR / "dangerous_goods.csv").open() as handle:
        rows = sum(1 for _ in csv.DictReader(handle))
    assert session.scalar(select(func.count()).select_from(DangerousGood)) == rows == 2437
    assert session.scalar(select(func.count()).select_from(HazardIdNumber)) == 101
    assert session.get(DangerousGood, "1203").hazard_id_numbers == ["33"]
    assert session.get(DangerousGood, "1993").hazard_id_numbers == ["30", "33"]
    assert session.get(DangerousGood, "0004").hazard_id_numbers == []
    assert session.get(HazardIdNumber, "X423").reacts_with_water


def test_loading_again_changes_nothing(session: Any) -> None:
    result = load_reference_data()
    assert (result.inserted, result.updated) == (0, 0)


def test_a_changed_row_is_updated(session: Any) -> None:
    good = session.get(DangerousGood, "1203")
    good.hazard_id_numbers = ["99"]
    session.flush()
    result = load_reference_data()
    assert (result.inserted, result.updated) == (0, 1)
    assert session.get(DangerousGood, "1203").hazard_id_numbers == ["33"]

"""A booking ready to be made in the demo park: the fixture ``park`` (a dispatcher, an
approved petrol tanker, its driver and escort, dock D4) and the form data of a booking."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from gatekeeper.extensions import db
from gatekeeper.models import Dock, Person, Role, Vehicle
from gatekeeper.services.clock import park_today
from tests.factories import make_user
from tests.gate_samples import seeded_demo_park


def _id(model: Any, **where: Any) -> Any:
    found = db.session.scalar(select(model).filter_by(**where))
    assert found is not None, where
    return found


@pytest.fixture
def park(session: Any) -> dict[str, Any]:
    seeded_demo_park(session)
    dispatcher = make_user(Role.DISPATCHER)
    tanker = _id(Vehicle, plate="1-VKR-301")
    return {
        "user": dispatcher,
        "tanker": tanker,
        "driver": _id(Person, full_name="Jan Peeters"),
        "escort": _id(Person, full_name="Tom Wouters"),
        "dock": _id(Dock, code="D4"),
    }


def _data(park: dict[str, Any], days: int = 2, **changes: Any) -> dict[str, Any]:
    zone = ZoneInfo("Asia/Shanghai")
    day = park_today() + timedelta(days=days)
    start = datetime(day.year, day.month, day.day, 9, 0, tzinfo=zone)
    data: dict[str, Any] = {
        "carrier_id": park["tanker"].carrier_id,
        "vehicle_id": park["tanker"].id,
        "driver_id": park["driver"].id,
        "escort_id": park["escort"].id,
        "dock_id": park["dock"].id,
        "direction": "delivery",
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=2)).isoformat(),
        "cargo": [{"un": "1203", "quantity": "20000", "unit": "l", "packaging": "tank"}],
        "waybill_number": "WB-2026-0042",
    }
    data.update(changes)
    return data

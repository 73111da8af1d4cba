"""One park clock: the demo park is in Asia/Shanghai and the clock is frozen at 01:30 local
time, while the UTC date is still the day before. Every day and time a person sees is the
park's: the dispatcher's day, the rules' messages, document expiry, the kiosk's times."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from gatekeeper.extensions import db
from gatekeeper.jobs import maintenance
from gatekeeper.models import Alert, AlertKind, Role
from gatekeeper.services.clock import day_bounds, format_moment, park_today
from tests.factories import make_vehicle
from tests.gate_samples import LOX_PLATE, Demo

# 2026-03-10 17:30 UTC is 2026-03-11 01:30 in Shanghai (UTC+8, no daylight saving).
FROZEN = datetime(2026, 3, 10, 17, 30, tzinfo=UTC)
LOCAL_DAY = date(2026, 3, 11)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(FROZEN, tick=False):
        yield


def test_the_park_day_is_the_local_day(demo: Demo) -> None:
    assert park_today() == LOCAL_DAY
    start, end = day_bounds(LOCAL_DAY)
    assert start == datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=24)
    assert format_moment(FROZEN) == "01:30:00"
    assert format_moment(FROZEN - timedelta(hours=2)) == "2026-03-10 23:30"


def test_the_dispatcher_sees_the_local_day_s_bookings(demo: Demo, as_role: Any) -> None:
    page = as_role(Role.DISPATCHER).get("/dispatch/bookings").get_data(as_text=True)
    assert "2026-03-11" in page and "BK-20260311-001" in page


def test_rule_messages_give_local_times(client: Any, demo: Demo) -> None:
    demo.lox.window_start = FROZEN + timedelta(hours=3)  # 04:30 in Shanghai
    demo.lox.window_end = FROZEN + timedelta(hours=5)
    db.session.flush()
    body = demo.post_event(
        client, "G1-HAZ", event_id="clock-early", plate="QAKX769", hazard=LOX_PLATE
    ).json
    window = next(r for r in body["reasons"] if r["code"] == "window")
    assert "opens at 04:30" in window["message"]


def test_a_document_that_expired_yesterday_local_time_is_expired(demo: Demo) -> None:
    # The UTC date is still the 10th; in the park it is the 11th: expired yesterday.
    vehicle = make_vehicle(adr_certificate_expiry=date(2026, 3, 10))
    maintenance.check_document_expiry()
    expired = db.session.scalars(
        select(Alert).where(Alert.kind == AlertKind.DOCUMENT_EXPIRED)
    ).all()
    assert vehicle.id in {a.vehicle_id for a in expired}

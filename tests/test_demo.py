from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from gatekeeper.extensions import db
from gatekeeper.models import (
    Booking,
    Carrier,
    Checkpoint,
    Company,
    Dock,
    Document,
    Gate,
    Lane,
    LaneKind,
    Person,
    Qualification,
    RoadEdge,
    Role,
    Station,
    User,
    Vehicle,
    Zone,
    ZoneKind,
)
from gatekeeper.services.clock import local, park_today
from gatekeeper.services.demo import DEMO_PASSWORD, seed_demo_park
from gatekeeper.services.storage import files_root

pytestmark = pytest.mark.embedded

COUNTED = (
    Zone,
    Gate,
    Lane,
    Checkpoint,
    Dock,
    RoadEdge,
    Company,
    Carrier,
    Vehicle,
    Person,
    Qualification,
    User,
    Station,
    Booking,
)


def _counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in COUNTED}


def test_demo_park_has_what_the_brief_promises(session: Any) -> None:
    summary = seed_demo_park()
    counts = _counts()
    assert counts["Gate"] == 2
    assert counts["Zone"] == 4
    assert counts["Checkpoint"] == 6
    assert counts["Dock"] == 5
    # Three carriers at work and one application waiting for the park's approval.
    assert counts["Carrier"] == 4
    statuses = session.scalars(select(Carrier.status)).all()
    assert sorted(statuses) == ["applied", "approved", "approved", "approved"]
    assert 18 <= counts["Vehicle"] <= 25
    assert 32 <= counts["Person"] <= 45  # crews, staff, contractors, a visitor
    assert counts["RoadEdge"] >= 10
    assert session.scalar(select(func.count(func.distinct(Dock.company_id)))) == 3
    assert session.scalar(select(Zone).where(Zone.kind == ZoneKind.HOLDING)) is not None
    assert session.scalar(select(Lane).where(Lane.kind == LaneKind.HAZMAT)) is not None
    today = park_today()  # the demo's dates are the park's (Asia/Shanghai), not UTC's
    expiries = session.scalars(select(Qualification.expires_on)).all()
    # One expired driver certificate, and one contractor's expired insurance.
    assert sum(day < today for day in expiries) == 2
    assert any(today <= day <= today + timedelta(days=30) for day in expiries)
    assert set(summary.users) == {role.value for role in Role}
    assert set(summary.station_tokens) == {"ST-G1", "ST-G2", "ST-ROAD"}


def test_demo_bookings_are_for_today_with_real_un_numbers(session: Any) -> None:
    seed_demo_park()
    # The park's day (Asia/Shanghai), not the UTC date: they differ for 8 hours a day.
    today = park_today()
    bookings = session.scalars(select(Booking)).all()
    assert bookings and all(local(b.window_start).date() == today for b in bookings)
    un_numbers = Counter(un for b in bookings for un in b.dangerous_un_numbers)
    assert {"1203", "1202", "1789", "1005", "1073"} <= set(un_numbers)
    lox = next(b for b in bookings if "1073" in b.dangerous_un_numbers)
    assert lox.trailer is not None and lox.trailer.plate == "Q-AKX-769"
    assert all(b.route for b in bookings)


def test_running_the_demo_twice_duplicates_nothing(session: Any) -> None:
    seed_demo_park()
    first = _counts()
    again = seed_demo_park()
    assert again.created == 0
    assert again.station_tokens == {}
    assert _counts() == first


def test_every_demo_user_can_sign_in(client: Any, session: Any) -> None:
    from tests.conftest import csrf_token_from

    summary = seed_demo_park()
    for role, username in summary.users.items():
        token = csrf_token_from(client.get("/login").text)
        response = client.post(
            "/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, role
        assert client.get("/").status_code == 200
        token = csrf_token_from(client.get("/").text)
        client.post("/logout", data={"csrf_token": token})
    carrier_user = session.scalar(select(User).where(User.username == summary.users["carrier"]))
    assert carrier_user.carrier.code == "BRABANT"


def test_demo_command_prints_the_logins(runner: Any) -> None:
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output
    for role in Role:
        assert role.value in result.output


def test_demo_registrations_are_in_every_state(session: Any) -> None:
    """What a reviewer and a carrier meet: waiting, approved and rejected registrations
    and documents, readings that match and that differ, expiring and expired documents."""
    seed_demo_park()
    documents = session.scalars(select(Document)).all()
    assert {d.review_status.value for d in documents} == {"pending", "approved", "rejected"}
    readings = [d.reading for d in documents]
    assert any(r["differences"] for r in readings) and any(not r["differences"] for r in readings)
    for document in documents:
        assert (files_root() / document.stored_path).is_file()
    vehicles = session.scalars(select(Vehicle.review_status)).all()
    persons = session.scalars(select(Person.review_status)).all()
    assert {"pending", "approved", "rejected"} <= {*vehicles, *persons}
    rejected = session.scalars(select(Vehicle).where(Vehicle.review_status == "rejected")).all()
    assert all(v.review_comment for v in rejected)

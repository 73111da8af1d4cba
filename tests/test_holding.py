"""The holding lot: vehicles wait in order of arrival; the receiving company calls its own
forward (not another company's), the park calls by the docks' capacity, the guard's kiosk is
the same queue; a called vehicle's driver gets a message and the lot's barrier opens when the
rules allow; loaded and empty tankers have their own spaces."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from gatekeeper.barriers import SimulatedBarrier
from gatekeeper.domain.gate import Decision
from gatekeeper.extensions import db
from gatekeeper.models import Booking, Dock, Park, Passage, Role, Zone, ZoneKind
from gatekeeper.models.types import utcnow
from gatekeeper.notify import LoggingNotifier
from gatekeeper.services import gate, holding
from tests.conftest import csrf_token_from, login_as
from tests.factories import make_user
from tests.gate_samples import LOX_PLATE, Demo

pytestmark = pytest.mark.embedded

PETROL_PLATE = {"hin": "33", "un": "1203", "confidence": 0.95}


def _booking(number: int) -> Booking:
    found = db.session.scalar(select(Booking).where(Booking.reference.like(f"BK-%-{number:03d}")))
    assert found is not None
    return found


def _early(*bookings: Booking) -> None:
    now = utcnow()
    for booking in bookings:
        booking.window_start, booking.window_end = (
            now + timedelta(hours=3),
            now + timedelta(hours=5),
        )
    db.session.scalar(select(Park)).crew_check_required_for_hazmat = False
    db.session.commit()


def _due_now(booking: Booking) -> None:
    now = utcnow()
    booking.window_start, booking.window_end = now - timedelta(minutes=5), now + timedelta(hours=2)
    db.session.commit()


def _arrives(client: Any, demo: Demo, plate: str, hazard: dict[str, Any], n: int) -> Passage:
    body = demo.post_event(client, "G1-HAZ", event_id=f"hold-{n}", plate=plate, hazard=hazard).json
    assert body["decision"] == "hold", body
    passage = db.session.get(Passage, body["id"])
    assert passage is not None
    return passage


def _waiting_tankers(client: Any, demo: Demo) -> tuple[Passage, Passage]:
    petrol = _booking(2)  # Polymer Works' dock D4
    _early(demo.lox, petrol)
    lox = _arrives(client, demo, "QAKX769", LOX_PLATE, 1)
    tanker = _arrives(client, demo, petrol.vehicle.plate, PETROL_PLATE, 2)
    return lox, tanker


def test_each_company_sees_its_own_waiting_vehicles_in_order(
    app: Flask, client: Any, demo: Demo
) -> None:
    lox, tanker = _waiting_tankers(client, demo)
    assert [w.passage for w in holding.waiting()] == [lox, tanker]
    gas = make_user(Role.DISPATCHER, company=demo.lox.company)
    page = login_as(app.test_client(), gas).get("/dispatch/holding").get_data(as_text=True)
    assert f'id="waiting-{lox.id}"' in page and f'id="waiting-{tanker.id}"' not in page
    lot = holding.lot_state()
    assert (lot.waiting, lot.loaded, lot.loaded_capacity, lot.empty) == (2, 2, 5, 0)


def test_a_company_calls_its_vehicle_forward_and_the_driver_is_told(
    app: Flask, client: Any, demo: Demo
) -> None:
    lox, _tanker = _waiting_tankers(client, demo)
    _due_now(demo.lox)
    LoggingNotifier.sent.clear()
    gas = login_as(app.test_client(), make_user(Role.DISPATCHER, company=demo.lox.company))
    page = gas.get("/dispatch/holding").get_data(as_text=True)
    response = gas.post(
        f"/dispatch/holding/{lox.id}/call",
        data={"csrf_token": csrf_token_from(page)},
        follow_redirects=True,
    )
    assert "called forward: the barrier opens" in response.get_data(as_text=True)
    db.session.expire_all()
    lox = db.session.get(Passage, lox.id)
    assert lox.decision is Decision.ALLOW and lox.called_at is not None
    assert ("G1-HAZ", lox.id) in SimulatedBarrier.opened
    ((_phone, text, reference),) = LoggingNotifier.sent
    assert reference == demo.lox.reference and demo.lox.vehicle.plate in text
    assert "drive to" in text and "前往" in text  # English and Chinese
    assert [w.passage.id for w in holding.waiting()] != [lox.id]


def test_a_company_cannot_call_another_companys_vehicle(
    app: Flask, client: Any, demo: Demo
) -> None:
    _lox, tanker = _waiting_tankers(client, demo)
    gas = login_as(app.test_client(), make_user(Role.DISPATCHER, company=demo.lox.company))
    page = gas.get("/dispatch/holding").get_data(as_text=True)
    response = gas.post(
        f"/dispatch/holding/{tanker.id}/call",
        data={"csrf_token": csrf_token_from(page)},
        follow_redirects=True,
    )
    assert "only the receiving company or the park" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Passage, tanker.id).called_at is None


def test_call_next_takes_the_longest_waiting(client: Any, demo: Demo) -> None:
    lox, tanker = _waiting_tankers(client, demo)
    manager = make_user(Role.MANAGER)
    assert holding.call_next(None, manager) == lox
    assert lox.called_at is not None and tanker.called_at is None
    # Still early: called, but the rules keep it in the lot.
    assert lox.decision is Decision.HOLD


def test_the_park_calls_by_the_docks_capacity(client: Any, demo: Demo) -> None:
    lox, tanker = _waiting_tankers(client, demo)
    _due_now(demo.lox)
    _due_now(_booking(2))
    d4 = db.session.scalar(select(Dock).where(Dock.code == "D4"))
    assert holding.dock_room()[d4.id] == d4.slots_per_hour
    d4.slots_per_hour = 1
    d5 = demo.lox.dock
    room = holding.dock_room()
    assert room[d5.id] > 0
    called = holding.call_by_capacity(make_user(Role.MANAGER))
    assert called == [lox, tanker]
    assert lox.decision is Decision.ALLOW and tanker.decision is Decision.ALLOW


def test_a_dock_without_room_keeps_its_vehicles_waiting(client: Any, demo: Demo) -> None:
    lox, _tanker = _waiting_tankers(client, demo)
    _due_now(demo.lox)
    d5 = demo.lox.dock
    from gatekeeper.models import Presence, PresenceKind

    for n in range(d5.slots_per_hour):
        other = _booking(5) if n == 0 else demo.lox
        db.session.add(Presence(kind=PresenceKind.VEHICLE, plate=f"X-{n}", booking_id=other.id))
    db.session.flush()
    assert holding.dock_room()[d5.id] == 0
    called = holding.call_by_capacity(make_user(Role.MANAGER))
    assert lox not in called and lox.called_at is None


def test_loaded_tankers_have_their_own_spaces(client: Any, demo: Demo) -> None:
    lot = db.session.scalar(select(Zone).where(Zone.kind == ZoneKind.HOLDING))
    lot.capacity_loaded_tankers = 1
    _early(demo.lox, _booking(2))
    _arrives(client, demo, "QAKX769", LOX_PLATE, 1)
    body = demo.post_event(
        client, "G1-HAZ", event_id="hold-full", plate=_booking(2).vehicle.plate, hazard=PETROL_PLATE
    ).json
    assert body["decision"] == "review"
    assert next(r["code"] for r in body["reasons"]) == "holding_lot"


def test_the_kiosk_release_is_the_same_call(app: Flask, client: Any, demo: Demo) -> None:
    lox, _tanker = _waiting_tankers(client, demo)
    _due_now(demo.lox)
    LoggingNotifier.sent.clear()
    kiosk = login_as(app.test_client(), demo.guard)
    page = kiosk.get("/kiosk/lanes/G1-HAZ").get_data(as_text=True)
    kiosk.post(f"/kiosk/passages/{lox.id}/release", data={"csrf_token": csrf_token_from(page)})
    db.session.expire_all()
    assert db.session.get(Passage, lox.id).called_by_id == demo.guard.id
    assert [reference for _to, _text, reference in LoggingNotifier.sent] == [demo.lox.reference]
    assert gate.holding_queue()[0].id != lox.id

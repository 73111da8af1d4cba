"""Gate decisions on the demo park through the station API and the guard's actions:
passages, presence, bookings, barrier and audit change together."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from gatekeeper.barriers import SimulatedBarrier
from gatekeeper.domain.gate import Decision
from gatekeeper.extensions import db
from gatekeeper.models import (
    Alert,
    AlertKind,
    AuditEntry,
    BookingStatus,
    Lane,
    Park,
    Passage,
    Person,
    Presence,
    PresenceKind,
    Qualification,
    Role,
    Vehicle,
    Zone,
    ZoneKind,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import gate
from gatekeeper.services.park import park_settings
from tests.conftest import SHARED_DATA
from tests.gate_samples import LOX_PLATE, Demo

pytestmark = pytest.mark.embedded

TANKER_PHOTO = SHARED_DATA / "hazmat" / "tanker_rear_225_1073.jpg"


def _passage(body: dict[str, Any]) -> Passage:
    passage = db.session.get(Passage, body["id"])
    assert passage is not None
    return passage


def _codes(body: dict[str, Any]) -> list[str]:
    return [r["code"] for r in body["reasons"]]


def _actions(passage: Passage) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity_type == "passage", AuditEntry.entity_id == str(passage.id))
            .order_by(AuditEntry.seq)
        )
    )


def test_booked_tanker_waits_for_the_crew_check_then_enters(client: Any, demo: Demo) -> None:
    response = demo.post_event(
        client, "G1-HAZ", event_id="e-1", plate="Q-AKX-769", hazard=LOX_PLATE
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["decision"] == "review" and _codes(body) == ["crew"]
    assert body["booking"] == demo.lox.reference and body["match_quality"] == "exact"
    assert not body["barrier_opened"] and SimulatedBarrier.opened == []
    passage = _passage(body)
    assert passage.vehicle_id == demo.lox.vehicle_id and passage.trailer_id == demo.lox.trailer_id
    assert {c["code"] for c in passage.checks} >= {
        "plate_match",
        "booking",
        "orange_plate",
        "driver",
    }

    gate.record_crew(
        passage, demo.guard, driver_present=True, escort_present=True, ids_checked=True, persons=2
    )
    db.session.commit()
    assert passage.decision is Decision.ALLOW
    assert gate.open_barrier(passage, demo.guard)
    assert SimulatedBarrier.opened == [("G1-HAZ", passage.id)]
    assert demo.lox.status is BookingStatus.INSIDE
    inside = {
        (p.kind, p.vehicle_id or p.person_id): p
        for p in db.session.scalars(select(Presence).where(Presence.booking_id == demo.lox.id))
    }
    tractor = inside[(PresenceKind.VEHICLE, demo.lox.vehicle_id)]
    assert tractor.hazard_classes == ["2"] and tractor.zone.code == "Z-TANK"
    assert (PresenceKind.VEHICLE, demo.lox.trailer_id) in inside
    assert (PresenceKind.PERSON, demo.lox.driver_id) in inside
    assert (PresenceKind.PERSON, demo.lox.escort_id) in inside
    assert _actions(passage) == [
        "anpr.event_received",
        "gate.decision",
        "gate.crew_recorded",
        "gate.decision",
        "barrier.open",
    ]
    # A second open does nothing: the boom is already up for this passage.
    assert not gate.open_barrier(passage, demo.guard)


def test_the_same_event_twice_is_one_passage(client: Any, demo: Demo) -> None:
    first = demo.post_event(client, "G1-HAZ", event_id="e-dup", plate="QAKX769", hazard=LOX_PLATE)
    again = demo.post_event(client, "G1-HAZ", event_id="e-dup", plate="QAKX769", hazard=LOX_PLATE)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["id"] == again.json["id"]
    count = db.session.scalar(
        select(func.count()).select_from(Passage).where(Passage.idempotency_key == "e-dup")
    )
    assert count == 1


def test_wrong_un_number_is_refused(client: Any, demo: Demo) -> None:
    body = demo.post_event(
        client,
        "G1-HAZ",
        event_id="e-un",
        plate="QAKX769",
        hazard={"hin": "33", "un": "1203", "confidence": 0.9},
    ).json
    assert body["decision"] == "deny"
    reason = body["reasons"][0]
    assert reason["code"] == "orange_plate" and "1203" in reason["message"]
    assert reason["evidence"]["booked"] == {"1073": ["225"]}


def test_expired_driver_certificate_is_refused(client: Any, demo: Demo) -> None:
    for qualification in db.session.scalars(
        select(Qualification).where(Qualification.person_id == demo.lox.driver_id)
    ):
        qualification.expires_on = utcnow().date() - timedelta(days=1)
    db.session.flush()
    body = demo.post_event(
        client, "G1-HAZ", event_id="e-cert", plate="QAKX769", hazard=LOX_PLATE
    ).json
    assert body["decision"] == "deny"
    assert "driver" in _codes(body)
    assert "expired" in next(r["message"] for r in body["reasons"] if r["code"] == "driver")


def test_vehicle_without_booking_is_refused(client: Any, demo: Demo) -> None:
    body = demo.post_event(client, "G1-HAZ", event_id="e-nobk", plate="1-VKR-302").json
    assert body["decision"] == "deny" and _codes(body) == ["booking"]
    assert body["booking"] is None


def test_unknown_plate_goes_to_the_guard(client: Any, demo: Demo) -> None:
    body = demo.post_event(client, "G1-IN", event_id="e-unk", plate="ZZ-999-ZZ").json
    assert body["decision"] == "review" and "plate_match" in _codes(body)


def test_hazmat_in_a_general_lane_is_refused(client: Any, demo: Demo) -> None:
    body = demo.post_event(
        client, "G1-IN", event_id="e-lane", plate="QAKX769", hazard=LOX_PLATE
    ).json
    assert body["decision"] == "deny" and "lane" in _codes(body)


def _make_early(demo: Demo) -> None:
    now = utcnow()
    demo.lox.window_start, demo.lox.window_end = now + timedelta(hours=3), now + timedelta(hours=5)
    db.session.flush()


def test_early_vehicle_waits_in_the_holding_lot_and_is_released(client: Any, demo: Demo) -> None:
    _make_early(demo)
    body = demo.post_event(
        client, "G1-HAZ", event_id="e-early", plate="QAKX769", hazard=LOX_PLATE
    ).json
    assert body["decision"] == "hold" and "window" in _codes(body)
    passage = _passage(body)
    assert gate.holding_queue() == [passage]
    assert demo.lox.status is BookingStatus.ARRIVED

    # Still early: releasing decides again and the vehicle keeps waiting.
    gate.release(passage, demo.guard)
    assert passage.decision is Decision.HOLD and gate.holding_queue() == [passage]

    now = utcnow()
    demo.lox.window_start, demo.lox.window_end = (
        now - timedelta(minutes=5),
        now + timedelta(hours=2),
    )
    passage.crew = {
        "driver_present": True,
        "escort_present": True,
        "ids_checked": True,
        "persons": 2,
    }
    gate.release(passage, demo.guard)
    db.session.commit()
    assert passage.decision is Decision.ALLOW and passage.released_at is not None
    assert gate.holding_queue() == []
    assert gate.open_barrier(passage, demo.guard)
    assert demo.lox.status is BookingStatus.INSIDE


def test_full_holding_lot_sends_the_early_vehicle_to_the_guard(client: Any, demo: Demo) -> None:
    _make_early(demo)
    holding = db.session.scalar(select(Zone).where(Zone.kind == ZoneKind.HOLDING))
    holding.capacity_vehicles = 0
    db.session.flush()
    body = demo.post_event(
        client, "G1-HAZ", event_id="e-full", plate="QAKX769", hazard=LOX_PLATE
    ).json
    assert body["decision"] == "review"
    assert _codes(body)[0] == "holding_lot" and "window" in _codes(body)


def test_a_night_booking_after_midnight_is_found_the_evening_before(
    client: Any, demo: Demo
) -> None:
    zone = ZoneInfo(park_settings().timezone or "UTC")
    # Tomorrow evening, so that the event posted now finds the booking far ahead whatever
    # the hour of the test run.
    evening = datetime.combine(datetime.now(zone).date() + timedelta(days=1), time(22, 30), zone)
    demo.lox.window_start = evening + timedelta(hours=3)  # 01:30 the day after
    demo.lox.window_end = evening + timedelta(hours=5)
    db.session.flush()
    body = demo.post_event(
        client, "G1-HAZ", event_id="e-night", plate="QAKX769", hazard=LOX_PLATE
    ).json
    result = gate.evaluate(_passage(body), now=evening.astimezone(UTC)).result
    # Early, not unbooked: the tanker waits in the holding lot for its window.
    assert result.booking is not None and result.booking.id == demo.lox.id
    assert result.decision is Decision.HOLD
    assert "window" in [c.code for c in result.reasons]


def test_full_park_holds_hazmat_vehicles(client: Any, demo: Demo) -> None:
    db.session.scalar(select(Park)).hazmat_vehicle_capacity = 0
    db.session.flush()
    body = demo.post_event(
        client, "G1-HAZ", event_id="e-cap", plate="QAKX769", hazard=LOX_PLATE
    ).json
    # It waits in the holding lot; its crew is checked when it is called.
    assert body["decision"] == "hold" and _codes(body) == ["capacity"]
    assert "hazmat vehicles in the park 0/0" in body["reasons"][0]["message"]
    passage = _passage(body)
    assert next(c for c in passage.checks if c["code"] == "crew")["outcome"] == "not_applicable"


def _enter(client: Any, demo: Demo) -> Passage:
    body = demo.post_event(
        client, "G1-HAZ", event_id="e-in", plate="QAKX769", hazard=LOX_PLATE
    ).json
    passage = _passage(body)
    gate.record_crew(
        passage, demo.guard, driver_present=True, escort_present=True, ids_checked=True, persons=2
    )
    db.session.commit()
    assert passage.decision is Decision.ALLOW
    return passage


def test_exit_closes_the_visit(client: Any, demo: Demo) -> None:
    _enter(client, demo)
    body = demo.post_event(client, "G1-OUT", event_id="e-out", plate="1-XTB-482").json
    assert body["decision"] == "allow" and body["barrier_opened"]
    assert demo.lox.status is BookingStatus.COMPLETED
    left = db.session.scalar(
        select(func.count()).select_from(Presence).where(Presence.booking_id == demo.lox.id)
    )
    assert left == 0


def test_exit_after_overstay_raises_an_alert(client: Any, demo: Demo) -> None:
    _enter(client, demo)
    for presence in db.session.scalars(select(Presence)):
        presence.entered_at = utcnow() - timedelta(hours=7)
    db.session.flush()
    body = demo.post_event(client, "G1-OUT", event_id="e-late-out", plate="QAKX769").json
    assert body["decision"] == "allow" and _codes(body) == ["stay"]
    alert = db.session.scalar(select(Alert).where(Alert.kind == AlertKind.OVERSTAY))
    assert alert is not None and "QAKX769" not in alert.message and "Q-AKX-769" in alert.message


def test_exit_of_a_vehicle_not_inside_goes_to_the_guard(client: Any, demo: Demo) -> None:
    body = demo.post_event(client, "G1-OUT", event_id="e-ghost", plate="1-XTB-482").json
    assert body["decision"] == "review" and _codes(body) == ["inside"]


def test_guard_override_needs_a_reason_and_is_audited(client: Any, demo: Demo) -> None:
    body = demo.post_event(
        client, "G1-HAZ", event_id="e-ovr", plate="QAKX769", hazard=LOX_PLATE
    ).json
    passage = _passage(body)
    with pytest.raises(gate.ActionError, match="reason"):
        gate.guard_decides(passage, gate.Action.OPEN, demo.guard, "  ")
    gate.guard_decides(passage, gate.Action.OPEN, demo.guard, "Crew checked by the shift lead")
    db.session.commit()
    assert passage.decision is Decision.ALLOW and passage.system_decision is Decision.REVIEW
    assert passage.operator_id == demo.guard.id
    assert gate.open_barrier(passage, demo.guard)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "gate.override"))
    assert entry is not None and entry.actor == demo.guard.username
    assert "shift lead" in entry.details
    with pytest.raises(gate.ActionError, match="already opened"):
        gate.guard_decides(passage, gate.Action.REFUSE, demo.guard, "changed my mind")


def test_guard_refuses_a_review_without_a_reason(client: Any, demo: Demo) -> None:
    body = demo.post_event(client, "G1-IN", event_id="e-ref", plate="ZZ-999-ZZ").json
    passage = _passage(body)
    gate.guard_decides(passage, gate.Action.REFUSE, demo.guard, None)
    assert passage.decision is Decision.DENY and passage.override_reason is None
    assert not gate.open_barrier(passage, demo.guard)


def test_guard_corrects_the_plate_and_the_rules_run_again(client: Any, demo: Demo) -> None:
    body = demo.post_event(
        client, "G1-HAZ", event_id="e-fix", plate="QAKX7G9", confidence=0.4, hazard=LOX_PLATE
    ).json
    assert body["decision"] == "review" and "plate_read" in _codes(body)
    passage = _passage(body)
    result = gate.correct_plate(passage, "Q-AKX-769", demo.guard)
    assert passage.plate_read == "Q-AKX-769" and passage.plate_confirmed
    assert [c.code for c in result.reasons] == ["crew"]
    with pytest.raises(gate.ActionError):
        gate.correct_plate(passage, "---", demo.guard)


def test_open_emergency_lane_lets_through_and_alerts(client: Any, demo: Demo) -> None:
    lane = db.session.scalar(select(Lane).where(Lane.code == "G2-EMG"))
    lane.is_open = True
    db.session.flush()
    response = client.post(
        "/api/v1/lanes/G2-EMG/events",
        json={"event_id": "fire-1", "plate": "FW 112", "confidence": 0.9},
        headers={"Authorization": f"Bearer {demo.other_token}"},
    )
    assert response.json["decision"] == "allow"
    assert db.session.scalar(select(Alert).where(Alert.kind == AlertKind.EMERGENCY_LANE))


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (None, 400, "JSON object"),
        ({"plate": "QAKX769", "confidence": 0.9}, 400, "event_id"),
        ({"event_id": "x", "plate": "", "confidence": 0.9}, 400, "plate"),
        ({"event_id": "x", "plate": "QAKX769", "confidence": "high"}, 400, "confidence"),
        (
            {"event_id": "x", "plate": "QAKX769", "confidence": 0.9, "hazard": {"un": "1073"}},
            400,
            "hin",
        ),
        ({"event_id": "x", "plate": "QAKX769", "confidence": 0.9, "image": "%%%"}, 400, "base64"),
        (
            {
                "event_id": "x",
                "plate": "QAKX769",
                "confidence": 0.9,
                "image": base64.b64encode(b"not an image at all").decode(),
            },
            400,
            "image",
        ),
    ],
)
def test_bad_events_are_refused_and_store_nothing(
    client: Any, demo: Demo, body: Any, status: int, message: str
) -> None:
    before = db.session.scalar(select(func.count()).select_from(Passage))
    kwargs: dict[str, Any] = {"json": body} if body is not None else {"data": "plate=1"}
    response = client.post(
        "/api/v1/lanes/G1-HAZ/events", headers={"Authorization": f"Bearer {demo.token}"}, **kwargs
    )
    assert response.status_code == status
    assert message in response.json["message"]
    assert db.session.scalar(select(func.count()).select_from(Passage)) == before


def test_events_need_a_station_serving_the_lane(client: Any, demo: Demo) -> None:
    body = {"event_id": "x1", "plate": "QAKX769", "confidence": 0.9}
    assert client.post("/api/v1/lanes/G1-HAZ/events", json=body).status_code == 401
    other = {"Authorization": f"Bearer {demo.other_token}"}
    assert client.post("/api/v1/lanes/G1-HAZ/events", json=body, headers=other).status_code == 403
    assert client.post("/api/v1/lanes/NOPE/events", json=body, headers=other).status_code == 404


def test_event_image_is_kept_with_the_passage(client: Any, demo: Demo) -> None:
    image = base64.b64encode(TANKER_PHOTO.read_bytes()).decode()
    body = demo.post_event(
        client, "G1-HAZ", event_id="e-img", plate="QAKX769", hazard=LOX_PLATE, image=image
    ).json
    assert body["frames"] == 1
    assert _passage(body).images[0].width > 1000


def test_capture_of_the_real_tanker_photo_is_read_and_decided(client: Any, demo: Demo) -> None:
    """Frames -> OCR job (in-process) -> decision: the trailer plate and the orange plate
    are read from the photo and matched against the LOX booking."""
    # Encoded here, in memory: the test client would spool a body this large to a
    # temporary file that it never closes.
    boundary, body = encode_multipart(
        {"event_id": "cap-1", "image": FileStorage(BytesIO(TANKER_PHOTO.read_bytes()), "rear.jpg")}
    )
    response = client.post(
        "/api/v1/lanes/G1-HAZ/captures",
        data=body,
        headers={"Authorization": f"Bearer {demo.token}"},
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 202
    status = client.get(
        response.json["status_url"], headers={"Authorization": f"Bearer {demo.token}"}
    ).json
    assert status["status"] == "done"
    assert status["booking"] == demo.lox.reference
    # The photo's plate reads as 0AKX769 (the Q is worn): a confusable match, read with
    # too little confidence to pass without the guard; the orange plate matches.
    assert status["match_quality"] in ("exact", "confusable")
    assert status["decision"] == "review" and set(_codes(status)) <= {"plate_read", "crew"}
    assert "orange_plate" not in _codes(status)
    passage = _passage(status)
    assert (passage.hin_read, passage.un_read) == ("225", "1073")


# --- the HTTP relay barrier ----------------------------------------------------------------


class _Relay(BaseHTTPRequestHandler):
    received: list[tuple[str | None, dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _Relay.received.append(
            (self.headers.get("Authorization"), json.loads(self.rfile.read(length)))
        )
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def relay() -> Iterator[str]:
    _Relay.received = []
    server = HTTPServer(("127.0.0.1", 0), _Relay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/open"
    server.shutdown()
    server.server_close()


def test_http_relay_barrier_opens_with_its_token(
    client: Any, demo: Demo, relay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GK_TEST_RELAY_TOKEN", "s3cret")
    lane = db.session.scalar(select(Lane).where(Lane.code == "G1-OUT"))
    lane.barrier = {"type": "http_relay", "url": relay, "token_env": "GK_TEST_RELAY_TOKEN"}
    db.session.flush()
    _enter(client, demo)
    body = demo.post_event(client, "G1-OUT", event_id="e-relay", plate="1XTB482").json
    assert body["barrier_opened"]
    assert _Relay.received == [
        ("Bearer s3cret", {"lane": "G1-OUT", "passage": body["id"], "action": "open"})
    ]


def test_unreachable_relay_is_logged_and_the_decision_kept(client: Any, demo: Demo) -> None:
    lane = db.session.scalar(select(Lane).where(Lane.code == "G1-OUT"))
    lane.barrier = {"type": "http_relay", "url": "http://127.0.0.1:9/open", "timeout_s": 1}
    db.session.flush()
    _enter(client, demo)
    body = demo.post_event(client, "G1-OUT", event_id="e-down", plate="1XTB482").json
    assert body["decision"] == "allow" and not body["barrier_opened"]
    failed = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "barrier.failed"))
    assert failed is not None and "unreachable" in failed.details


def test_vehicle_lookup_is_tolerant(demo: Demo) -> None:
    found = {v.plate for v in gate.candidate_vehicles(["0AKX769"])}
    assert "Q-AKX-769" in found
    # Chinese plates: the province character is never read.
    found = {v.plate for v in gate.candidate_vehicles(["AD5521"])}
    assert "沪A·D5521" in found
    assert (
        db.session.scalar(select(Vehicle).where(Vehicle.plate == "沪A·D5521")).plate_skeleton
        == "A05521"
    )
    assert db.session.scalar(select(Person).limit(1)) is not None


def test_held_vehicles_that_left_without_being_called_expire_from_the_queue(
    client: Any, demo: Demo
) -> None:
    from gatekeeper.jobs.maintenance import expire_holding_queue

    _make_early(demo)
    body = demo.post_event(
        client, "G1-HAZ", event_id="e-gone", plate="QAKX769", hazard=LOX_PLATE
    ).json
    assert body["decision"] == "hold"
    passage = _passage(body)
    assert expire_holding_queue() == 0  # still within the maximum stay
    passage.occurred_at = utcnow() - timedelta(minutes=park_settings().max_stay_minutes + 1)
    db.session.commit()
    assert expire_holding_queue() == 1
    assert gate.holding_queue() == [] and passage.released_at is not None
    assert _actions(passage)[-1] == "gate.hold_expired"
    with pytest.raises(gate.ActionError):
        gate.release(passage, demo.guard)


def _presences(passage: Passage) -> list[Presence]:
    return list(db.session.scalars(select(Presence).where(Presence.entry_passage_id == passage.id)))


def test_an_allowed_vehicle_is_inside_only_once_the_barrier_opens(client: Any, demo: Demo) -> None:
    passage = _enter(client, demo)
    # Its places are reserved (capacity counts them) but it has not passed yet.
    reserved = _presences(passage)
    assert len(reserved) == 4 and all(p.passed_at is None for p in reserved)
    assert demo.lox.status is BookingStatus.APPROVED
    assert gate.open_barrier(passage, demo.guard)
    assert all(p.passed_at is not None for p in _presences(passage))
    assert demo.lox.status is BookingStatus.INSIDE


def test_a_refusal_after_a_failed_opening_gives_the_places_back(client: Any, demo: Demo) -> None:
    passage = _enter(client, demo)
    passage.lane.barrier = {"type": "http_relay", "url": "http://127.0.0.1:1/open"}
    db.session.commit()
    assert not gate.open_barrier(passage, demo.guard)
    assert len(_presences(passage)) == 4
    gate.guard_decides(passage, gate.Action.REFUSE, demo.guard, "boom stuck; sent back")
    db.session.commit()
    assert _presences(passage) == [] and demo.lox.status is BookingStatus.APPROVED


def test_the_guard_records_a_vehicle_that_passed_a_failed_barrier(client: Any, demo: Demo) -> None:
    passage = _enter(client, demo)
    passage.lane.barrier = {"type": "http_relay", "url": "http://127.0.0.1:1/open"}
    db.session.commit()
    assert not gate.open_barrier(passage, demo.guard)
    gate.confirm_passed(passage, demo.guard)
    db.session.commit()
    assert all(p.passed_at is not None for p in _presences(passage))
    assert demo.lox.status is BookingStatus.INSIDE
    assert _actions(passage)[-1] == "gate.passed_by_hand"
    with pytest.raises(gate.ActionError):
        gate.confirm_passed(passage, demo.guard)


def test_a_vehicle_let_in_without_a_registration_is_on_the_roll_call(
    client: Any, demo: Demo, as_role: Any
) -> None:
    body = demo.post_event(client, "G1-IN", event_id="e-unreg", plate="ZZ-321-ZZ").json
    passage = _passage(body)
    gate.guard_decides(passage, gate.Action.OPEN, demo.guard, "contractor's van, host called")
    db.session.commit()
    assert gate.open_barrier(passage, demo.guard)
    (inside,) = _presences(passage)
    assert inside.plate == "ZZ-321-ZZ" and inside.vehicle_id is None and inside.passed_at
    page = as_role(Role.MANAGER).get("/manage/occupancy").get_data(as_text=True)
    assert "ZZ-321-ZZ" in page
    # It leaves through the exit lane; the guard lets it out and its visit closes.
    out = demo.post_event(client, "G1-OUT", event_id="e-unreg-out", plate="ZZ-321-ZZ").json
    leaving = _passage(out)
    if leaving.decision is not Decision.ALLOW:
        gate.guard_decides(leaving, gate.Action.OPEN, demo.guard, "the van leaves")
        db.session.commit()
        assert gate.open_barrier(leaving, demo.guard)
    assert _presences(passage) == []


def test_occupancy_counts_what_passed_in_a_fixed_number_of_queries(client: Any, demo: Demo) -> None:
    from sqlalchemy import event

    from gatekeeper.services.dashboard import occupancy

    def tank_zone() -> Any:
        return next(row for row in occupancy(0) if row["code"] == "Z-TANK")

    passage = _enter(client, demo)
    assert (tank_zone()["vehicles"], tank_zone()["people"]) == (0, 0)  # reserved, not inside
    assert gate.open_barrier(passage, demo.guard)
    row = tank_zone()
    assert (row["vehicles"], row["hazmat_vehicles"], row["people"]) == (2, 1, 2)
    assert (row["loaded_tankers"], row["empty_tankers"]) == (1, 0)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        occupancy(0)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 3  # the counts, the tankers, and the zones

"""Checkpoint sightings and route deviations: each rule alone (domain), then through the
API on the demo park (the LOX tanker's route: G1 CP1 J1 CP4 D5 CP4 J1 CP1 G1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from gatekeeper.domain import tracking
from gatekeeper.domain.messages import N_, phrase
from gatekeeper.domain.routing import Road
from gatekeeper.extensions import db
from gatekeeper.jobs import maintenance
from gatekeeper.models import (
    Alert,
    AlertKind,
    GoodsOnSite,
    Presence,
    PresenceKind,
    Severity,
    Sighting,
    Standing,
    Zone,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import inventory
from gatekeeper.services import tracking as tracking_service
from gatekeeper.services.clock import park_today
from gatekeeper.services.park import park_settings
from tests.gate_samples import Demo

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
ROUTE = [
    tracking.Stop(0, "G1", None, 0),
    tracking.Stop(1, "CP1", 1, 5),
    tracking.Stop(2, "CP4", 4, 10),
    tracking.Stop(3, "D5", None, 12, dock=True),
    tracking.Stop(4, "CP4", 4, 14),
    tracking.Stop(5, "CP1", 1, 19),
    tracking.Stop(6, "G1", None, 24),
]
ROADS = [Road("G1", "CP1", 250, 30), Road("CP1", "CP4", 750, 30), Road("CP1", "CP3", 500, 30)]


def test_a_checkpoint_on_the_route_advances_the_progress() -> None:
    assert tracking.match_progress(ROUTE, 1, None) == tracking.Outcome(1)
    assert tracking.match_progress(ROUTE, 4, 1) == tracking.Outcome(2)
    # The same checkpoint on the way back: its second occurrence.
    assert tracking.match_progress(ROUTE, 4, 3) == tracking.Outcome(4)


def test_a_checkpoint_not_on_the_route_is_off_route() -> None:
    outcome = tracking.match_progress(ROUTE, 3, 1)
    assert outcome.progress == 1
    ((finding, evidence),) = outcome.findings
    assert finding is tracking.Finding.OFF_ROUTE and evidence["route_checkpoints"][0] == "CP1"


def test_a_checkpoint_only_behind_the_progress_is_wrong_direction() -> None:
    outcome = tracking.match_progress(ROUTE, 4, 5)
    assert outcome.progress == 5
    assert [f for f, _ in outcome.findings] == [tracking.Finding.WRONG_DIRECTION]


def test_speeding_is_the_road_distance_faster_than_the_limits_allow() -> None:
    previous = tracking.Seen("G1", T0)
    # 250 m at 30 km/h take 30 s; 20 % tolerance: 25 s is still allowed, 20 s is not.
    speed, evidence = tracking.check_speed(ROADS, previous, "CP1", T0 + timedelta(seconds=26), 20)
    assert evidence is None and speed == 34.6
    speed, evidence = tracking.check_speed(ROADS, previous, "CP1", T0 + timedelta(seconds=20), 20)
    assert evidence is not None and evidence["speed_kmh"] == 45.0 and evidence["limit_kmh"] == 30
    # Across two roads: G1 to CP4 is 1000 m.
    _, evidence = tracking.check_speed(ROADS, previous, "CP4", T0 + timedelta(seconds=60), 20)
    assert evidence is not None and evidence["metres"] == 1000


def test_late_at_the_next_checkpoint_counts_from_the_last_sighting() -> None:
    tolerance = timedelta(minutes=10)
    # Seen at CP1 (due 5) at T0: CP4 (due 10) is expected by T0 + 5 + 10 min.
    assert tracking.late_at(ROUTE, 1, T0, None, T0 + timedelta(minutes=15), tolerance) is None
    stop, evidence = tracking.late_at(ROUTE, 1, T0, None, T0 + timedelta(minutes=17), tolerance)
    assert stop.node == "CP4" and evidence["minutes_late"] == 2


def test_at_its_dock_a_vehicle_is_late_nowhere_until_unloaded() -> None:
    tolerance = timedelta(minutes=10)
    hours_later = T0 + timedelta(hours=3)
    assert tracking.late_at(ROUTE, 2, T0, None, hours_later, tolerance) is None
    unloaded = T0 + timedelta(hours=2)
    # From the unloading: CP4 (due 14) two minutes after the dock (due 12), + 10 tolerance.
    assert (
        tracking.late_at(ROUTE, 2, T0, unloaded, unloaded + timedelta(minutes=12), tolerance)
        is None
    )
    found = tracking.late_at(ROUTE, 2, T0, unloaded, unloaded + timedelta(minutes=13), tolerance)
    assert found is not None and found[0].position == 4


def test_parking_where_the_cargo_is_not_allowed_beyond_the_limit() -> None:
    limit = timedelta(minutes=15)
    later = T0 + timedelta(minutes=20)
    assert tracking.parked_illegally(["3"], ["3", "8"], T0, later, limit) is None
    assert tracking.parked_illegally(["3"], ["2"], T0, T0 + timedelta(minutes=10), limit) is None
    evidence = tracking.parked_illegally(["3", "2"], ["2"], T0, later, limit)
    assert evidence == {"classes": ["3"], "since": T0.isoformat(), "minutes": 20}


# Through the API on the demo park -------------------------------------------------------


def _inside_since(demo: Demo, client: Any, minutes: int) -> Presence:
    demo.enter_lox(client)
    presence = db.session.scalar(select(Presence).where(Presence.vehicle_id == demo.lox.vehicle_id))
    assert presence is not None and presence.passed_at is not None
    for row in db.session.scalars(select(Presence).where(Presence.booking_id == demo.lox.id)):
        row.passed_at = row.entered_at = utcnow() - timedelta(minutes=minutes)
    db.session.commit()
    return presence


def _at(minutes_ago: float) -> str:
    return (utcnow() - timedelta(minutes=minutes_ago)).isoformat()


def _alerts(kind: AlertKind | None = None) -> list[Alert]:
    query = select(Alert).order_by(Alert.id)
    if kind is not None:
        query = query.where(Alert.kind == kind)
    return list(db.session.scalars(query))


def test_a_sighting_moves_the_vehicle_its_crew_and_its_goods(client: Any, demo: Demo) -> None:
    presence = _inside_since(demo, client, 60)
    answer = demo.post_sighting(client, "CP4", event_id="s1", plate="QAKX769", at=_at(50))
    assert answer.status_code == 201, answer.json
    assert answer.json["vehicle"] == "Q-AKX-769" and answer.json["on_route"] is True
    assert answer.json["alerts"] == []
    tank_farm = db.session.scalar(select(Zone).where(Zone.code == "Z-TANK"))
    moved = db.session.scalars(select(Presence).where(Presence.booking_id == demo.lox.id)).all()
    assert {row.zone_id for row in moved} == {tank_farm.id}
    assert {row.kind for row in moved} == {PresenceKind.VEHICLE, PresenceKind.PERSON}
    assert presence.route_position == 3
    (line,) = inventory.goods_inside()
    assert line.un_number == "1073" and line.zone is not None and line.zone.code == "Z-TANK"


def test_the_same_event_again_is_one_sighting(client: Any, demo: Demo) -> None:
    _inside_since(demo, client, 60)
    first = demo.post_sighting(client, "CP1", event_id="s-dup", plate="QAKX769", at=_at(50))
    again = demo.post_sighting(client, "CP1", event_id="s-dup", plate="QAKX769", at=_at(50))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["id"] == again.json["id"]
    assert db.session.scalar(select(func.count(Sighting.id))) == 1


def test_a_checkpoint_off_the_route_is_a_critical_alert_with_evidence(
    client: Any, demo: Demo
) -> None:
    _inside_since(demo, client, 60)
    answer = demo.post_sighting(client, "CP3", event_id="s-off", plate="QAKX769", at=_at(50))
    assert answer.json["on_route"] is False
    assert answer.json["alerts"] == [{"kind": "route_deviation", "severity": "critical"}]
    (alert,) = _alerts(AlertKind.ROUTE_DEVIATION)
    assert alert.severity is Severity.CRITICAL and alert.evidence["checkpoint"] == "CP3"
    assert "CP1" in alert.evidence["route_checkpoints"] and alert.booking_id == demo.lox.id


def test_driving_back_along_the_route_is_wrong_direction(client: Any, demo: Demo) -> None:
    _inside_since(demo, client, 120)
    for n, (checkpoint, minutes_ago) in enumerate(
        (("CP1", 110), ("CP4", 100), ("CP4", 40), ("CP1", 30), ("CP4", 20))
    ):
        demo.post_sighting(
            client, checkpoint, event_id=f"s-{n}", plate="QAKX769", at=_at(minutes_ago)
        )
    (alert,) = _alerts()
    assert alert.kind is AlertKind.WRONG_DIRECTION and alert.evidence["checkpoint"] == "CP4"


def test_too_fast_from_the_gate_to_the_first_checkpoint_is_speeding(
    client: Any, demo: Demo
) -> None:
    presence = _inside_since(demo, client, 10)
    assert presence.passed_at is not None
    # G1 to CP1 is 250 m at 30 km/h (30 s); 12 s is 75 km/h.
    at = (presence.passed_at + timedelta(seconds=12)).isoformat()
    answer = demo.post_sighting(client, "CP1", event_id="s-fast", plate="QAKX769", at=at)
    assert answer.json["speed_kmh"] == 75.0
    (alert,) = _alerts(AlertKind.SPEEDING)
    assert alert.evidence["from"] == "G1" and alert.evidence["limit_kmh"] == 30


def test_not_seen_at_the_next_checkpoint_in_time_is_a_deviation(client: Any, demo: Demo) -> None:
    _inside_since(demo, client, 30)
    assert maintenance.check_route_deviations() == 1
    assert maintenance.check_route_deviations() == 0  # raised once
    (alert,) = _alerts(AlertKind.ROUTE_DEVIATION)
    assert alert.evidence["checkpoint"] == "CP1" and "CP1" in alert.message


def test_seen_in_time_and_at_the_dock_is_no_deviation(client: Any, demo: Demo) -> None:
    _inside_since(demo, client, 180)
    demo.post_sighting(client, "CP1", event_id="a", plate="QAKX769", at=_at(178))
    demo.post_sighting(client, "CP4", event_id="b", plate="QAKX769", at=_at(176))
    # Unloading for three hours at D5: not late on the way back until unloaded.
    assert maintenance.check_route_deviations() == 0
    inventory.mark_unloaded(demo.lox, demo.guard)
    db.session.commit()
    assert db.session.scalar(select(func.count(GoodsOnSite.id))) == 0
    assert maintenance.check_route_deviations() == 0  # just unloaded: in time


def test_standing_where_the_cargo_is_not_allowed_is_illegal_parking(
    client: Any, demo: Demo
) -> None:
    _inside_since(demo, client, 60)
    demo.post_sighting(client, "CP1", event_id="p1", plate="QAKX769", at=_at(55))
    demo.post_sighting(client, "CP4", event_id="p2", plate="QAKX769", at=_at(50))
    tank_farm = db.session.scalar(select(Zone).where(Zone.code == "Z-TANK"))
    tank_farm.allowed_hazard_classes = ["3"]  # no gases (the LOX is class 2)
    db.session.commit()
    tracking_service.check_routes()
    (alert,) = _alerts(AlertKind.ILLEGAL_PARKING)
    assert alert.evidence == {**alert.evidence, "zone": "Z-TANK", "classes": ["2"]}


def _parked_before(vehicle_id: int, *days_ago: int) -> None:
    """Earlier illegal parkings of the vehicle, raised on those days."""
    for n, days in enumerate(days_ago):
        db.session.add(
            Alert.draft(
                phrase(
                    N_("%(plate)s: %(minutes)s min in %(zone)s, where its cargo is not allowed"),
                    plate="x",
                    minutes=20,
                    zone="Z-TANK",
                ),
                kind=AlertKind.ILLEGAL_PARKING,
                severity=Severity.WARNING,
                dedup_key=f"earlier-{n}",
                vehicle_id=vehicle_id,
                created_at=utcnow() - timedelta(days=days),
            )
        )
    db.session.commit()


def _parking_in_the_tank_farm(client: Any, demo: Demo) -> None:
    _inside_since(demo, client, 60)
    demo.post_sighting(client, "CP1", event_id="p1", plate="QAKX769", at=_at(55))
    demo.post_sighting(client, "CP4", event_id="p2", plate="QAKX769", at=_at(50))
    tank_farm = db.session.scalar(select(Zone).where(Zone.code == "Z-TANK"))
    tank_farm.allowed_hazard_classes = ["3"]  # no gases (the LOX is class 2)
    db.session.commit()


def _proposals() -> list[Alert]:
    return _alerts(AlertKind.REPEATED_PARKING)


def test_a_third_illegal_parking_within_90_days_proposes_the_blacklist_once(
    client: Any, demo: Demo
) -> None:
    vehicle_id = demo.lox.vehicle_id
    _parked_before(vehicle_id, 80, 30, 120)  # the one 120 days ago is past the window
    _parking_in_the_tank_farm(client, demo)
    tracking_service.check_routes()
    (proposal,) = _proposals()
    assert proposal.vehicle_id == vehicle_id and proposal.severity is Severity.WARNING
    assert "parked illegally 3 times in 90 days: blacklist it?" in proposal.message
    assert proposal.evidence == {
        "offences": 3,
        "since": (park_today() - timedelta(days=80)).isoformat(),
    }
    tracking_service.check_routes()  # nothing new: not proposed again
    assert len(_proposals()) == 1


def test_no_proposal_when_the_park_turns_it_off(client: Any, demo: Demo) -> None:
    vehicle_id = demo.lox.vehicle_id
    _parked_before(vehicle_id, 10, 20)
    park_settings().parking_offences_to_blacklist = 0
    db.session.commit()
    _parking_in_the_tank_farm(client, demo)
    tracking_service.check_routes()
    assert _proposals() == [] and len(_alerts(AlertKind.ILLEGAL_PARKING)) == 3


def test_a_vehicle_barred_already_is_not_proposed(client: Any, demo: Demo) -> None:
    _parked_before(demo.lox.vehicle_id, 10, 20)
    _parking_in_the_tank_farm(client, demo)  # inside, then barred while it is
    vehicle = demo.lox.vehicle
    vehicle.standing = Standing.BLACKLISTED
    vehicle.standing_until = park_today()
    db.session.commit()
    tracking_service.check_routes()
    assert _proposals() == [] and len(_alerts(AlertKind.ILLEGAL_PARKING)) == 3


def test_a_sighting_is_refused_clearly(client: Any, demo: Demo) -> None:
    def post(checkpoint: str, token: str, **body: Any) -> Any:
        return client.post(
            f"/api/v1/checkpoints/{checkpoint}/sightings",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )

    good = {"event_id": "x1", "plate": "QAKX769", "confidence": 0.9}
    assert post("CP9", demo.road_token, **good).status_code == 404
    assert post("CP1", demo.token, **good).status_code == 403  # a gate station's token
    for bad, field in (
        ({**good, "at": "yesterday"}, "at"),
        ({**good, "at": "2026-11-26T08:00:00"}, "at"),
        ({**good, "at": (utcnow() + timedelta(hours=1)).isoformat()}, "at"),
        ({**good, "event_id": ""}, "event_id"),
        ({**good, "plate_color": "purple"}, "plate_color"),
        ({**good, "image": "not base64!"}, "image"),
    ):
        answer = post("CP1", demo.road_token, **bad)
        assert answer.status_code == 400 and answer.json["message"].startswith(field), bad
    assert db.session.scalar(select(func.count(Sighting.id))) == 0


def test_an_unknown_vehicle_is_recorded_without_moving_anything(client: Any, demo: Demo) -> None:
    answer = demo.post_sighting(client, "CP2", event_id="u1", plate="ZZ999ZZ", plate_color="blue")
    assert answer.status_code == 201 and answer.json["vehicle"] is None
    assert answer.json["plate_colour"] == "blue"
    assert db.session.scalar(select(func.count(Presence.id))) == 0


def test_frames_of_a_plain_camera_are_read_as_at_the_gate(client: Any, demo: Demo) -> None:
    from io import BytesIO

    from tests.conftest import SHARED_DATA

    photo = (SHARED_DATA / "plates" / "br" / "PJU2853.jpg").read_bytes()

    def post(event_id: str) -> Any:
        return client.post(
            "/api/v1/checkpoints/CP2/sightings",
            data={"event_id": event_id, "image": [(BytesIO(photo), "cp2.jpg")]},
            headers={"Authorization": f"Bearer {demo.road_token}"},
            content_type="multipart/form-data",
        )

    answer = post("cam-1")
    assert answer.status_code == 202 and answer.json["status"] == "queued"
    # Embedded mode runs the OCR job in-process: the sighting is there already.
    db.session.expire_all()
    sighting = db.session.scalar(select(Sighting).where(Sighting.event_id == "cam-1"))
    assert sighting is not None and sighting.plate_read == "PJU2853"
    assert sighting.image_path and sighting.image_path.startswith("sightings/")
    again = post("cam-1")
    assert again.status_code == 200 and again.json["id"] == sighting.id
    bad = client.post(
        "/api/v1/checkpoints/CP2/sightings",
        data={"event_id": "cam-2", "image": [(BytesIO(b"not an image"), "x.jpg")]},
        headers={"Authorization": f"Bearer {demo.road_token}"},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400


def test_an_image_over_the_size_limit_is_413_as_the_api_document_says(
    client: Any, demo: Demo
) -> None:
    import base64

    from camera_adapters.wire import MAX_IMAGE_BYTES

    huge = base64.b64encode(b"\0" * (MAX_IMAGE_BYTES + 1)).decode()
    body = {"event_id": "big-1", "plate": "ZZ1", "confidence": 0.9, "image": huge}
    event = demo.post_event(client, "G1-IN", **body)
    assert event.status_code == 413 and event.json["error"] == "too_large"
    sighting = demo.post_sighting(client, "CP1", **body)
    assert sighting.status_code == 413
    document = client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {demo.token}"})
    events = document.json["paths"]["/lanes/{lane_code}/events"]["post"]
    assert "413" in events["responses"]
    reference = events["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document.json["components"]["schemas"][reference.rsplit("/", 1)[1]]
    assert (
        schema["properties"]["plate"]["pattern"]
        and "16 px" in (schema["properties"]["image"]["description"])
    )

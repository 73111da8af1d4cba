from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from gatekeeper.domain.plates import normalize_plate
from gatekeeper.models import Park, Presence, PresenceKind, Role, User, Vehicle, VehicleKind
from gatekeeper.models.types import utcnow
from tests.factories import make_carrier, make_vehicle

pytestmark = pytest.mark.embedded


@pytest.mark.parametrize(
    ("plate", "normalized"),
    [
        ("HH-EB 1204", "HHEB1204"),
        ("q-akx-769", "QAKX769"),
        ("沪A·D5521", "AD5521"),  # the province character is not Latin: matched without it
        ("苏E·2873挂", "E2873"),
        (" 1 ABC 234 ", "1ABC234"),
    ],
)
def test_plates_are_normalized_for_matching(plate: str, normalized: str) -> None:
    assert normalize_plate(plate) == normalized


def test_vehicle_keeps_its_normalized_plate_in_step(session: Any) -> None:
    vehicle = make_vehicle(plate="1-abc-999")
    assert (vehicle.plate, vehicle.plate_normalized) == ("1-ABC-999", "1ABC999")
    vehicle.plate = "2-XYZ-001"
    assert vehicle.plate_normalized == "2XYZ001"
    with pytest.raises(ValueError, match="letter or digit"):
        vehicle.plate = "--"


def test_same_plate_twice_in_one_country_is_refused(session: Any) -> None:
    make_vehicle(plate="1-DUP-001", country="BE")
    make_vehicle(plate="1 DUP 001", country="NL")  # another country may use it
    with pytest.raises(IntegrityError):
        make_vehicle(plate="1-DUP-001", country="BE")


def test_carrier_users_and_only_they_belong_to_a_carrier(session: Any) -> None:
    carrier = make_carrier()
    user = User(username="x1", display_name="X", role=Role.GUARD, carrier=carrier)
    user.set_password("long enough")
    session.add(user)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    lonely = User(username="x2", display_name="Y", role=Role.CARRIER)
    lonely.set_password("long enough")
    session.add(lonely)
    with pytest.raises(IntegrityError):
        session.flush()


def test_short_passwords_are_refused() -> None:
    with pytest.raises(ValueError, match="8 characters"):
        User(username="u", display_name="U", role=Role.GUARD).set_password("short")


def test_timestamps_are_aware_utc_on_every_backend(session: Any) -> None:
    vehicle = make_vehicle()
    presence = Presence(kind=PresenceKind.VEHICLE, vehicle=vehicle, entered_at=utcnow())
    session.add(presence)
    session.commit()
    session.expire_all()
    loaded = session.scalars(select(Presence)).one()
    assert loaded.entered_at.tzinfo is not None
    assert loaded.entered_at.utcoffset().total_seconds() == 0


def test_naive_timestamps_are_refused(session: Any) -> None:
    vehicle = make_vehicle()
    session.add(
        Presence(kind=PresenceKind.VEHICLE, vehicle=vehicle, entered_at=datetime(2026, 1, 1))
    )
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()


def test_foreign_keys_are_enforced(session: Any) -> None:
    session.add(Vehicle(plate="9-FK-000", country="BE", kind=VehicleKind.VAN, carrier_id=999_999))
    with pytest.raises(IntegrityError):
        session.flush()


def test_presence_subject_must_match_its_kind(session: Any) -> None:
    session.add(Presence(kind=PresenceKind.PERSON, vehicle=make_vehicle(), entered_at=utcnow()))
    with pytest.raises(IntegrityError):
        session.flush()


def test_park_defaults_without_a_configured_park() -> None:
    park = Park.with_defaults()
    assert park.max_stay_minutes == 360
    assert park.small_load_points_threshold == 1000
    assert park.plate_formats == ["CN", "EU"]

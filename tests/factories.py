"""Small factory helpers: each makes a valid record with sensible defaults and flushes it."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from gatekeeper.extensions import db
from gatekeeper.models import (
    AdrApproval,
    Booking,
    BookingStatus,
    CargoLine,
    Carrier,
    Company,
    Dock,
    Gate,
    Lane,
    LaneDirection,
    LaneKind,
    Packaging,
    Person,
    PersonKind,
    Qualification,
    QualificationKind,
    QuantityUnit,
    Role,
    Station,
    TripDirection,
    User,
    Vehicle,
    VehicleKind,
    Zone,
    ZoneKind,
)

_seq = itertools.count(1)
PASSWORD = "correct horse battery"


def _n() -> int:
    return next(_seq)


def _save(obj: Any) -> Any:
    db.session.add(obj)
    db.session.flush()
    return obj


def make_zone(**values: Any) -> Zone:
    n = _n()
    defaults = {"code": f"Z{n}", "name": f"Zone {n}", "kind": ZoneKind.PRODUCTION}
    return _save(Zone(**{**defaults, **values}))


def make_lane(gate: Gate | None = None, **values: Any) -> Lane:
    n = _n()
    gate = gate or _save(Gate(code=f"G{n}", name=f"Gate {n}"))
    defaults = {
        "code": f"L{n}",
        "name": f"Lane {n}",
        "direction": LaneDirection.IN,
        "kind": LaneKind.HAZMAT,
    }
    return _save(Lane(gate=gate, **{**defaults, **values}))


def make_company(**values: Any) -> Company:
    n = _n()
    return _save(Company(**{"code": f"C{n}", "name": f"Company {n}", **values}))


def make_dock(company: Company | None = None, zone: Zone | None = None, **values: Any) -> Dock:
    n = _n()
    return _save(
        Dock(
            code=f"D{n}",
            name=f"Dock {n}",
            company=company or make_company(),
            zone=zone or make_zone(),
            **values,
        )
    )


def make_carrier(**values: Any) -> Carrier:
    n = _n()
    return _save(Carrier(**{"code": f"CR{n}", "name": f"Carrier {n}", "country": "BE", **values}))


def make_user(role: Role, carrier: Carrier | None = None, **values: Any) -> User:
    n = _n()
    user = User(
        username=values.pop("username", f"{role.value}{n}"),
        display_name=f"{role.value.title()} {n}",
        role=role,
        carrier=(carrier or make_carrier()) if role is Role.CARRIER else None,
        **values,
    )
    user.set_password(PASSWORD)
    return _save(user)


def make_station(*lanes: Lane, **values: Any) -> tuple[Station, str]:
    n = _n()
    station = Station(code=f"ST{n}", name=f"Station {n}", lanes=list(lanes), **values)
    token = station.issue_token()
    return _save(station), token


def make_vehicle(carrier: Carrier | None = None, **values: Any) -> Vehicle:
    n = _n()
    defaults = {
        "plate": f"1-ABC-{n:03d}",
        "country": "BE",
        "kind": VehicleKind.TANKER,
        "adr_approval": AdrApproval.FL,
        "adr_certificate_expiry": date.today() + timedelta(days=200),
    }
    return _save(Vehicle(carrier=carrier or make_carrier(), **{**defaults, **values}))


def make_person(kind: PersonKind = PersonKind.DRIVER, **values: Any) -> Person:
    n = _n()
    qualifications = values.pop("qualifications", [])
    person = Person(kind=kind, **{"full_name": f"Person {n}", **values})
    person.qualifications.extend(qualifications)
    return _save(person)


def qualification(kind: QualificationKind, expires_on: date, **values: Any) -> Qualification:
    return Qualification(kind=kind, expires_on=expires_on, **values)


def make_booking(un_numbers: tuple[str, ...] = ("1203",), **values: Any) -> Booking:
    n = _n()
    carrier = values.pop("carrier", None) or make_carrier()
    dock = values.pop("dock", None) or make_dock()
    start = values.pop("window_start", datetime.now(UTC).replace(microsecond=0))
    booking = Booking(
        reference=f"BK-T-{n:05d}",
        carrier=carrier,
        vehicle=values.pop("vehicle", None) or make_vehicle(carrier),
        driver=values.pop("driver", None) or make_person(carrier=carrier),
        company=dock.company,
        dock=dock,
        direction=TripDirection.DELIVERY,
        window_start=start,
        window_end=values.pop("window_end", start + timedelta(hours=2)),
        status=values.pop("status", BookingStatus.APPROVED),
        **values,
    )
    for un in un_numbers:
        booking.cargo.append(
            CargoLine(
                un_number=un,
                description=f"UN {un}",
                quantity=Decimal("1000"),
                unit=QuantityUnit.L,
                packaging=Packaging.TANK,
            )
        )
    return _save(booking)

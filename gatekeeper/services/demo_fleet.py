"""Demo carriers, vehicles, crews, park staff and today's bookings."""

from __future__ import annotations

import zlib
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from gatekeeper.extensions import db
from gatekeeper.models import (
    AdrApproval,
    Booking,
    BookingStatus,
    Carrier,
    Dock,
    IdDocumentType,
    Packaging,
    Person,
    PersonKind,
    PlateColour,
    Qualification,
    QualificationKind,
    QuantityUnit,
    Standing,
    TripDirection,
    User,
    Vehicle,
    VehicleKind,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services.crew import id_digest
from gatekeeper.services.demo import DEMO_TIMEZONE

if TYPE_CHECKING:
    from gatekeeper.services.demo import _Seeder

Q = QualificationKind

# code, name, country
CARRIERS = (
    ("BRABANT", "Brabant Tank Logistics", "BE"),
    ("HUAXIN", "Huaxin Hazmat Transport", "CN"),
    ("EUROBOX", "Euro Box Freight", "DE"),
)

# plate, country, kind, carrier, ADR approval, days until the ADR/tank documents expire
VEHICLES: tuple[tuple[str, str, VehicleKind, str, AdrApproval | None, int], ...] = (
    ("1-XTB-482", "BE", VehicleKind.TRACTOR, "BRABANT", AdrApproval.AT, 240),
    ("Q-AKX-769", "BE", VehicleKind.TANK_TRAILER, "BRABANT", AdrApproval.AT, 200),
    ("1-VKR-301", "BE", VehicleKind.TANKER, "BRABANT", AdrApproval.FL, 160),
    ("1-VKR-302", "BE", VehicleKind.TANKER, "BRABANT", AdrApproval.FL, 21),
    ("1-HZT-118", "BE", VehicleKind.TANKER, "BRABANT", AdrApproval.AT, 300),
    ("1-HZT-119", "BE", VehicleKind.TRACTOR, "BRABANT", AdrApproval.FL, 310),
    ("Q-ALB-204", "BE", VehicleKind.TANK_TRAILER, "BRABANT", AdrApproval.FL, 290),
    ("沪A·D5521", "CN", VehicleKind.TANKER, "HUAXIN", AdrApproval.AT, 180),
    ("沪A·D5530", "CN", VehicleKind.TANKER, "HUAXIN", AdrApproval.FL, 90),
    ("苏E·D8891", "CN", VehicleKind.TRACTOR, "HUAXIN", AdrApproval.FL, 150),
    ("苏E·2873挂", "CN", VehicleKind.TANK_TRAILER, "HUAXIN", AdrApproval.FL, 150),
    ("浙B·D7306", "CN", VehicleKind.TANKER, "HUAXIN", AdrApproval.AT, -3),
    ("沪A·D6612", "CN", VehicleKind.TANKER, "HUAXIN", AdrApproval.FL, 12),
    ("HH-EB 1204", "DE", VehicleKind.BOX_TRUCK, "EUROBOX", None, 0),
    ("HH-EB 1205", "DE", VehicleKind.BOX_TRUCK, "EUROBOX", None, 0),
    ("HH-EB 1310", "DE", VehicleKind.BOX_TRUCK, "EUROBOX", None, 0),
    ("HH-EB 2201", "DE", VehicleKind.RIGID_TRUCK, "EUROBOX", None, 0),
    ("HH-EB 3050", "DE", VehicleKind.VAN, "EUROBOX", None, 0),
    ("HH-EB 3051", "DE", VehicleKind.VAN, "EUROBOX", None, 0),
    ("HH-EB 4100", "DE", VehicleKind.SEMI_TRAILER, "EUROBOX", None, 0),
)

# name, kind, carrier, qualifications: (kind, classes, days until expiry)
CREW: tuple[tuple[str, PersonKind, str, tuple[tuple[Q, list[str], int], ...]], ...] = (
    ("Jan Peeters", PersonKind.DRIVER, "BRABANT", ((Q.ADR_DRIVER, ["2", "3", "8", "tank"], 900),)),
    ("Luc Janssens", PersonKind.DRIVER, "BRABANT", ((Q.ADR_DRIVER, ["3", "tank"], 400),)),
    ("Els Maes", PersonKind.DRIVER, "BRABANT", ((Q.ADR_DRIVER, ["2", "3", "8", "tank"], 18),)),
    ("Koen Claes", PersonKind.DRIVER, "BRABANT", ((Q.ADR_DRIVER, ["8", "tank"], 700),)),
    ("Tom Wouters", PersonKind.ESCORT, "BRABANT", ((Q.ESCORT, ["2", "3", "8"], 600),)),
    ("Sofie Willems", PersonKind.ESCORT, "BRABANT", ((Q.ESCORT, ["2", "3", "8"], 25),)),
    ("Bram De Smet", PersonKind.ESCORT, "BRABANT", ((Q.ESCORT, ["2", "3", "8"], 480),)),
    ("Lotte Jacobs", PersonKind.ESCORT, "BRABANT", ((Q.ESCORT, ["3", "8"], 520),)),
    ("Noor Vermeulen", PersonKind.ESCORT, "BRABANT", ((Q.ESCORT, ["2", "3", "8"], 610),)),
    ("Wang Wei", PersonKind.DRIVER, "HUAXIN", ((Q.DG_DRIVER_CN, ["2", "3", "tank"], 1000),)),
    ("Li Na", PersonKind.DRIVER, "HUAXIN", ((Q.DG_DRIVER_CN, ["2", "3", "8", "tank"], 500),)),
    ("Zhang Lei", PersonKind.DRIVER, "HUAXIN", ((Q.DG_DRIVER_CN, ["3"], -3),)),
    ("Chen Jie", PersonKind.DRIVER, "HUAXIN", ((Q.DG_DRIVER_CN, ["2", "3", "8"], 700),)),
    ("Liu Yang", PersonKind.ESCORT, "HUAXIN", ((Q.ESCORT, ["2", "3", "8"], 800),)),
    ("Zhao Min", PersonKind.ESCORT, "HUAXIN", ((Q.ESCORT, ["2", "3"], 14),)),
    ("Huang Fang", PersonKind.ESCORT, "HUAXIN", ((Q.ESCORT, ["2", "3", "8"], 650),)),
    ("Klaus Becker", PersonKind.DRIVER, "EUROBOX", ()),
    ("Anna Schmidt", PersonKind.DRIVER, "EUROBOX", ((Q.ADR_DRIVER, ["3", "8"], 1200),)),
    ("Jonas Weber", PersonKind.DRIVER, "EUROBOX", ()),
    ("Mia Fischer", PersonKind.DRIVER, "EUROBOX", ((Q.ADR_DRIVER, ["8"], 28),)),
)

# name, kind, company code, host (visitors), qualifications
PARK_PEOPLE: tuple[tuple[str, PersonKind, str | None, str | None, tuple[Any, ...]], ...] = (
    ("Eva Vogel", PersonKind.EMPLOYEE, "NORDCHEM", None, ((Q.INDUCTION, [], 300),)),
    ("Peter Wolf", PersonKind.EMPLOYEE, "NORDCHEM", None, ((Q.FORKLIFT, [], 500),)),
    ("Sara Lind", PersonKind.EMPLOYEE, "POLYWORKS", None, ((Q.INDUCTION, [], 200),)),
    ("Marc Dubois", PersonKind.EMPLOYEE, "POLYWORKS", None, ((Q.INDUCTION, [], 9),)),
    ("Ivo Novak", PersonKind.EMPLOYEE, "GASTERM", None, ((Q.INDUCTION, [], 340),)),
    ("Nina Berg", PersonKind.EMPLOYEE, "GASTERM", None, ((Q.INDUCTION, [], 100),)),
    (
        "Omar Haddad",
        PersonKind.CONTRACTOR,
        "NORDCHEM",
        None,
        ((Q.INDUCTION, [], 60), (Q.INSURANCE, [], 120)),
    ),
    (
        "Lena Kraus",
        PersonKind.CONTRACTOR,
        "POLYWORKS",
        None,
        ((Q.INDUCTION, [], 5), (Q.INSURANCE, [], 200)),
    ),
    (
        "Rui Costa",
        PersonKind.CONTRACTOR,
        "GASTERM",
        None,
        ((Q.INDUCTION, [], 150), (Q.INSURANCE, [], 26)),
    ),
    ("Julia Roth", PersonKind.VISITOR, "NORDCHEM", "Eva Vogel", ()),
    ("Ben Hart", PersonKind.VISITOR, "POLYWORKS", "Sara Lind", ()),
    ("Yuki Tanaka", PersonKind.VISITOR, "GASTERM", "Ivo Novak", ()),
    ("Sam Olsen", PersonKind.VISITOR, "GASTERM", "Nina Berg", ()),
)

# number, carrier, vehicle, trailer, driver, escort, dock, direction, start hour, hours,
# status, cargo: (UN or None, description, quantity, unit, packaging, transport category).
# The route is planned by the booking service.
BOOKINGS: tuple[tuple[Any, ...], ...] = (
    (
        1,
        "BRABANT",
        "1-XTB-482",
        "Q-AKX-769",
        "Jan Peeters",
        "Tom Wouters",
        "D5",
        TripDirection.DELIVERY,
        7,
        3,
        BookingStatus.APPROVED,
        (("1073", "Oxygen, refrigerated liquid", "20000", QuantityUnit.KG, Packaging.TANK, 3),),
    ),
    (
        2,
        "BRABANT",
        "1-VKR-301",
        None,
        "Luc Janssens",
        "Lotte Jacobs",
        "D4",
        TripDirection.DELIVERY,
        8,
        2,
        BookingStatus.APPROVED,
        (("1203", "Petrol", "30000", QuantityUnit.L, Packaging.TANK, 2),),
    ),
    (
        3,
        "BRABANT",
        "1-HZT-119",
        "Q-ALB-204",
        "Els Maes",
        "Bram De Smet",
        "D1",
        TripDirection.DELIVERY,
        10,
        2,
        BookingStatus.APPROVED,
        (("1202", "Diesel fuel", "32000", QuantityUnit.L, Packaging.TANK, 3),),
    ),
    (
        4,
        "BRABANT",
        "1-HZT-118",
        None,
        "Koen Claes",
        "Noor Vermeulen",
        "D2",
        TripDirection.DELIVERY,
        12,
        2,
        BookingStatus.APPROVED,
        (("1789", "Hydrochloric acid 33 %", "18000", QuantityUnit.L, Packaging.TANK, 3),),
    ),
    (
        5,
        "HUAXIN",
        "沪A·D5521",
        None,
        "Wang Wei",
        "Liu Yang",
        "D5",
        TripDirection.DELIVERY,
        13,
        2,
        BookingStatus.APPROVED,
        (("1005", "Ammonia, anhydrous", "15000", QuantityUnit.KG, Packaging.TANK, 1),),
    ),
    (
        6,
        "HUAXIN",
        "苏E·D8891",
        "苏E·2873挂",
        "Li Na",
        "Huang Fang",
        "D4",
        TripDirection.DELIVERY,
        14,
        2,
        BookingStatus.REQUESTED,
        (("1203", "Petrol", "28000", QuantityUnit.L, Packaging.TANK, 2),),
    ),
    (
        7,
        "EUROBOX",
        "HH-EB 1204",
        None,
        "Klaus Becker",
        None,
        "D3",
        TripDirection.DELIVERY,
        9,
        2,
        BookingStatus.APPROVED,
        (
            (
                None,
                "Polymer granulate, 18 pallets",
                "14000",
                QuantityUnit.KG,
                Packaging.PACKAGES,
                None,
            ),
        ),
    ),
    (
        8,
        "EUROBOX",
        "HH-EB 3050",
        None,
        "Mia Fischer",
        None,
        "D2",
        TripDirection.DELIVERY,
        11,
        2,
        BookingStatus.APPROVED,
        (("1789", "Hydrochloric acid, 4 x 5 l cans", "20", QuantityUnit.L, Packaging.PACKAGES, 3),),
    ),
)


def seed_fleet(s: _Seeder, companies: dict[str, Any]) -> dict[str, Carrier]:
    carriers = {
        code: s.get_or_create(
            Carrier,
            {"code": code},
            name=name,
            country=country,
            licence_number=f"{country}-DG-{100 + n}",
            licence_expiry=s.days(365 + 30 * n),
        )
        for n, (code, name, country) in enumerate(CARRIERS)
    }
    for plate, country, kind, carrier, approval, expiry_days in VEHICLES:
        dangerous = approval is not None
        s.get_or_create(
            Vehicle,
            {"plate": plate, "country": country},
            kind=kind,
            carrier=carriers[carrier],
            # Chinese trucks, tankers and trailers carry yellow plates.
            plate_colour=PlateColour.YELLOW if country == "CN" else None,
            adr_approval=approval,
            adr_certificate_number=f"ADR-{country}-{zlib.crc32(plate.encode()) % 100000:05d}"
            if dangerous
            else None,
            adr_certificate_expiry=s.days(expiry_days) if dangerous else None,
            dg_permit_number=f"DGP-{country}-{plate[-3:]}" if dangerous else None,
            dg_permit_expiry=s.days(expiry_days + 60) if dangerous else None,
            tank_code="L4BN" if dangerous and kind != VehicleKind.TRACTOR else None,
            tank_inspection_expiry=(
                s.days(expiry_days + 30) if dangerous and kind != VehicleKind.TRACTOR else None
            ),
        )
    for n, (name, role, carrier, quals) in enumerate(CREW):
        _person(s, name, role, 1000 + n, quals, carrier=carriers[carrier])
    for n, (name, role, company, host, quals) in enumerate(PARK_PEOPLE):
        _person(
            s, name, role, 2000 + n, quals, company=companies.get(company or ""), host_name=host
        )
    _blacklisted(s)
    _company_vehicles(s, companies)
    return carriers


def _company_vehicles(s: _Seeder, companies: dict[str, Any]) -> None:
    """The park companies' own vehicles, registered for a year: Nordchem's van comes in
    without a booking; Polymer Works' car's registration ended last week."""
    for plate, kind, company, make_model, days in (
        ("苏E·N2031", VehicleKind.VAN, "NORDCHEM", "Wuling Rongguang", 200),
        ("苏E·P6608", VehicleKind.CAR, "POLYWORKS", "BYD Qin", -7),
    ):
        s.get_or_create(
            Vehicle,
            {"plate": plate, "country": "CN"},
            kind=kind,
            plate_colour=PlateColour.BLUE,
            company=companies[company],
            make_model=make_model,
            registered_until=s.days(days),
        )


def _blacklisted(s: _Seeder) -> None:
    """A local truck the park never registered, on the blacklist for repeated illegal
    parking (the manager's blacklist page; the gate refuses it)."""
    s.get_or_create(
        Vehicle,
        {"plate": "苏E·L7731", "country": "CN"},
        kind=VehicleKind.RIGID_TRUCK,
        plate_colour=PlateColour.YELLOW,
        standing=Standing.BLACKLISTED,
        standing_reason="Parked on the ring road's hard shoulder three times in October",
        standing_until=s.days(300),
    )


def _person(
    s: _Seeder,
    name: str,
    kind: PersonKind,
    number: int,
    quals: tuple[tuple[Q, list[str], int], ...],
    **values: Any,
) -> Person:
    person = s.get_or_create(
        Person,
        {
            "carrier_id": values["carrier"].id if values.get("carrier") else None,
            "id_document_type": IdDocumentType.PASSPORT,
            "id_number_digest": id_digest(IdDocumentType.PASSPORT, f"P{number:07d}"),
        },
        id_number_tail=f"{number:04d}"[-4:],
        full_name=name,
        kind=kind,
        **values,
    )
    if not person.qualifications:
        for qual_kind, classes, days in quals:
            person.qualifications.append(
                Qualification(
                    kind=qual_kind,
                    number=f"{qual_kind.value.upper()}-{number}",
                    classes=classes,
                    valid_from=s.days(days - 5 * 365 if days > 0 else -400),
                    expires_on=s.days(days),
                )
            )
            s.summary.created += 1
    return person


def _window_start(s: _Seeder, hour: int, hours: int) -> datetime:
    """Windows around the time of seeding (the first bookings are due now, later ones in
    the coming hours), kept within the day: the demo works at whatever hour it is run.
    Outside seeding for today (tests with a fixed day) the hour is taken as it stands."""
    zone = ZoneInfo(DEMO_TIMEZONE)
    day_start = datetime.combine(s.today, time(0), tzinfo=zone)
    now = utcnow().astimezone(zone)
    if now.date() != s.today:
        return day_start + timedelta(hours=hour)
    wanted = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=hour - 9)
    latest = day_start + timedelta(hours=24 - hours)
    return max(day_start, min(wanted, latest))


def seed_bookings(s: _Seeder, users: dict[str, User]) -> None:
    """Today's bookings, made, accepted and approved through the booking service as a
    dispatcher, the receiving company and the park would: checked, routed, audited."""
    from gatekeeper.services import bookings as booking_service

    def vehicle(plate: str | None) -> int | None:
        return (
            db.session.scalar(select(Vehicle.id).where(Vehicle.plate == plate)) if plate else None
        )

    def person(name: str | None) -> int | None:
        return (
            db.session.scalar(select(Person.id).where(Person.full_name == name)) if name else None
        )

    for (
        number,
        carrier,
        truck,
        trailer,
        driver,
        escort,
        dock,
        direction,
        hour,
        hours,
        status,
        cargo,
    ) in BOOKINGS:
        waybill = f"WB{s.today:%Y%m%d}{number:04d}"
        if db.session.scalar(select(Booking.id).where(Booking.waybill_number == waybill)):
            continue
        start = _window_start(s, hour, hours)
        booking = booking_service.create(
            {
                "carrier_id": db.session.scalar(select(Carrier.id).where(Carrier.code == carrier)),
                "vehicle_id": vehicle(truck),
                "trailer_id": vehicle(trailer),
                "driver_id": person(driver),
                "escort_id": person(escort),
                "dock_id": db.session.scalar(select(Dock.id).where(Dock.code == dock)),
                "direction": direction.value,
                "window_start": start.isoformat(),
                "window_end": (start + timedelta(hours=hours)).isoformat(),
                "cargo": [
                    {
                        "un": un,
                        "description": description,
                        "quantity": quantity,
                        "unit": unit.value,
                        "packaging": packaging.value,
                        "transport_category": category,
                    }
                    for un, description, quantity, unit, packaging, category in cargo
                ],
                "waybill_number": waybill,
            },
            users["dispatcher"],
        )
        if status in (BookingStatus.ACCEPTED, BookingStatus.APPROVED):
            booking_service.decide(booking, users["admin"], "approve", None)
        if status is BookingStatus.APPROVED:
            booking_service.decide(booking, users["manager"], "approve", None)
        s.summary.created += 1 + len(booking.cargo) + len(booking.route)

"""The input records: plain values the service gathers from the database for one passage
(lane, reads, vehicles, people, bookings, occupancy, the park's rules)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# --- inputs ------------------------------------------------------------------------------


class LaneKindValue(enum.StrEnum):
    GENERAL = "general"
    HAZMAT = "hazmat"
    WASTE = "waste"
    PEDESTRIAN = "pedestrian"
    EMERGENCY = "emergency"


DANGEROUS_GOODS_LANES = frozenset({LaneKindValue.HAZMAT, LaneKindValue.WASTE})


@dataclass(frozen=True)
class LaneInfo:
    code: str
    kind: str
    direction: str  # in / out / both
    is_open: bool = True


@dataclass(frozen=True)
class Reads:
    """What the cameras (or the guard, by hand) read."""

    plate: str | None
    plate_confidence: float = 0.0
    # Other candidates of the plate reading, best first: (text, confidence).
    candidates: tuple[tuple[str, float], ...] = ()
    hin: str | None = None
    un: str | None = None
    hazard_confidence: float = 0.0
    confirmed_by_guard: bool = False
    plate_colour: str | None = None

    @property
    def orange_plate_seen(self) -> bool:
        return bool(self.hin or self.un)


@dataclass(frozen=True)
class VehicleRecord:
    id: int
    plate: str
    kind: str
    is_trailer: bool = False
    standing: str = "active"
    standing_reason: str | None = None
    standing_until: date | None = None
    adr_approval: str | None = None
    adr_certificate_expiry: date | None = None
    dg_permit_expiry: date | None = None
    tank_inspection_expiry: date | None = None
    plate_colour: str | None = None
    # A park company's own vehicle: its owner and the last day of its yearly registration.
    owner: str | None = None
    registered_until: date | None = None


@dataclass(frozen=True)
class QualificationRecord:
    kind: str
    classes: tuple[str, ...]
    expires_on: date
    valid_from: date | None = None

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and day <= self.expires_on

    def covers(self, hazard_class: str) -> bool:
        return hazard_class in self.classes or hazard_class.split(".")[0] in self.classes


@dataclass(frozen=True)
class PersonRecord:
    id: int
    name: str
    standing: str = "active"
    qualifications: tuple[QualificationRecord, ...] = ()
    standing_until: date | None = None  # the last day of a blacklisting or suspension


@dataclass(frozen=True)
class CargoRecord:
    un_number: str | None  # None: not dangerous goods
    packaging: str  # tank / bulk / packages
    quantity: float
    hazard_class: str | None = None
    classification_code: str | None = None
    tunnel_code: str | None = None
    hazard_id_numbers: tuple[str, ...] = ()
    transport_category: int | None = None


@dataclass(frozen=True)
class RouteEdgeRecord:
    name: str
    tunnel_category: str | None = None
    forbidden_hazard_classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class BookingRecord:
    id: int
    reference: str
    status: str
    vehicle_id: int
    trailer_id: int | None
    window_start: datetime
    window_end: datetime
    driver: PersonRecord
    escort: PersonRecord | None = None
    cargo: tuple[CargoRecord, ...] = ()
    waybill_number: str | None = None
    destination: str = ""
    route: tuple[RouteEdgeRecord, ...] = ()
    # The receiving company as a waybill may name it: its code, name, registration number.
    consignee: tuple[str, ...] = ()

    @property
    def dangerous_cargo(self) -> tuple[CargoRecord, ...]:
        return tuple(line for line in self.cargo if line.un_number)

    @property
    def in_tank_or_bulk(self) -> bool:
        return any(line.packaging in ("tank", "bulk") for line in self.dangerous_cargo)


@dataclass(frozen=True)
class Waybill:
    """A waybill as scanned at the gate (its QR code) or typed by the guard."""

    number: str
    plate: str | None = None
    day: date | None = None
    destination: str | None = None
    un_numbers: tuple[str, ...] = ()
    consignee: str | None = None


@dataclass(frozen=True)
class BookingPass:
    """A booking pass scanned at the gate: ``genuine`` when its signature verifies."""

    genuine: bool
    reference: str | None = None
    plate: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None


@dataclass(frozen=True)
class DocumentRead:
    """A document read at the barrier (document camera or the guard's tablet), compared
    with the registered records: ``state`` is matches, differs, expired or read (nothing
    registered to compare with)."""

    kind: str  # driver_qualification, escort_qualification, road_transport_certificate, ...
    state: str
    number: str | None = None


@dataclass(frozen=True)
class Crew:
    """What the guard recorded at the barrier."""

    driver_present: bool
    escort_present: bool
    ids_checked: bool
    persons: int


@dataclass(frozen=True)
class Occupancy:
    """Counts now (vehicles in the holding lot are not inside yet)."""

    hazmat_inside: int = 0
    hazmat_capacity: int | None = None
    zone_code: str | None = None
    zone_vehicles: int = 0
    zone_capacity: int | None = None
    zone_hazmat: int = 0
    zone_hazmat_capacity: int | None = None
    zone_allowed_classes: tuple[str, ...] | None = None
    dock_code: str | None = None
    dock_in_use: int = 0
    dock_slots: int | None = None
    holding_waiting: int = 0
    holding_capacity: int | None = None


@dataclass(frozen=True)
class Rules:
    """The park's thresholds (the park settings row)."""

    plate_confidence_threshold: float = 0.8
    hazard_confidence_threshold: float = 0.6
    early_tolerance: timedelta = timedelta(minutes=30)
    late_tolerance: timedelta = timedelta(minutes=60)
    escort_required_for_hazmat: bool = True
    crew_check_required_for_hazmat: bool = True
    waybill_required_for_hazmat: bool = True
    small_load_points_threshold: int = 1000
    max_stay: timedelta = timedelta(hours=6)
    # The park's time zone: times in messages are the park's local times.
    timezone: str = "UTC"
    # The park-local hours hazmat vehicles may enter, from before until (None: any time).
    hazmat_hours: tuple[time, time] | None = None

    def hazmat_hours_shown(self) -> dict[str, str]:
        """The hazmat entry hours as messages name them: ``from`` and ``until``, HH:MM."""
        start, end = self.hazmat_hours or (time(0), time(0))
        return {"from": f"{start:%H:%M}", "until": f"{end:%H:%M}"}

    def local_time(self, moment: datetime) -> time:
        """The park's local time of day at ``moment``."""
        return moment.astimezone(ZoneInfo(self.timezone)).time()

    def hhmm(self, moment: datetime) -> str:
        return f"{moment.astimezone(ZoneInfo(self.timezone)):%H:%M}"

    def day(self, moment: datetime) -> date:
        """The park's local day at ``moment``."""
        return moment.astimezone(ZoneInfo(self.timezone)).date()


@dataclass(frozen=True)
class EntryRequest:
    lane: LaneInfo
    now: datetime
    today: date  # the park's local day
    reads: Reads
    # Registered vehicles whose plate may be the one read (the caller's tolerant lookup).
    vehicles: tuple[VehicleRecord, ...] = ()
    # Bookings for today of those vehicles (as motor vehicle or as trailer).
    bookings: tuple[BookingRecord, ...] = ()
    occupancy: Occupancy = Occupancy()
    rules: Rules = Rules()
    crew: Crew | None = None
    waybill: Waybill | None = None
    documents: tuple[DocumentRead, ...] = ()
    booking_pass: BookingPass | None = None


@dataclass(frozen=True)
class PresenceRecord:
    vehicle_id: int
    entered_at: datetime
    booking_id: int | None = None


@dataclass(frozen=True)
class ExitRequest:
    lane: LaneInfo
    now: datetime
    reads: Reads
    vehicles: tuple[VehicleRecord, ...] = ()
    presences: tuple[PresenceRecord, ...] = ()
    rules: Rules = Rules()

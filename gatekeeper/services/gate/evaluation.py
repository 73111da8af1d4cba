"""Building the domain request for a passage: its reads, the candidate vehicles, their
bookings, documents and crews, the park's counts; and running the rules on it (nothing is
changed here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, bindparam, func, or_, select, true, union
from sqlalchemy.orm import joinedload, selectinload

from gatekeeper.domain import gate as rules
from gatekeeper.domain.gate import GateDecision
from gatekeeper.domain.plates import plate_skeleton
from gatekeeper.extensions import db
from gatekeeper.models import (
    Booking,
    BookingStatus,
    CargoLine,
    Dock,
    Document,
    Lane,
    Packaging,
    Park,
    Passage,
    PassageDirection,
    Person,
    Presence,
    PresenceKind,
    TripDirection,
    Vehicle,
    Zone,
    ZoneKind,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services.gate.queue import waiting_query
from gatekeeper.services.park import park_settings
from gatekeeper.services.road_network import EdgeMap, road_network


def park_day(now: datetime, park: Park) -> date:
    return now.astimezone(ZoneInfo(park.timezone or "UTC")).date()


def _day_bounds(day: date, park: Park) -> tuple[datetime, datetime]:
    zone = ZoneInfo(park.timezone or "UTC")
    start = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    return start, start + timedelta(days=1)


# How far from now a vehicle's booking may lie and still be its booking (early or late):
# a night shift's window that opens after midnight is found the evening before.
BOOKING_REACH = timedelta(hours=12)


def _booking_span(now: datetime, day: date, park: Park) -> tuple[datetime, datetime]:
    """The windows a vehicle at the gate now may be booked for: the park's whole local day,
    and twelve hours either side of now."""
    start, end = _day_bounds(day, park)
    return min(start, now - BOOKING_REACH), max(end, now + BOOKING_REACH)


def gate_rules(park: Park) -> rules.Rules:
    return rules.Rules(
        plate_confidence_threshold=park.plate_confidence_threshold,
        hazard_confidence_threshold=park.hazard_confidence_threshold,
        early_tolerance=timedelta(minutes=park.early_tolerance_minutes),
        late_tolerance=timedelta(minutes=park.late_tolerance_minutes),
        escort_required_for_hazmat=park.escort_required_for_hazmat,
        crew_check_required_for_hazmat=park.crew_check_required_for_hazmat,
        waybill_required_for_hazmat=park.waybill_required_for_hazmat,
        small_load_points_threshold=park.small_load_points_threshold,
        max_stay=timedelta(minutes=park.max_stay_minutes),
        timezone=park.timezone or "UTC",
        hazmat_hours=(
            (park.hazmat_hours_from, park.hazmat_hours_until)
            if park.hazmat_hours_from is not None and park.hazmat_hours_until is not None
            else None
        ),
    )


def _reads(passage: Passage) -> rules.Reads:
    candidates: tuple[tuple[str, float], ...] = ()
    if passage.reads and not passage.plate_confirmed:
        candidates = tuple(
            (str(c.get("text", "")), float(c.get("confidence", 0.0)))
            for c in (passage.reads.get("candidates") or [])[1:6]
            if isinstance(c, dict)
        )
    return rules.Reads(
        plate=passage.plate_read,
        plate_confidence=passage.plate_confidence or 0.0,
        candidates=candidates,
        hin=passage.hin_read,
        un=passage.un_read,
        hazard_confidence=passage.hazard_confidence or 0.0,
        confirmed_by_guard=passage.plate_confirmed,
        plate_colour=passage.plate_colour,
    )


def _lane(lane: Lane) -> rules.LaneInfo:
    return rules.LaneInfo(lane.code, lane.kind.value, lane.direction.value, lane.is_open)


def vehicle_record(v: Vehicle) -> rules.VehicleRecord:
    return rules.VehicleRecord(
        id=v.id,
        plate=v.plate,
        kind=v.kind.value,
        is_trailer=v.is_trailer,
        standing=v.standing.value,
        standing_reason=v.standing_reason,
        standing_until=v.standing_until,
        adr_approval=v.adr_approval.value if v.adr_approval else None,
        adr_certificate_expiry=v.adr_certificate_expiry,
        dg_permit_expiry=v.dg_permit_expiry,
        tank_inspection_expiry=v.tank_inspection_expiry,
        plate_colour=v.plate_colour.value if v.plate_colour else None,
        owner=v.company.name if v.registered_until and v.company else None,
        registered_until=v.registered_until,
    )


def person_record(p: Person) -> rules.PersonRecord:
    return rules.PersonRecord(
        id=p.id,
        name=p.full_name,
        standing=p.standing.value,
        standing_until=p.standing_until,
        qualifications=tuple(
            rules.QualificationRecord(
                q.kind.value, tuple(q.classes or ()), q.expires_on, q.valid_from
            )
            for q in p.qualifications
        ),
    )


def _route(booking: Booking, edges: EdgeMap | None) -> tuple[rules.RouteEdgeRecord, ...]:
    stops = [stop.node_id for stop in booking.route]
    if edges is None:
        edges = road_network(park_settings())
    return tuple(edges[leg] for leg in pairwise(stops) if leg in edges)


def booking_record(b: Booking, edges: EdgeMap | None = None) -> rules.BookingRecord:
    """The booking as the rules see it; ``edges``: the park's roads (see
    services/road_network.py), else found here."""
    cargo = tuple(
        rules.CargoRecord(
            un_number=line.un_number,
            packaging=line.packaging.value,
            quantity=float(line.quantity),
            hazard_class=line.dangerous_good.hazard_class if line.dangerous_good else None,
            classification_code=(
                line.dangerous_good.classification_code if line.dangerous_good else None
            ),
            tunnel_code=line.dangerous_good.tunnel_code if line.dangerous_good else None,
            hazard_id_numbers=tuple(line.dangerous_good.hazard_id_numbers or ())
            if line.dangerous_good
            else (),
            transport_category=line.transport_category,
        )
        for line in b.cargo
    )
    return rules.BookingRecord(
        id=b.id,
        reference=b.reference,
        status=b.status.value,
        vehicle_id=b.vehicle_id,
        trailer_id=b.trailer_id,
        window_start=b.window_start,
        window_end=b.window_end,
        driver=person_record(b.driver),
        escort=person_record(b.escort) if b.escort else None,
        cargo=cargo,
        waybill_number=b.waybill_number,
        destination=b.dock.code,
        route=_route(b, edges),
        consignee=(b.company.code, b.company.name) if b.company else (),
    )


def _skeletons(texts: list[str]) -> set[str]:
    """The plate skeletons (OCR confusions folded) the texts may stand for, with and
    without a leading province letter."""
    skeletons: set[str] = set()
    for text in texts:
        skeleton = plate_skeleton(text)
        if skeleton:
            skeletons.update({skeleton, skeleton[1:]})
    return skeletons


def candidate_vehicles(texts: list[str], also: list[int] | None = None) -> list[Vehicle]:
    """Registered vehicles whose plate may be one of the texts (see :func:`_skeletons`),
    and the vehicles ``also`` given (those inside), against which one-character errors
    are judged."""
    skeletons = _skeletons(texts)
    conditions = [Vehicle.plate_skeleton.in_(skeletons)] if skeletons else []
    if also:
        conditions.append(Vehicle.id.in_(also))
    if not conditions:
        return []
    query = select(Vehicle).where(or_(*conditions)).options(joinedload(Vehicle.company))
    return list(db.session.scalars(query.order_by(Vehicle.id)))


_OPEN_STATUSES = [
    BookingStatus.APPROVED,
    BookingStatus.ARRIVED,
    BookingStatus.REQUESTED,
    BookingStatus.ACCEPTED,
]


def _expected_vehicles() -> Any:
    """Vehicles and trailers booked with a window between ``:start`` and ``:end``."""
    window = (Booking.window_end > bindparam("start")) & (Booking.window_start < bindparam("end"))
    booked = Booking.status.in_(_OPEN_STATUSES)
    return union(
        select(Booking.vehicle_id).where(window, booked),
        select(Booking.trailer_id).where(window, booked, Booking.trailer_id.is_not(None)),
    )


# At the entry, the candidates are also the vehicles expected in the span (one statement).
_ENTRY_CANDIDATES = (
    select(Vehicle)
    .options(joinedload(Vehicle.company))  # a park vehicle's owner, in the same statement
    .where(
        or_(
            Vehicle.plate_skeleton.in_(bindparam("skeletons", expanding=True)),
            Vehicle.id.in_(_expected_vehicles()),
        )
    )
    .order_by(Vehicle.id)
)


def entry_candidates(texts: list[str], start: datetime, end: datetime) -> list[Vehicle]:
    """The vehicles whose plate may be one of the texts, and those booked between
    ``start`` and ``end`` (against which one-character errors are judged)."""
    span = {"skeletons": sorted(_skeletons(texts)), "start": start, "end": end}
    return list(db.session.scalars(_ENTRY_CANDIDATES, span))


_VEHICLE_BOOKINGS = (
    select(Booking)
    .where(
        or_(Booking.vehicle_id == bindparam("vehicle"), Booking.trailer_id == bindparam("vehicle")),
        Booking.window_end > bindparam("start"),
        Booking.window_start < bindparam("end"),
    )
    .options(
        joinedload(Booking.dock).joinedload(Dock.zone),
        joinedload(Booking.company),
        # A crew member holds a few qualifications: joined, not a query of their own.
        joinedload(Booking.driver).joinedload(Person.qualifications),
        joinedload(Booking.escort).joinedload(Person.qualifications),
        selectinload(Booking.cargo).joinedload(CargoLine.dangerous_good),
        selectinload(Booking.route),
    )
)


def _load_bookings(vehicle_id: int, start: datetime, end: datetime) -> list[Booking]:
    """The matched vehicle's bookings in the span, with what the rules read of them, in a
    fixed number of queries whatever the cargo, crew and route: the bookings with their
    dock, zone, company, crew and the crew's qualifications; their cargo and dangerous
    goods; their route stops."""
    span = {"vehicle": vehicle_id, "start": start, "end": end}
    return list(db.session.scalars(_VEHICLE_BOOKINGS, span).unique())


def _the_lot(*columns: Any) -> Any:
    """``columns`` of the holding lot (the first holding zone)."""
    return select(*columns).where(Zone.kind == ZoneKind.HOLDING).order_by(Zone.id).limit(1)


def holding_zone() -> Zone | None:
    zone: Zone | None = db.session.scalar(_the_lot(Zone))
    return zone


def _vehicles_inside(*columns: Any) -> Any:
    """``columns`` over the vehicle presence outside the holding lot (what capacity
    counts)."""
    return (
        select(*columns)
        .select_from(Presence)
        .outerjoin(Zone, Presence.zone_id == Zone.id)
        .where(
            Presence.kind == PresenceKind.VEHICLE,
            or_(Zone.kind.is_(None), Zone.kind != ZoneKind.HOLDING),
        )
    )


def inside_vehicles() -> Any:
    """Vehicle presence outside the holding lot (what capacity counts)."""
    return _vehicles_inside(Presence)


def _counts_statement() -> Any:
    """The park's counts a decision needs, in one statement whatever the park's size:
    vehicles inside (outside the holding lot): hazmat ones; in the booking's zone (``:zone``)
    and hazmat ones there; at its dock (``:dock``); vehicles waiting in the holding lot and
    those travelling the booking's way (``:direction``); the lot's spaces. The place the
    passage (``:passage``) holds already is its own: it is not counted."""
    hazmat = func.json_array_length(Presence.hazard_classes) > 0
    in_zone = Presence.zone_id == bindparam("zone", type_=Integer)
    inside = (
        _vehicles_inside(
            func.count().filter(hazmat).label("hazmat"),
            func.count().filter(in_zone).label("zone"),
            func.count().filter(in_zone & hazmat).label("zone_hazmat"),
            func.count().filter(Booking.dock_id == bindparam("dock", type_=Integer)).label("dock"),
        )
        .outerjoin(Booking, Presence.booking_id == Booking.id)
        .where(
            or_(
                Presence.entry_passage_id.is_(None),
                Presence.entry_passage_id != bindparam("passage"),
            )
        )
        .subquery("inside")
    )
    held = waiting_query().subquery("held")
    same_way = Booking.direction == bindparam("direction", type_=Booking.direction.type)
    waiting = (
        select(func.count().label("waiting"), func.count().filter(same_way).label("same_way"))
        .select_from(held)
        .outerjoin(Booking, Booking.id == held.c.booking_id)
        .where(held.c.id != bindparam("passage"))
        .subquery("waiting")
    )
    lot = _the_lot(
        Zone.capacity_vehicles.label("lot_capacity"),
        Zone.capacity_loaded_tankers.label("lot_loaded"),
        Zone.capacity_empty_tankers.label("lot_empty"),
    ).subquery("lot")
    return select(inside, waiting, lot).select_from(
        inside.join(waiting, true()).outerjoin(lot, true())
    )


_COUNTS = _counts_statement()


def _occupancy(booking: Booking | None, park: Park, passage_id: int) -> rules.Occupancy:
    """The counts the capacity rules need (one query, see :func:`_counts_statement`)."""
    dock: Dock | None = booking.dock if booking is not None else None
    counts = db.session.execute(
        _COUNTS,
        {
            "zone": dock.zone_id if dock else None,
            "dock": dock.id if dock else None,
            "direction": booking.direction if booking is not None else None,
            "passage": passage_id,
        },
    ).one()
    values: dict[str, Any] = {
        "hazmat_inside": counts.hazmat,
        "hazmat_capacity": park.hazmat_vehicle_capacity,
        "holding_waiting": counts.waiting,
        "holding_capacity": counts.lot_capacity,
    }
    lot_full = counts.lot_capacity is not None and counts.waiting >= counts.lot_capacity
    if not lot_full and booking is not None and _carries_tanks(booking):
        # Room in the lot: loaded and empty tankers still have their own spaces.
        spaces = (
            counts.lot_loaded if booking.direction is TripDirection.DELIVERY else counts.lot_empty
        )
        if spaces is not None:
            values["holding_capacity"] = spaces
            values["holding_waiting"] = counts.same_way
    if dock is not None:
        zone = dock.zone
        values.update(
            zone_code=zone.code,
            zone_vehicles=counts.zone,
            zone_capacity=zone.capacity_vehicles,
            zone_hazmat=counts.zone_hazmat,
            zone_hazmat_capacity=zone.capacity_hazmat_vehicles,
            zone_allowed_classes=tuple(zone.allowed_hazard_classes)
            if zone.allowed_hazard_classes
            else None,
            dock_code=dock.code,
            dock_in_use=counts.dock,
            dock_slots=dock.slots_per_hour,
        )
    return rules.Occupancy(**values)


def _carries_tanks(booking: Booking) -> bool:
    """A tanker: it waits in the lot's loaded (delivering) or empty (collecting) spaces."""
    return any(line.packaging is Packaging.TANK for line in booking.cargo)


def _crew(passage: Passage) -> rules.Crew | None:
    crew = passage.crew or {}
    if "driver_present" not in crew:
        return None
    return rules.Crew(
        driver_present=bool(crew.get("driver_present")),
        escort_present=bool(crew.get("escort_present")),
        ids_checked=bool(crew.get("ids_checked")),
        persons=int(crew.get("persons") or 1),
    )


def _documents(passage: Passage) -> tuple[rules.DocumentRead, ...]:
    """The documents read at the barrier for this passage, the latest of each kind."""
    latest: dict[str, rules.DocumentRead] = {}
    found = db.session.scalars(
        select(Document)
        .where(Document.passage_id == passage.id, Document.read_status == "done")
        .order_by(Document.id)
    )
    for document in found:
        gate = (document.reading or {}).get("gate") or {}
        latest[document.kind.value] = rules.DocumentRead(
            kind=document.kind.value,
            state=str(gate.get("state", "read")),
            number=gate.get("number"),
        )
    return tuple(latest.values())


def _waybill(passage: Passage) -> rules.Waybill | None:
    """The waybill scanned (an e-waybill's QR code) or typed at the barrier."""
    crew = passage.crew or {}
    scanned = crew.get("ewaybill")
    if isinstance(scanned, dict) and scanned.get("number"):
        day = scanned.get("day")
        return rules.Waybill(
            number=str(scanned["number"]),
            plate=scanned.get("plate"),
            day=date.fromisoformat(day) if day else None,
            destination=scanned.get("destination"),
            un_numbers=tuple(scanned.get("un_numbers") or ()),
            consignee=scanned.get("consignee"),
        )
    number = crew.get("waybill")
    return rules.Waybill(number=str(number)) if number else None


def _booking_pass(passage: Passage) -> rules.BookingPass | None:
    scanned = (passage.crew or {}).get("pass")
    if not isinstance(scanned, dict):
        return None

    def moment(key: str) -> datetime | None:
        value = scanned.get(key)
        return datetime.fromisoformat(value) if value else None

    return rules.BookingPass(
        genuine=bool(scanned.get("genuine")),
        reference=scanned.get("reference"),
        plate=scanned.get("plate"),
        valid_from=moment("valid_from"),
        valid_until=moment("valid_until"),
    )


@dataclass(frozen=True)
class Evaluation:
    result: GateDecision
    vehicles: dict[int, Vehicle]
    booking: Booking | None


def evaluate(
    passage: Passage,
    now: datetime | None = None,
    *,
    counts_lock: Callable[[], None] | None = None,
    fresh: bool = False,
) -> Evaluation:
    """Run the rules on a passage as it stands (nothing is changed).

    The park's counts (capacity, holding lot) are read only where the rules use them:
    for a booked vehicle, or one that must wait in the holding lot; ``counts_lock`` is
    called first (the caller's lock that keeps them true until it commits). ``fresh``: a
    passage stored in this transaction, which has no documents read at the barrier yet."""
    park = park_settings()
    now = now or utcnow()
    day = park_day(now, park)
    start, end = _booking_span(now, day, park)
    reads = _reads(passage)
    texts = [t for t in [reads.plate, *(c[0] for c in reads.candidates)] if t]
    if passage.direction is PassageDirection.OUT:
        present = list(
            db.session.scalars(select(Presence).where(Presence.kind == PresenceKind.VEHICLE))
        )
        found = candidate_vehicles(texts, [p.vehicle_id for p in present if p.vehicle_id])
        result = rules.decide_exit(
            rules.ExitRequest(
                lane=_lane(passage.lane),
                now=now,
                reads=reads,
                vehicles=tuple(vehicle_record(v) for v in found),
                presences=tuple(
                    rules.PresenceRecord(p.vehicle_id, p.entered_at, p.booking_id)
                    for p in present
                    if p.vehicle_id is not None
                ),
                rules=gate_rules(park),
            )
        )
        return Evaluation(result, {v.id: v for v in found}, None)
    found = entry_candidates(texts, start, end)
    ids = [v.id for v in found]
    # Only the matched vehicle's bookings matter to the rules: they are loaded, with all
    # they need, after the plate is matched (a fixed number of queries, see the tests).
    first = rules.match_plate(reads, tuple(vehicle_record(v) for v in found))
    bookings: list[Booking] = []
    edges: EdgeMap = {}
    if first.vehicle is not None:
        bookings = _load_bookings(first.vehicle.id, start, end)
        # The roads the routes are checked against: kept per process (no query).
        edges = road_network(park) if bookings else {}
    # Both units of a booked combination take part (documents, standing).
    extra = {i for b in bookings for i in (b.vehicle_id, b.trailer_id) if i and i not in ids}
    if extra:
        found += list(db.session.scalars(select(Vehicle).where(Vehicle.id.in_(extra))))
    vehicle_records = tuple(vehicle_record(v) for v in found)
    booking_records = tuple(booking_record(b, edges) for b in bookings)
    # The booking is needed before deciding: its dock and zone give the capacity counts.
    chosen = rules.booking_for(first.vehicle, booking_records)
    booking = next((b for b in bookings if chosen and b.id == chosen.id), None)
    counted = booking is not None
    if counted and counts_lock is not None:
        counts_lock()
    request = rules.EntryRequest(
        lane=_lane(passage.lane),
        now=now,
        today=day,
        reads=reads,
        vehicles=vehicle_records,
        bookings=booking_records,
        # Without a booking no capacity rule applies: the counts wait for a hold.
        occupancy=_occupancy(booking, park, passage.id) if counted else rules.Occupancy(),
        rules=gate_rules(park),
        crew=_crew(passage),
        waybill=_waybill(passage),
        documents=() if fresh else _documents(passage),
        booking_pass=_booking_pass(passage),
    )
    result = rules.decide_entry(request)
    if result.decision is rules.Decision.HOLD and not counted:
        if counts_lock is not None:
            counts_lock()
        occupancy = _occupancy(booking, park, passage.id)
        result = rules.decide_entry(replace(request, occupancy=occupancy))
    return Evaluation(result, {v.id: v for v in found}, booking)

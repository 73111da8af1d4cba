"""Gate decisions on stored passages: gather the records, run the domain rules, store the
decision with its checklist, and apply what it means (presence, booking status, barrier,
alerts) in the same transaction as the passage. Guard actions live here too, each one
audited with the guard's name.

Transactions: the functions that change a passage flush but do not commit, so that the
caller commits the passage, its decision, the presence rows and the audit entry together.
The barrier is driven only after that commit (:func:`open_barrier`): a decision that was
not stored never lifts a boom.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update

from camera_adapters.anpr_push import PLATE
from gatekeeper.barriers import BarrierConfigError, barrier_for
from gatekeeper.domain import gate as rules
from gatekeeper.domain.gate import Decision, GateDecision
from gatekeeper.domain.messages import N_, Phrase, phrase
from gatekeeper.domain.plates import normalize_plate, plate_skeleton
from gatekeeper.extensions import db
from gatekeeper.models import (
    Alert,
    AlertKind,
    Booking,
    BookingStatus,
    Dock,
    Lane,
    LaneKind,
    Park,
    Passage,
    PassageDirection,
    Person,
    Presence,
    PresenceKind,
    RoadEdge,
    Severity,
    User,
    Vehicle,
    Zone,
    ZoneKind,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit
from gatekeeper.services.locks import park_write_lock
from gatekeeper.services.park import park_settings
from gatekeeper.vision.formats import formats_for


class ActionError(ValueError):
    """A guard action that cannot be done as asked (shown to the guard)."""


# --- building the domain request ---------------------------------------------------------


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


def _rules(park: Park) -> rules.Rules:
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
    )


def _lane(lane: Lane) -> rules.LaneInfo:
    return rules.LaneInfo(lane.code, lane.kind.value, lane.direction.value, lane.is_open)


def _vehicle(v: Vehicle) -> rules.VehicleRecord:
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
    )


def _person(p: Person) -> rules.PersonRecord:
    return rules.PersonRecord(
        id=p.id,
        name=p.full_name,
        standing=p.standing.value,
        qualifications=tuple(
            rules.QualificationRecord(
                q.kind.value, tuple(q.classes or ()), q.expires_on, q.valid_from
            )
            for q in p.qualifications
        ),
    )


def _route(booking: Booking) -> tuple[rules.RouteEdgeRecord, ...]:
    stops = [stop.node_id for stop in booking.route]
    edges = []
    for start, end in pairwise(stops):
        edge = db.session.scalar(
            select(RoadEdge).where(
                or_(
                    (RoadEdge.from_node_id == start) & (RoadEdge.to_node_id == end),
                    (RoadEdge.from_node_id == end)
                    & (RoadEdge.to_node_id == start)
                    & RoadEdge.two_way,
                )
            )
        )
        if edge is not None:
            edges.append(
                rules.RouteEdgeRecord(
                    name=f"{edge.from_node.code}-{edge.to_node.code}",
                    tunnel_category=edge.tunnel_category.value if edge.tunnel_category else None,
                    forbidden_hazard_classes=tuple(edge.forbidden_hazard_classes or ()),
                )
            )
    return tuple(edges)


def _booking(b: Booking) -> rules.BookingRecord:
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
        driver=_person(b.driver),
        escort=_person(b.escort) if b.escort else None,
        cargo=cargo,
        waybill_number=b.waybill_number,
        destination=b.dock.code,
        route=_route(b),
    )


def candidate_vehicles(texts: list[str], also: list[int] | None = None) -> list[Vehicle]:
    """Registered vehicles whose plate may be one of the texts: the same skeleton (OCR
    confusions folded), the skeleton without a leading province letter, and the vehicles
    expected today or inside (``also``), against which one-character errors are judged."""
    skeletons: set[str] = set()
    for text in texts:
        skeleton = plate_skeleton(text)
        if skeleton:
            skeletons.update({skeleton, skeleton[1:]})
    conditions = [Vehicle.plate_skeleton.in_(skeletons)] if skeletons else []
    if also:
        conditions.append(Vehicle.id.in_(also))
    if not conditions:
        return []
    return list(db.session.scalars(select(Vehicle).where(or_(*conditions)).order_by(Vehicle.id)))


def _expected_vehicle_ids(start: datetime, end: datetime) -> list[int]:
    """Vehicles and trailers booked with a window between ``start`` and ``end``."""
    rows = db.session.execute(
        select(Booking.vehicle_id, Booking.trailer_id).where(
            Booking.window_end > start,
            Booking.window_start < end,
            Booking.status.in_(
                [BookingStatus.APPROVED, BookingStatus.ARRIVED, BookingStatus.REQUESTED]
            ),
        )
    ).all()
    return sorted({i for row in rows for i in row if i is not None})


def holding_zone() -> Zone | None:
    return db.session.scalar(select(Zone).where(Zone.kind == ZoneKind.HOLDING).order_by(Zone.id))


def _waiting() -> Any:
    return select(Passage).where(
        Passage.decision == Decision.HOLD,
        Passage.released_at.is_(None),
        Passage.direction == PassageDirection.IN,
    )


def holding_queue(lanes: list[Lane] | None = None) -> list[Passage]:
    """Vehicles sent to the holding lot and not yet released, oldest first."""
    query = _waiting()
    if lanes is not None:
        query = query.where(Passage.lane_id.in_([lane.id for lane in lanes]))
    return list(db.session.scalars(query.order_by(Passage.occurred_at, Passage.id)))


def expire_held(now: datetime, longest_wait: timedelta) -> list[Passage]:
    """Vehicles held for longer than ``longest_wait`` have left without being called:
    they leave the queue (released, audited as expired) instead of filling it forever.
    No commit."""
    park_write_lock()
    expired = list(
        db.session.scalars(
            _waiting().where(Passage.occurred_at < now - longest_wait).with_for_update()
        )
    )
    for passage in expired:
        passage.released_at = now
        audit.record(
            "gate.hold_expired",
            entity_type="passage",
            entity_id=passage.id,
            details={
                "lane": passage.lane.code,
                "plate": passage.plate_read,
                "held_since": passage.occurred_at.isoformat(),
            },
            actor="system",
        )
    return expired


def _inside_vehicles() -> Any:
    """Vehicle presence outside the holding lot (what capacity counts)."""
    return (
        select(Presence)
        .outerjoin(Zone, Presence.zone_id == Zone.id)
        .where(
            Presence.kind == PresenceKind.VEHICLE,
            or_(Zone.kind.is_(None), Zone.kind != ZoneKind.HOLDING),
        )
    )


def _count(query: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def _occupancy(booking: Booking | None, park: Park, exclude_passage: int | None) -> rules.Occupancy:
    inside = _inside_vehicles()
    if exclude_passage is not None:  # the place this passage holds already is its own
        inside = inside.where(
            or_(Presence.entry_passage_id.is_(None), Presence.entry_passage_id != exclude_passage)
        )
    hazmat = inside.where(func.json_array_length(Presence.hazard_classes) > 0)
    holding = holding_zone()
    waiting = _waiting()
    if exclude_passage is not None:
        waiting = waiting.where(Passage.id != exclude_passage)
    values: dict[str, Any] = {
        "hazmat_inside": _count(hazmat),
        "hazmat_capacity": park.hazmat_vehicle_capacity,
        "holding_waiting": _count(waiting),
        "holding_capacity": holding.capacity_vehicles if holding else None,
    }
    if booking is not None:
        dock: Dock = booking.dock
        zone = dock.zone
        in_zone = inside.where(Presence.zone_id == zone.id)
        values.update(
            zone_code=zone.code,
            zone_vehicles=_count(in_zone),
            zone_capacity=zone.capacity_vehicles,
            zone_hazmat=_count(hazmat.where(Presence.zone_id == zone.id)),
            zone_hazmat_capacity=zone.capacity_hazmat_vehicles,
            zone_allowed_classes=tuple(zone.allowed_hazard_classes)
            if zone.allowed_hazard_classes
            else None,
            dock_code=dock.code,
            dock_in_use=_count(
                inside.join(Booking, Presence.booking_id == Booking.id).where(
                    Booking.dock_id == dock.id
                )
            ),
            dock_slots=dock.slots_per_hour,
        )
    return rules.Occupancy(**values)


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


def _waybill(passage: Passage) -> rules.Waybill | None:
    number = (passage.crew or {}).get("waybill")
    return rules.Waybill(number=str(number)) if number else None


@dataclass(frozen=True)
class Evaluation:
    result: GateDecision
    vehicles: dict[int, Vehicle]
    booking: Booking | None


def evaluate(passage: Passage, now: datetime | None = None) -> Evaluation:
    """Run the rules on a passage as it stands (nothing is changed)."""
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
                vehicles=tuple(_vehicle(v) for v in found),
                presences=tuple(
                    rules.PresenceRecord(p.vehicle_id, p.entered_at, p.booking_id)
                    for p in present
                    if p.vehicle_id is not None
                ),
                rules=_rules(park),
            )
        )
        return Evaluation(result, {v.id: v for v in found}, None)
    found = candidate_vehicles(texts, _expected_vehicle_ids(start, end))
    ids = [v.id for v in found]
    bookings = (
        list(
            db.session.scalars(
                select(Booking).where(
                    or_(Booking.vehicle_id.in_(ids), Booking.trailer_id.in_(ids)),
                    Booking.window_end > start,
                    Booking.window_start < end,
                )
            )
        )
        if ids
        else []
    )
    # Both units of a booked combination take part (documents, standing).
    extra = {i for b in bookings for i in (b.vehicle_id, b.trailer_id) if i and i not in ids}
    if extra:
        found += list(db.session.scalars(select(Vehicle).where(Vehicle.id.in_(extra))))
    vehicle_records = tuple(_vehicle(v) for v in found)
    booking_records = tuple(_booking(b) for b in bookings)
    # The booking is needed before deciding: its dock and zone give the capacity counts.
    first = rules.match_plate(reads, vehicle_records)
    chosen = rules.booking_for(first.vehicle, booking_records)
    booking = next((b for b in bookings if chosen and b.id == chosen.id), None)
    result = rules.decide_entry(
        rules.EntryRequest(
            lane=_lane(passage.lane),
            now=now,
            today=day,
            reads=reads,
            vehicles=vehicle_records,
            bookings=booking_records,
            occupancy=_occupancy(booking, park, exclude_passage=passage.id),
            rules=_rules(park),
            crew=_crew(passage),
            waybill=_waybill(passage),
        )
    )
    return Evaluation(result, {v.id: v for v in found}, booking)


# --- applying a decision -------------------------------------------------------------------


def lock_passage(passage_id: int) -> Passage | None:
    """Load a passage for changing it: after the park's write lock, with its row locked
    and its state read afresh, so that the guard, the OCR job and a second click see each
    other's work instead of overwriting it."""
    park_write_lock()
    return db.session.scalar(
        select(Passage)
        .where(Passage.id == passage_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def guard_has_acted(passage: Passage) -> bool:
    """A guard decided, typed the plate or recorded the crew, or the barrier opened: an
    automatic decision may no longer replace what was done."""
    return (
        passage.operator_id is not None
        or passage.plate_confirmed
        or bool(passage.crew)
        or passage.barrier_opened_at is not None
    )


def decide(passage: Passage, *, now: datetime | None = None) -> GateDecision:
    """Decide a passage automatically and apply the decision (no commit). The park's
    counts are read under its write lock, so two lanes cannot both take the last place."""
    park_write_lock()
    now = now or utcnow()
    evaluation = evaluate(passage, now)
    result = evaluation.result
    _store(passage, evaluation, now)
    passage.system_decision = result.decision
    passage.decision = result.decision
    passage.operator_id = None
    passage.override_reason = None
    audit.record(
        "gate.decision",
        entity_type="passage",
        entity_id=passage.id,
        details={
            "lane": passage.lane.code,
            "decision": result.decision.value,
            "plate": passage.plate_read,
            "reasons": [c.code for c in result.reasons],
        },
        actor="system",
    )
    _apply(passage, result.decision, evaluation, now)
    return result


def _store(passage: Passage, evaluation: Evaluation, now: datetime) -> None:
    result = evaluation.result
    match = result.match
    passage.checks = [c.to_dict() for c in result.checks]
    passage.reasons = [c.to_dict() for c in result.reasons]
    passage.match_quality = match.quality.value
    passage.vehicle_id = None
    passage.trailer_id = None
    passage.booking_id = evaluation.booking.id if evaluation.booking else None
    if evaluation.booking is not None:
        passage.vehicle_id = evaluation.booking.vehicle_id
        passage.trailer_id = evaluation.booking.trailer_id
    elif match.vehicle is not None:
        vehicle = evaluation.vehicles[match.vehicle.id]
        if vehicle.is_trailer:
            passage.trailer_id = vehicle.id
        else:
            passage.vehicle_id = vehicle.id
    passage.decided_at = now
    db.session.flush()


def _apply(passage: Passage, decision: Decision, evaluation: Evaluation, now: datetime) -> None:
    """What the decision means for the park's records. Letting a vehicle in reserves its
    place (counted against capacity at once); it is inside only once it passes
    (:func:`record_passed`). Any other decision gives a reserved place back."""
    if passage.lane.kind is LaneKind.EMERGENCY and decision is Decision.ALLOW:
        _alert(
            AlertKind.EMERGENCY_LANE,
            Severity.CRITICAL,
            phrase(
                N_("Emergency lane %(lane)s used (passage %(passage)s)"),
                lane=passage.lane.code,
                passage=passage.id,
            ),
            f"emergency:{passage.id}",
            passage,
        )
    if passage.direction is PassageDirection.OUT:
        if decision is Decision.ALLOW:
            _prepare_exit(passage, evaluation)
        return
    booking = evaluation.booking
    if decision is Decision.ALLOW:
        _reserve(passage, booking, now)
    else:
        _give_back(passage)
        if (
            decision is Decision.HOLD
            and booking is not None
            and booking.status is BookingStatus.APPROVED
        ):
            booking.status = BookingStatus.ARRIVED
    db.session.flush()


def _reserve(passage: Passage, booking: Booking | None, now: datetime) -> None:
    classes = []
    zone = passage.lane.zone
    if booking is not None:
        classes = sorted(
            {line.dangerous_good.hazard_class for line in booking.cargo if line.dangerous_good}
        )
        zone = booking.dock.zone
    if passage.vehicle_id is None and passage.trailer_id is None:
        # Let in by the guard without a registration: still counted, still on the roll call.
        _place_unregistered(passage, zone, now)
    # The motor vehicle carries the load; a trailer is inside with it.
    for vehicle_id, hazard_classes in (
        (passage.vehicle_id, classes),
        (passage.trailer_id, classes if passage.vehicle_id is None else []),
    ):
        if vehicle_id is None:
            continue
        _place(PresenceKind.VEHICLE, vehicle_id, zone, booking, passage, now, hazard_classes)
    crew = passage.crew or {}
    if booking is not None:
        if crew.get("driver_present", True):
            _place(PresenceKind.PERSON, booking.driver_id, zone, booking, passage, now, [])
        if booking.escort_id and crew.get("escort_present", True):
            _place(PresenceKind.PERSON, booking.escort_id, zone, booking, passage, now, [])


def _give_back(passage: Passage) -> None:
    """Places reserved by this passage that were never taken (the vehicle did not pass)."""
    for presence in db.session.scalars(
        select(Presence).where(
            Presence.entry_passage_id == passage.id, Presence.passed_at.is_(None)
        )
    ):
        db.session.delete(presence)


def _place_unregistered(passage: Passage, zone: Zone | None, now: datetime) -> None:
    plate = passage.plate_read or f"passage {passage.id}"
    presence = db.session.scalar(
        select(Presence).where(Presence.vehicle_id.is_(None), Presence.plate == plate)
    )
    if presence is None:
        presence = Presence(kind=PresenceKind.VEHICLE, plate=plate, entered_at=now)
        db.session.add(presence)
    presence.zone = zone
    presence.entry_passage_id = passage.id
    presence.hazard_classes = []


def _place(
    kind: PresenceKind,
    subject_id: int,
    zone: Zone | None,
    booking: Booking | None,
    passage: Passage,
    now: datetime,
    hazard_classes: list[str],
) -> None:
    column = Presence.vehicle_id if kind is PresenceKind.VEHICLE else Presence.person_id
    presence = db.session.scalar(select(Presence).where(column == subject_id))
    if presence is None:
        presence = Presence(kind=kind, entered_at=now)
        if kind is PresenceKind.VEHICLE:
            presence.vehicle_id = subject_id
        else:
            presence.person_id = subject_id
        db.session.add(presence)
    presence.zone = zone
    presence.booking_id = booking.id if booking else None
    presence.entry_passage_id = passage.id
    presence.hazard_classes = hazard_classes


def _prepare_exit(passage: Passage, evaluation: Evaluation) -> None:
    """An allowed exit: name the vehicle and its booking on the passage, and raise the
    overstay alert; the visit closes when the vehicle passes."""
    match = evaluation.result.match
    if match.vehicle is None:
        return
    presence = db.session.scalar(select(Presence).where(Presence.vehicle_id == match.vehicle.id))
    if presence is None:
        return
    passage.vehicle_id = match.vehicle.id
    passage.booking_id = presence.booking_id
    stay = [c for c in evaluation.result.checks if c.code == "stay"]
    if stay and stay[0].outcome is rules.Outcome.WARN:
        _alert(
            AlertKind.OVERSTAY,
            Severity.WARNING,
            phrase(
                N_("%(plate)s left after an overstay: %(stay)s"),
                plate=match.vehicle.plate,
                stay=Phrase(stay[0].template, stay[0].params),
            ),
            f"overstay-exit:{passage.id}",
            passage,
        )


def record_passed(passage: Passage, now: datetime) -> None:
    """The vehicle went through (the barrier opened, or the guard saw it pass): it is
    inside from now, or its visit is closed. No commit."""
    if passage.direction is PassageDirection.IN:
        for presence in db.session.scalars(
            select(Presence).where(Presence.entry_passage_id == passage.id)
        ):
            presence.passed_at = presence.passed_at or now
        if passage.booking is not None and passage.booking.status in (
            BookingStatus.APPROVED,
            BookingStatus.ARRIVED,
        ):
            passage.booking.status = BookingStatus.INSIDE
        return
    _close_visit(passage)


def _close_visit(passage: Passage) -> None:
    if passage.vehicle_id is not None:
        condition = Presence.vehicle_id == passage.vehicle_id
    elif passage.plate_read:
        condition = (Presence.vehicle_id.is_(None)) & (Presence.plate == passage.plate_read)
    else:
        return
    presence = db.session.scalar(select(Presence).where(condition))
    if presence is None:
        return
    booking = db.session.get(Booking, presence.booking_id) if presence.booking_id else None
    gone = [presence]
    if booking is not None:
        booking.status = BookingStatus.COMPLETED
        gone += list(
            db.session.scalars(
                select(Presence).where(
                    Presence.booking_id == booking.id, Presence.id != presence.id
                )
            )
        )
    for row in gone:
        db.session.delete(row)


def _alert(kind: AlertKind, severity: Severity, text: Phrase, key: str, passage: Passage) -> None:
    if db.session.scalar(select(Alert).where(Alert.dedup_key == key)) is None:
        db.session.add(
            Alert.draft(
                text,
                kind=kind,
                severity=severity,
                dedup_key=key,
                passage_id=passage.id,
                vehicle_id=passage.vehicle_id,
                booking_id=passage.booking_id,
            )
        )


# --- guard actions -----------------------------------------------------------------------


class Action:
    OPEN = "open"
    REFUSE = "refuse"
    HOLD = "hold"

    DECISION = {OPEN: Decision.ALLOW, REFUSE: Decision.DENY, HOLD: Decision.HOLD}


def reason_required(passage: Passage, action: str) -> bool:
    """Opening needs a written reason unless the rules allowed the vehicle; refusing or
    holding needs one when it goes against an automatic allow, deny or hold (a review is
    the guard's to decide)."""
    chosen = Action.DECISION[action]
    system = passage.system_decision
    if chosen is Decision.ALLOW:
        return system is not Decision.ALLOW
    return system is not None and system is not Decision.REVIEW and system is not chosen


def guard_decides(passage: Passage, action: str, user: User, reason: str | None) -> None:
    """The guard's decision on a passage (no commit)."""
    if action not in Action.DECISION:
        raise ActionError(f"unknown action {action!r}")
    if passage.released_at is not None:
        raise ActionError(N_("this vehicle has already left the holding-lot queue"))
    _editable(passage)
    reason = (reason or "").strip()
    if reason_required(passage, action) and not reason:
        raise ActionError(N_("a written reason is required to override the rules"))
    decision = Action.DECISION[action]
    now = utcnow()
    evaluation = evaluate(passage, now)
    if not passage.checks:  # never decided (e.g. the reading failed): keep the checklist
        _store(passage, evaluation, now)
    was_held = passage.decision is Decision.HOLD
    passage.decision = decision
    passage.operator_id = user.id
    passage.override_reason = reason[:500] or None
    passage.decided_at = now
    if was_held and decision is not Decision.HOLD:
        passage.released_at = now  # left the holding-lot queue (let in or turned away)
    _record(
        passage,
        user,
        "gate.override" if passage.override_reason else "gate.guard_decision",
        {
            "lane": passage.lane.code,
            "decision": decision.value,
            "system_decision": passage.system_decision.value if passage.system_decision else None,
            "reason": passage.override_reason,
        },
    )
    _apply(passage, decision, evaluation, now)


def check_typed_plate(text: str, formats: list[str]) -> str:
    """A plate typed by the guard, validated as a camera's reading is: the characters a
    plate may carry, and a layout of one of the park's plate formats. Returns it as stored."""
    typed = " ".join(text.split()).upper()
    if not PLATE.fullmatch(typed):
        raise ActionError(N_("a plate has 2 to 16 letters, digits, spaces or dashes"))
    latin = normalize_plate(typed)
    if not any(plate_format.accepts(latin) for plate_format in formats_for(formats)):
        raise ActionError(N_("this plate fits none of the park's plate formats"))
    return typed


def correct_plate(passage: Passage, text: str, user: User) -> GateDecision:
    """The guard types the plate (unreadable or misread): decide again on it. The barrier
    is not driven by this: if the rules now allow, the guard opens."""
    typed = check_typed_plate(text, list(park_settings().plate_formats))
    _editable(passage)
    before = passage.plate_read
    passage.plate_read = typed
    passage.plate_confirmed = True
    passage.plate_confirmed_by_id = user.id
    _record(passage, user, "gate.plate_corrected", {"from": before, "to": passage.plate_read})
    return decide(passage)


def record_crew(
    passage: Passage,
    user: User,
    *,
    driver_present: bool,
    escort_present: bool,
    ids_checked: bool,
    persons: int,
    waybill: str | None = None,
) -> GateDecision:
    if not 1 <= persons <= 9:
        raise ActionError(N_("persons on board: 1 to 9"))
    _editable(passage)
    passage.crew = {
        "driver_present": driver_present,
        "escort_present": escort_present,
        "ids_checked": ids_checked,
        "persons": persons,
        "waybill": (waybill or "").strip()[:64] or None,
        "by": user.username,
    }
    passage.persons_count = persons
    _record(passage, user, "gate.crew_recorded", dict(passage.crew))
    return decide(passage)


def release(passage: Passage, user: User) -> GateDecision:
    """A held vehicle is called from the holding lot: decide again with today's counts."""
    if passage.decision is not Decision.HOLD or passage.released_at is not None:
        raise ActionError(N_("this vehicle is not waiting in the holding lot"))
    _record(passage, user, "gate.release_requested", {"lane": passage.lane.code})
    result = decide(passage)
    if result.decision is not Decision.HOLD and passage.released_at is None:
        passage.released_at = utcnow()
    return result


def confirm_passed(passage: Passage, user: User) -> None:
    """The barrier did not open but the guard saw the allowed vehicle pass (the boom was
    lifted by hand): it is inside, or its visit is closed. No commit."""
    if passage.decision is not Decision.ALLOW:
        raise ActionError(N_("only an allowed vehicle can be recorded as passed"))
    _editable(passage)
    now = utcnow()
    passage.barrier_opened_at = now
    record_passed(passage, now)
    _record(passage, user, "gate.passed_by_hand", {"lane": passage.lane.code})


def _record(passage: Passage, user: User, action: str, details: dict[str, Any]) -> None:
    """A guard's action on a passage, in the audit chain under the guard's name."""
    audit.record(
        action,
        entity_type="passage",
        entity_id=passage.id,
        details=details,
        actor_user_id=user.id,
        actor=user.username,
    )


def _editable(passage: Passage) -> None:
    if passage.barrier_opened_at is not None:
        raise ActionError(N_("the barrier was already opened for this vehicle"))


# --- the barrier ---------------------------------------------------------------------------


def should_open(passage: Passage) -> bool:
    return passage.decision is Decision.ALLOW and passage.barrier_opened_at is None


def _claim_barrier(passage: Passage) -> bool:
    """Claim the one opening of an allowed passage's barrier with a conditional update:
    of two clicks (or a click and the job) only one changes the row. Commits the claim,
    so that the relay is driven outside any lock."""
    claimed = db.session.execute(
        update(Passage)
        .where(
            Passage.id == passage.id,
            Passage.decision == Decision.ALLOW,
            Passage.barrier_opened_at.is_(None),
        )
        .values(barrier_opened_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    db.session.refresh(passage)
    return bool(claimed)


def open_barrier(passage: Passage, user: User | None = None) -> bool:
    """Lift the lane's barrier for an allowed passage (after its decision is committed)
    and log the attempt; commits. Returns whether it opened. The barrier is driven once
    per passage whoever asks how often; a failed opening gives the claim back."""
    if not should_open(passage) or not _claim_barrier(passage):
        return False
    lane = passage.lane
    try:
        outcome = barrier_for(lane.barrier).open(lane.code, passage.id)
        opened, adapter, detail = outcome.opened, outcome.adapter, outcome.detail
    except BarrierConfigError as exc:
        opened, adapter, detail = False, "misconfigured", str(exc)
    if opened:
        record_passed(passage, utcnow())
    else:
        passage.barrier_opened_at = None
    audit.record(
        "barrier.open" if opened else "barrier.failed",
        entity_type="passage",
        entity_id=passage.id,
        details={"lane": lane.code, "adapter": adapter, "detail": detail},
        actor_user_id=user.id if user else None,
        actor=user.username if user else "system",
    )
    db.session.commit()
    return opened

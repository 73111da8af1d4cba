"""Applying a decision: store it with its checklist on the passage, and what it means for
the park's records (reserved places, presence once the vehicle passes, booking status,
alerts). Flushes, never commits: the caller commits the passage with it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from gatekeeper.domain import gate as rules
from gatekeeper.domain.gate import Decision, GateDecision
from gatekeeper.domain.messages import N_, Phrase, phrase
from gatekeeper.extensions import db
from gatekeeper.models import (
    Alert,
    AlertKind,
    Booking,
    BookingStatus,
    LaneKind,
    Passage,
    PassageDirection,
    PersonPassage,
    Presence,
    PresenceKind,
    Severity,
    Zone,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit, inventory
from gatekeeper.services.gate.evaluation import Evaluation, evaluate
from gatekeeper.services.locks import park_write_lock


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


def decide(passage: Passage, *, now: datetime | None = None, fresh: bool = False) -> GateDecision:
    """Decide a passage automatically and apply the decision (no commit).

    The park's counts are read under its write lock, so two lanes cannot both take the
    last place. The lock is taken only where the counts matter: once a booking makes the
    capacity rules apply, or the vehicle must wait in the holding lot (see
    :func:`evaluate`), and before a decision that lets a vehicle in or out changes the
    park's records. An unknown or refused vehicle at a new passage (``fresh``: stored in
    this transaction, with no places reserved and no documents yet) is decided without
    holding back the other lanes."""
    if not fresh:
        park_write_lock()  # a decision taken again may give reserved places back
    now = now or utcnow()
    evaluation = evaluate(passage, now, counts_lock=park_write_lock, fresh=fresh)
    if evaluation.result.decision not in (Decision.DENY, Decision.REVIEW):
        park_write_lock()
    result = evaluation.result
    passage.system_decision = result.decision
    passage.decision = result.decision
    passage.operator_id = None
    passage.override_reason = None
    store_evaluation(passage, evaluation, now)
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
    apply_decision(passage, result.decision, evaluation, now, fresh=fresh)
    return result


def store_evaluation(passage: Passage, evaluation: Evaluation, now: datetime) -> None:
    result = evaluation.result
    match = result.match
    passage.checks = [c.to_dict() for c in result.checks]
    passage.reasons = [c.to_dict() for c in result.reasons]
    passage.match_quality = match.quality.value
    passage.vehicle_id = None
    passage.trailer_id = None
    passage.booking = evaluation.booking  # the relationship too: the answer shows it
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


def apply_decision(
    passage: Passage,
    decision: Decision,
    evaluation: Evaluation,
    now: datetime,
    *,
    fresh: bool = False,
) -> None:
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
        if not fresh:
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
    if kind is PresenceKind.VEHICLE:
        # The load rides on the vehicle that carries it (not on a trailer let in with it).
        inventory.load_goods(presence, booking if hazard_classes else None, now)


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
            if presence.passed_at is None and presence.person_id is not None:
                _crew_through(presence.person_id, passage, PassageDirection.IN, now)
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
        if row.person_id is not None and row.passed_at is not None:
            _crew_through(row.person_id, passage, PassageDirection.OUT, utcnow())
        db.session.delete(row)


def _crew_through(person_id: int, passage: Passage, way: PassageDirection, at: datetime) -> None:
    """The driver or escort went through with the vehicle: a person passage linked to it."""
    db.session.add(
        PersonPassage(
            person_id=person_id,
            lane_id=passage.lane_id,
            direction=way,
            occurred_at=at,
            allowed=True,
            reasons=[],
            method="vehicle",
            vehicle_passage_id=passage.id,
        )
    )


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

"""People at the pedestrian lanes: check-in and check-out (the guard's page, or a badge
read through the API), visits pre-registered by a host (told on arrival), positioning
cards issued at entry and returned at exit. A person inside has one presence row (the
roll call reads them); every attempt, allowed or refused, is a ``PersonPassage``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from gatekeeper.domain import people as rules
from gatekeeper.domain.messages import N_, english, phrase
from gatekeeper.domain.standing import in_force
from gatekeeper.extensions import db
from gatekeeper.models import (
    Booking,
    BookingStatus,
    Lane,
    LaneDirection,
    LaneKind,
    PassageDirection,
    Person,
    PersonKind,
    PersonPassage,
    Presence,
    PresenceKind,
    User,
    Visit,
)
from gatekeeper.notify import notifier
from gatekeeper.services import audit
from gatekeeper.services.clock import day_bounds, park_today
from gatekeeper.services.locks import park_write_lock
from gatekeeper.services.park import park_settings


class PeopleError(ValueError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class PassageOutcome:
    passage: PersonPassage
    created: bool


def pedestrian_lanes() -> list[Lane]:
    return list(
        db.session.scalars(
            select(Lane).where(Lane.kind == LaneKind.PEDESTRIAN, Lane.is_open).order_by(Lane.code)
        )
    )


def visit_today(person_id: int, day: date) -> Visit | None:
    return db.session.scalar(
        select(Visit)
        .where(Visit.person_id == person_id, Visit.expected_on == day, ~Visit.cancelled)
        .order_by(Visit.id.desc())
    )


def _booked_today(person_id: int, day: date) -> bool:
    start, end = day_bounds(day)
    return (
        db.session.scalar(
            select(Booking.id)
            .where(
                or_(Booking.driver_id == person_id, Booking.escort_id == person_id),
                Booking.window_start < end,
                Booking.window_end > start,
                Booking.status.in_(
                    [BookingStatus.APPROVED, BookingStatus.ARRIVED, BookingStatus.INSIDE]
                ),
            )
            .limit(1)
        )
        is not None
    )


def find(text: str, limit: int) -> list[Person]:
    """People by name, badge or the last four characters of their ID, by name; at most
    ``limit`` of them."""
    text = text.strip()
    if not text:
        return []
    return list(
        db.session.scalars(
            select(Person)
            .where(
                or_(
                    func.lower(Person.full_name).contains(text.lower(), autoescape=True),
                    Person.badge_number == text.upper(),
                    Person.id_number_tail == text[-4:].upper(),
                )
            )
            .options(
                selectinload(Person.qualifications),
                selectinload(Person.company),
                selectinload(Person.carrier),
            )
            .order_by(Person.full_name, Person.id)
            .limit(limit)
        )
    )


def presence_of(person_id: int, *, lock: bool = False) -> Presence | None:
    query = select(Presence).where(Presence.person_id == person_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def facts(person: Person, day: date, rules_acknowledged: bool = False) -> rules.PersonFacts:
    visit = visit_today(person.id, day) if person.kind is PersonKind.VISITOR else None
    inside = presence_of(person.id)
    return rules.PersonFacts(
        kind=person.kind.value,
        standing=in_force(person.standing.value, person.standing_until, day),
        standing_reason=person.standing_reason,
        standing_until=person.standing_until,
        registered_until=person.registered_until,
        review_status=person.review_status.value,
        certificates=[
            rules.Certificate(q.kind.value, q.expires_on, q.valid_from)
            for q in person.qualifications
        ],
        visit_today=visit is not None,
        rules_acknowledged=rules_acknowledged
        or (visit is not None and visit.rules_acknowledged_at is not None),
        booked_today=person.kind in (PersonKind.DRIVER, PersonKind.ESCORT)
        and _booked_today(person.id, day),
        inside=inside is not None and inside.passed_at is not None,
    )


def entry_checks(person: Person, day: date) -> list[rules.Refusal]:
    """What would refuse the person at a pedestrian lane today (shown before check-in)."""
    return rules.entry_refusals(facts(person, day), day)


def check_in(
    person: Person,
    lane: Lane,
    at: datetime,
    *,
    operator: User | None = None,
    method: str = "kiosk",
    card_number: str | None = None,
    rules_acknowledged: bool = False,
    event_id: str | None = None,
) -> PersonPassage:
    """Let the person in when every check passes, else record the refusal. No commit."""
    _lane_for(lane, PassageDirection.IN)
    park_write_lock()
    presence_of(person.id, lock=True)
    day = park_today()
    refusals = rules.entry_refusals(facts(person, day, rules_acknowledged), day)
    card = (card_number or "").strip()[:40] or None
    if not refusals and park_settings().uses_positioning_cards and card is None:
        refusals.append(rules.Refusal("card", phrase(N_("no positioning card issued"))))
    record = _passage(person, lane, PassageDirection.IN, at, refusals, method, card, event_id)
    record.operator_id = operator.id if operator else None
    if refusals:
        return record
    db.session.add(
        Presence(
            kind=PresenceKind.PERSON,
            person_id=person.id,
            zone_id=lane.zone_id,
            entered_at=at,
            passed_at=at,
            last_seen_at=at,
            card_number=card,
        )
    )
    if person.kind is PersonKind.VISITOR:
        _visitor_arrived(person, day, at, rules_acknowledged)
    return record


def check_out(
    person: Person,
    lane: Lane,
    at: datetime,
    *,
    operator: User | None = None,
    method: str = "kiosk",
    card_returned: bool = False,
    event_id: str | None = None,
) -> PersonPassage:
    """Close the person's stay (the card handed back where one was issued). No commit."""
    _lane_for(lane, PassageDirection.OUT)
    park_write_lock()
    presence = presence_of(person.id, lock=True)
    inside = presence is not None and presence.passed_at is not None
    card = presence.card_number if presence is not None else None
    refusals = rules.exit_refusals(inside, card, card_returned)
    record = _passage(person, lane, PassageDirection.OUT, at, refusals, method, card, event_id)
    record.operator_id = operator.id if operator else None
    if refusals or presence is None:
        return record
    db.session.delete(presence)
    visit = visit_today(person.id, park_today())
    if visit is not None and visit.arrived_at is not None:
        visit.left_at = at
    return record


def _lane_for(lane: Lane, direction: PassageDirection) -> None:
    if lane.kind is not LaneKind.PEDESTRIAN:
        raise PeopleError(f"lane {lane.code} is not a pedestrian lane")
    wanted = LaneDirection.IN if direction is PassageDirection.IN else LaneDirection.OUT
    if lane.direction not in (wanted, LaneDirection.BOTH):
        raise PeopleError(f"lane {lane.code} is not a lane for going {direction.value}")


def _passage(
    person: Person,
    lane: Lane,
    direction: PassageDirection,
    at: datetime,
    refusals: list[rules.Refusal],
    method: str,
    card: str | None,
    event_id: str | None,
) -> PersonPassage:
    record = PersonPassage(
        person_id=person.id,
        lane_id=lane.id,
        direction=direction,
        occurred_at=at,
        allowed=not refusals,
        reasons=[
            {"code": r.code, "message": english(r.text), **r.text.to_dict_columns()}
            for r in refusals
        ],
        method=method,
        card_number=card,
        event_id=event_id,
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        f"person.{'entered' if direction is PassageDirection.IN else 'left'}"
        if not refusals
        else "person.refused",
        entity_type="person",
        entity_id=person.id,
        details={"lane": lane.code, "reasons": [r.code for r in refusals]},
    )
    return record


def _visitor_arrived(person: Person, day: date, at: datetime, acknowledged: bool) -> None:
    visit = visit_today(person.id, day)
    if visit is None:
        return
    visit.arrived_at = visit.arrived_at or at
    if acknowledged and visit.rules_acknowledged_at is None:
        visit.rules_acknowledged_at = at
    host = visit.host
    text = (
        f"访客 {person.full_name} 已到达园区 / Your visitor {person.full_name} "
        f"has arrived ({visit.purpose})"
    )
    sent = notifier().send(host.phone, text, f"visit-{visit.id}")
    audit.record(
        "visit.host_notified",
        entity_type="visit",
        entity_id=visit.id,
        details={"host": host.username, "delivered": sent.delivered, "adapter": sent.adapter},
    )


def badge_read(lane: Lane, event_id: str, badge: str, at: datetime) -> PassageOutcome:
    """A reader at a pedestrian lane read a card: in or out by the lane's direction (a
    two-way lane: out when the person is inside). Reading the positioning card at exit is
    handing it back. The same event id again returns the first record."""
    existing = _by_event(lane, event_id)
    if existing is not None:
        return PassageOutcome(existing, created=False)
    person = db.session.scalar(select(Person).where(Person.badge_number == badge)) or _card_holder(
        badge
    )
    if person is None:
        raise PeopleError(f"no person with badge or card {badge}", 404)
    inside = presence_of(person.id)
    leaving = lane.direction is LaneDirection.OUT or (
        lane.direction is LaneDirection.BOTH and inside is not None
    )
    try:
        if leaving:
            record = check_out(
                person, lane, at, method="badge", card_returned=True, event_id=event_id
            )
        else:
            card = badge if park_settings().uses_positioning_cards else None
            record = check_in(person, lane, at, method="badge", card_number=card, event_id=event_id)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        again = _by_event(lane, event_id)
        if again is None:
            raise
        return PassageOutcome(again, created=False)
    return PassageOutcome(record, created=True)


def _card_holder(card: str) -> Person | None:
    presence = db.session.scalar(select(Presence).where(Presence.card_number == card))
    return presence.person if presence is not None else None


def _by_event(lane: Lane, event_id: str) -> PersonPassage | None:
    return db.session.scalar(
        select(PersonPassage).where(
            PersonPassage.lane_id == lane.id, PersonPassage.event_id == event_id
        )
    )


def passage_json(record: PersonPassage) -> dict[str, Any]:
    return {
        "id": record.id,
        "person": record.person.full_name,
        "kind": record.person.kind.value,
        "lane": record.lane.code,
        "direction": record.direction.value,
        "allowed": record.allowed,
        "reasons": [{"code": r["code"], "message": r["message"]} for r in record.reasons],
        "card": record.card_number,
        "at": record.occurred_at.isoformat(),
    }


def register_visit(
    host: User,
    full_name: str,
    expected_on: date,
    purpose: str,
    phone: str | None = None,
    company: str | None = None,
) -> Visit:
    """A host pre-registers a visitor for a day. No commit."""
    person = Person(
        kind=PersonKind.VISITOR,
        full_name=full_name.strip()[:160],
        phone=(phone or "").strip()[:40] or None,
        host_name=host.display_name,
    )
    visit = Visit(person=person, host=host, expected_on=expected_on, purpose=purpose.strip()[:200])
    if company:
        visit.purpose = f"{visit.purpose} ({company.strip()[:60]})"[:200]
    db.session.add(visit)
    db.session.flush()
    audit.record(
        "visit.registered",
        entity_type="visit",
        entity_id=visit.id,
        details={"visitor": person.full_name, "on": expected_on.isoformat()},
        actor_user_id=host.id,
        actor=host.username,
    )
    return visit

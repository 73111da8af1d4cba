"""Notices to carriers and to the park: documents expiring in 30, 7 and 1 days or expired,
and bookings that would fall after an expiry. Each notice is given once (by its key),
shown in the app, and sent by e-mail when SMTP is configured (Flask-Mailman), in each
recipient's language."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import force_locale
from flask_mailman import EmailMessage
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import selectinload

from gatekeeper.domain.messages import N_, Code, Phrase, phrase
from gatekeeper.extensions import db
from gatekeeper.models import (
    Booking,
    BookingStatus,
    Notice,
    Person,
    Role,
    Standing,
    User,
    Vehicle,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import fleet

log = logging.getLogger(__name__)

NOTICE_DAYS = (30, 7, 1)  # days before an expiry when carrier and park are told
PARK_READERS = (Role.ADMIN, Role.MANAGER, Role.DISPATCHER)


@dataclass(frozen=True)
class Expiry:
    """One dated document of a vehicle or person."""

    key: str  # names the document: "v12:dg_permit_expiry", "q40"
    what: Phrase | Code
    subject: str  # plate or name
    expires_on: date
    carrier_id: int | None
    link: str


def stage(expires_on: date, today: date) -> str | None:
    """Which notice an expiry is due: "expired", or the nearest of 30/7/1 days ahead."""
    left = (expires_on - today).days
    if left < 0:
        return "expired"
    for days in sorted(NOTICE_DAYS):
        if left <= days:
            return str(days)
    return None


def vehicle_expiries(vehicle: Vehicle) -> Iterator[Expiry]:
    for column, what in fleet.VEHICLE_DOCUMENT_LABELS.items():
        expires_on = getattr(vehicle, column)
        if expires_on is not None:
            yield Expiry(
                f"v{vehicle.id}:{column}",
                phrase(what),
                vehicle.plate,
                expires_on,
                vehicle.carrier_id,
                f"/carrier/vehicles/{vehicle.id}/edit",
            )


def person_expiries(person: Person) -> Iterator[Expiry]:
    for qualification in person.qualifications:
        yield Expiry(
            f"q{qualification.id}",
            Code(qualification.kind.value, "qualification"),
            person.full_name,
            qualification.expires_on,
            person.carrier_id,
            f"/carrier/persons/{person.id}/edit",
        )


def _expiry_notice(item: Expiry, due: str, carrier_id: int | None) -> Notice:
    day = item.expires_on.isoformat()
    if due == "expired":
        text = phrase(
            N_("%(document)s of %(subject)s expired on %(day)s: not usable for new bookings"),
            document=item.what,
            subject=item.subject,
            day=day,
        )
    else:
        template = (
            N_("%(document)s of %(subject)s expires on %(day)s (within a day)")
            if due == "1"
            else N_("%(document)s of %(subject)s expires on %(day)s (within %(days)s days)")
        )
        text = phrase(template, document=item.what, subject=item.subject, day=day, days=due)
    audience = f"c{carrier_id}" if carrier_id else "park"
    return Notice.draft(
        text,
        carrier_id=carrier_id,
        link=item.link if carrier_id else None,
        dedup_key=f"{audience}:expiry:{item.key}:{day}:{due}"[:200],
    )


def expiry_notices(today: date) -> Iterator[Notice]:
    """Notices due today for the carriers' vehicles and crews, to the carrier and the park."""
    vehicles = db.session.scalars(
        select(Vehicle).where(Vehicle.carrier_id.is_not(None), Vehicle.standing == Standing.ACTIVE)
    )
    persons = db.session.scalars(
        select(Person)
        .where(Person.carrier_id.is_not(None), Person.standing == Standing.ACTIVE)
        .options(selectinload(Person.qualifications))
    )
    items = [*(e for v in vehicles for e in vehicle_expiries(v))]
    items += [e for p in persons for e in person_expiries(p)]
    for item in items:
        due = stage(item.expires_on, today)
        if due is None:
            continue
        yield _expiry_notice(item, due, item.carrier_id)
        yield _expiry_notice(item, due, None)


def booking_notices(now: datetime, today: date) -> Iterator[Notice]:
    """Bookings to come whose vehicle or crew has a document expiring before the trip:
    flagged to the dispatchers (the park) and to the carrier."""
    from gatekeeper.services.clock import local

    bookings = db.session.scalars(
        select(Booking)
        .where(
            Booking.status.in_((BookingStatus.REQUESTED, BookingStatus.APPROVED)),
            Booking.window_end >= now,
        )
        .options(
            selectinload(Booking.vehicle),
            selectinload(Booking.trailer),
            selectinload(Booking.driver).selectinload(Person.qualifications),
            selectinload(Booking.escort).selectinload(Person.qualifications),
        )
    )
    for booking in bookings:
        trip_day = local(booking.window_end).date()
        items: list[Expiry] = []
        for vehicle in (booking.vehicle, booking.trailer):
            if vehicle is not None:
                items += vehicle_expiries(vehicle)
        for person in (booking.driver, booking.escort):
            if person is not None:
                items += person_expiries(person)
        for item in items:
            if item.expires_on >= trip_day:
                continue
            text = phrase(
                N_(
                    "Booking %(reference)s on %(day)s: %(document)s of %(subject)s "
                    "expires on %(expiry)s, before the trip"
                ),
                reference=booking.reference,
                day=local(booking.window_start).date().isoformat(),
                document=item.what,
                subject=item.subject,
                expiry=item.expires_on.isoformat(),
            )
            key = f"booking:{booking.id}:{item.key}:{item.expires_on}"
            yield Notice.draft(text, carrier_id=None, dedup_key=f"park:{key}"[:200])
            if booking.carrier_id is not None:
                yield Notice.draft(
                    text,
                    carrier_id=booking.carrier_id,
                    dedup_key=f"c{booking.carrier_id}:{key}"[:200],
                )


def give(drafts: Iterable[Notice]) -> list[Notice]:
    """Store the notices not given before (by key). No commit."""
    pending = {notice.dedup_key: notice for notice in drafts}
    if not pending:
        return []
    known = set(
        db.session.scalars(select(Notice.dedup_key).where(Notice.dedup_key.in_(list(pending))))
    )
    fresh = [notice for key, notice in pending.items() if key not in known]
    db.session.add_all(fresh)
    db.session.flush()
    return fresh


def recipients(notice: Notice) -> list[User]:
    """Who receives a notice by e-mail: the carrier's active users (or, for the park, the
    active admins, managers and dispatchers) that have an address."""
    query = select(User).where(User.active.is_(True), User.email.is_not(None))
    if notice.carrier_id is not None:
        query = query.where(User.carrier_id == notice.carrier_id)
    else:
        query = query.where(User.role.in_(PARK_READERS))
    return list(db.session.scalars(query.order_by(User.id)))


def send_emails(notices: Iterable[Notice], mail_backend: str) -> int:
    """E-mail each notice to its recipients in their language; returns the messages sent.
    A failing server is logged and the notices stay in the app (emailed_at unset)."""
    if mail_backend == "dummy":
        return 0
    from gatekeeper.web.labels import translated

    sent = 0
    for notice in notices:
        for user in recipients(notice):
            with force_locale(user.locale or "en"):
                body = translated({"t": notice.template, "p": notice.params or {}})
                subject = translated({"t": N_("Gatekeeper: a document needs attention")})
            message = EmailMessage(subject=subject, body=body, to=[user.email])
            try:
                message.send()
            except OSError:
                log.exception("could not e-mail notice %s to %s", notice.id, user.username)
                continue
            sent += 1
        notice.emailed_at = utcnow()
    return sent


def _audience(user: User) -> ColumnElement[bool]:
    """The notices a user sees: their carrier's, or (park staff) the park's."""
    if user.role is Role.CARRIER:
        return Notice.carrier_id == user.carrier_id
    return Notice.carrier_id.is_(None)


def notices_query(user: User) -> Select[Notice]:
    query = select(Notice).where(_audience(user))
    return query.order_by(Notice.read_at.is_not(None), Notice.id.desc())


def unread_count(user: User) -> int:
    if user.role not in (Role.CARRIER, *PARK_READERS):
        return 0
    count = db.session.scalar(
        select(func.count()).select_from(Notice).where(_audience(user), Notice.read_at.is_(None))
    )
    return int(count or 0)


def mark_read(user: User) -> int:
    """Every unread notice the user sees is marked read. No commit."""
    unread = db.session.scalars(
        select(Notice).where(_audience(user), Notice.read_at.is_(None))
    ).all()
    now = utcnow()
    for notice in unread:
        notice.read_at = now
    return len(unread)

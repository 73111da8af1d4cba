"""Periodic checks: expiring documents, overstays and route deviations raise alerts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import select

from gatekeeper.domain.expiry import ExpiryState, expiry_state, registration_holds
from gatekeeper.domain.messages import N_, Code, Phrase, phrase
from gatekeeper.extensions import db
from gatekeeper.jobs import job
from gatekeeper.models import (
    AlertKind,
    DailyReport,
    Person,
    Presence,
    PresenceKind,
    Qualification,
    Severity,
    Standing,
    Vehicle,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import (
    audit,
    captures,
    feed,
    gate,
    notices,
    reports,
    retention,
    tracking,
)
from gatekeeper.services.alerts import AlertDraft, raise_new
from gatekeeper.services.clock import local, park_today
from gatekeeper.services.park import park_settings

_VEHICLE_DOCUMENTS = {
    "adr_certificate_expiry": N_("ADR certificate of approval"),
    "dg_permit_expiry": N_("dangerous-goods transport permit"),
    "tank_inspection_expiry": N_("tank inspection"),
    "registered_until": N_("park registration"),  # a park company's own vehicle
}


def _expiry_draft(
    what: Phrase | Code, subject: str, expires_on: date | None, state: ExpiryState, key: str
) -> AlertDraft | None:
    day = expires_on.isoformat() if expires_on else "?"
    if state is ExpiryState.EXPIRED:
        return AlertDraft(
            AlertKind.DOCUMENT_EXPIRED,
            Severity.CRITICAL,
            phrase(
                N_("%(document)s of %(subject)s expired on %(day)s"),
                document=what,
                subject=subject,
                day=day,
            ),
            f"expired:{key}:{expires_on}",
        )
    if state is ExpiryState.EXPIRING:
        return AlertDraft(
            AlertKind.DOCUMENT_EXPIRING,
            Severity.WARNING,
            phrase(
                N_("%(document)s of %(subject)s expires on %(day)s"),
                document=what,
                subject=subject,
                day=day,
            ),
            f"expiring:{key}:{expires_on}",
        )
    return None


def _document_drafts(today: date, warning_days: int) -> Iterator[AlertDraft]:
    vehicles = db.session.scalars(select(Vehicle).where(Vehicle.standing == Standing.ACTIVE))
    for vehicle in vehicles:
        for column, what in _VEHICLE_DOCUMENTS.items():
            expires_on = getattr(vehicle, column)
            if expires_on is None:
                continue
            state = expiry_state(expires_on, today, warning_days)
            draft = _expiry_draft(
                phrase(what), vehicle.plate, expires_on, state, f"v{vehicle.id}:{column}"
            )
            if draft:
                yield AlertDraft(**{**draft.__dict__, "vehicle_id": vehicle.id})
    qualifications = db.session.scalars(
        select(Qualification).join(Person).where(Person.standing == Standing.ACTIVE)
    )
    for qual in qualifications:
        state = expiry_state(qual.expires_on, today, warning_days)
        certificate = Code(qual.kind.value, "qualification")
        draft = _expiry_draft(
            certificate, qual.person.full_name, qual.expires_on, state, f"q{qual.id}"
        )
        if draft:
            yield AlertDraft(**{**draft.__dict__, "person_id": qual.person_id})


@job("maintenance", timeout=300)
def check_document_expiry() -> int:
    """Alert once for each vehicle document or certificate that is expiring or expired."""
    park = park_settings()
    return raise_new(_document_drafts(park_today(), park.expiry_warning_days))


def _overstay_drafts(now: datetime, max_stay: timedelta) -> Iterator[AlertDraft]:
    overdue = db.session.scalars(select(Presence).where(Presence.entered_at < now - max_stay))
    today = local(now).date()
    for presence in overdue:
        if presence.kind is PresenceKind.VEHICLE and presence.vehicle is not None:
            if registration_holds(presence.vehicle.registered_until, today):
                continue  # a park company's own vehicle stays the working day
            subject, vehicle_id, person_id = presence.vehicle.plate, presence.vehicle_id, None
        elif presence.person is not None:
            subject, vehicle_id, person_id = presence.person.full_name, None, presence.person_id
        else:
            continue
        hours = (now - presence.entered_at).total_seconds() / 3600
        yield AlertDraft(
            AlertKind.OVERSTAY,
            Severity.WARNING,
            phrase(
                N_("%(subject)s has been inside for %(hours)s h (maximum %(limit)s h)"),
                subject=subject,
                hours=f"{hours:.1f}",
                limit=f"{max_stay.total_seconds() / 3600:g}",
            ),
            f"overstay:{presence.kind.value}:{vehicle_id or person_id}:"
            f"{presence.entered_at.isoformat()}",
            vehicle_id=vehicle_id,
            person_id=person_id,
            booking_id=presence.booking_id,
        )


@job("maintenance", timeout=300)
def check_overstay() -> int:
    park = park_settings()
    return raise_new(_overstay_drafts(utcnow(), timedelta(minutes=park.max_stay_minutes)))


@job("maintenance", timeout=300)
def check_route_deviations() -> int:
    """Alert when a vehicle inside is late at the next checkpoint of its route, or stands
    in a zone its cargo is not allowed in (see services.tracking)."""
    return tracking.check_routes()


@job("maintenance", timeout=600)
def push_authority_feed() -> int:
    """Send what is new to the authorities' safety platform (nothing when no feed URL)."""
    return feed.push()


@job("maintenance", timeout=600)
def make_daily_report() -> int:
    """Yesterday's PDF summary, made once after the park's day ended (0: already made)."""
    day = reports.yesterday(park_today())
    if db.session.scalar(select(DailyReport.id).where(DailyReport.day == day)) is not None:
        return 0
    reports.make_daily_report(day)
    db.session.commit()
    return 1


@job("maintenance", timeout=3600)
def purge_history() -> int:
    """Passages, images, waybills and sightings older than the retention period go."""
    from flask import current_app

    purged = retention.purge(utcnow(), int(current_app.config["GATEKEEPER_RETENTION_DAYS"]))
    return purged.passages + purged.sightings + purged.person_passages


@job("maintenance", timeout=300)
def requeue_captures() -> int:
    """Captures stored while Redis was down are read now that the queue answers again;
    captures whose reading job Redis lost are queued again (see captures.requeue_lost)."""
    return captures.requeue_unqueued() + captures.requeue_lost(utcnow())


@job("maintenance", timeout=300)
def expire_holding_queue() -> int:
    """Held vehicles waiting longer than the park's maximum stay have left without being
    called: take them out of the holding-lot queue (each expiry is in the audit log)."""
    park = park_settings()
    expired = gate.expire_held(utcnow(), timedelta(minutes=park.max_stay_minutes))
    db.session.commit()
    return len(expired)


@job("maintenance", timeout=300)
def sign_audit_checkpoint() -> int:
    """Anchor the audit chain's head outside the database (see services.audit)."""
    signed = audit.write_checkpoint()
    db.session.rollback()  # read only
    return signed.seq if signed else 0


@job("maintenance", timeout=600)
def send_notices() -> int:
    """Tell carriers and the park about documents expiring in 30, 7 and 1 days or expired,
    and about bookings that would fall after an expiry; e-mail them where SMTP is set."""
    from flask import current_app

    today = park_today()
    fresh = notices.give(
        [*notices.expiry_notices(today), *notices.booking_notices(utcnow(), today)]
    )
    db.session.commit()
    backend = current_app.extensions["mailman"].backend
    notices.send_emails(fresh, backend)
    db.session.commit()
    return len(fresh)

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from gatekeeper.jobs import maintenance
from gatekeeper.models import (
    Alert,
    AlertKind,
    Presence,
    PresenceKind,
    QualificationKind,
    Standing,
)
from gatekeeper.models.types import utcnow
from tests.factories import make_person, make_vehicle, qualification


def _alerts(session: Any, kind: AlertKind) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.kind == kind)))


def test_expired_and_expiring_documents_raise_one_alert_each(session: Any) -> None:
    today = utcnow().date()
    expired = make_vehicle(adr_certificate_expiry=today - timedelta(days=1))
    make_vehicle(adr_certificate_expiry=today + timedelta(days=400))
    driver = make_person(
        qualifications=[qualification(QualificationKind.ADR_DRIVER, today + timedelta(days=10))]
    )
    make_vehicle(adr_certificate_expiry=today - timedelta(days=5), standing=Standing.BLACKLISTED)

    assert maintenance.check_document_expiry() == 2
    assert maintenance.check_document_expiry() == 0  # nothing raised twice
    (gone,) = _alerts(session, AlertKind.DOCUMENT_EXPIRED)
    assert gone.vehicle_id == expired.id
    (soon,) = _alerts(session, AlertKind.DOCUMENT_EXPIRING)
    assert soon.person_id == driver.id


def test_a_document_valid_through_today_is_not_expired(session: Any) -> None:
    make_vehicle(adr_certificate_expiry=utcnow().date() + timedelta(days=90))
    today_vehicle = make_vehicle(adr_certificate_expiry=utcnow().date())
    maintenance.check_document_expiry()
    assert _alerts(session, AlertKind.DOCUMENT_EXPIRED) == []
    (alert,) = _alerts(session, AlertKind.DOCUMENT_EXPIRING)
    assert alert.vehicle_id == today_vehicle.id


def test_overstay_is_alerted_once(session: Any) -> None:
    now = utcnow()
    late = make_vehicle()
    on_time = make_vehicle()
    session.add_all(
        [
            Presence(kind=PresenceKind.VEHICLE, vehicle=late, entered_at=now - timedelta(hours=7)),
            Presence(
                kind=PresenceKind.VEHICLE, vehicle=on_time, entered_at=now - timedelta(hours=1)
            ),
        ]
    )
    session.flush()
    assert maintenance.check_overstay() == 1
    assert maintenance.check_overstay() == 0
    (alert,) = _alerts(session, AlertKind.OVERSTAY)
    assert alert.vehicle_id == late.id


def test_scheduler_once_runs_every_periodic_job(runner: Any) -> None:
    result = runner.invoke(args=["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    for job_id in ("document-expiry", "overstay", "route-deviation"):
        assert f"{job_id}: finished" in result.output

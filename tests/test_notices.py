"""Notices: carriers and the park are told 30, 7 and 1 days before a document expires and
when it has expired, once per threshold; bookings that would fall after an expiry are
flagged; notices are in the app and e-mailed (in each reader's language) where SMTP is set."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from gatekeeper.extensions import db
from gatekeeper.jobs.maintenance import send_notices
from gatekeeper.models import Notice, PersonKind, QualificationKind, Role
from gatekeeper.services.clock import park_today
from gatekeeper.services.notices import stage
from tests.conftest import csrf_token_from, login_as
from tests.factories import (
    make_booking,
    make_carrier,
    make_person,
    make_user,
    make_vehicle,
    qualification,
)


@pytest.mark.parametrize(
    ("days_left", "due"),
    [(31, None), (30, "30"), (8, "30"), (7, "7"), (2, "7"), (1, "1"), (0, "1"), (-1, "expired")],
)
def test_which_notice_is_due(days_left: int, due: str | None) -> None:
    today = date(2026, 11, 26)
    assert stage(today + timedelta(days=days_left), today) == due


def _keys(carrier_id: int | None) -> list[str]:
    return sorted(
        db.session.scalars(
            select(Notice.dedup_key).where(
                Notice.carrier_id.is_(carrier_id)
                if carrier_id is None
                else Notice.carrier_id == carrier_id
            )
        )
    )


@pytest.fixture
def outbox(app: Flask) -> Any:
    """E-mail as a configured SMTP server would receive it (Flask-Mailman's memory backend)."""
    state = app.extensions["mailman"]
    backend = state.backend
    state.backend = "locmem"
    state.outbox = []
    yield state.outbox
    state.backend = backend


def test_carrier_and_park_are_told_once_per_threshold(session: Any, outbox: Any) -> None:
    carrier = make_carrier(code="NOTE")
    today = park_today()
    vehicle = make_vehicle(
        carrier=carrier, plate="1-EXP-007", dg_permit_expiry=today + timedelta(days=7)
    )
    driver = make_person(
        PersonKind.DRIVER,
        carrier=carrier,
        full_name="Lin Hai",
        qualifications=[
            qualification(QualificationKind.DG_DRIVER_CN, today + timedelta(days=25), number="A1")
        ],
    )
    make_user(Role.CARRIER, carrier=carrier, email="fleet@note.example", locale="zh_CN")
    make_user(Role.MANAGER, email="safety@park.example")
    db.session.commit()
    send_notices()
    carrier_notices = db.session.scalars(
        select(Notice).where(Notice.carrier_id == carrier.id)
    ).all()
    messages = sorted(n.message for n in carrier_notices)
    assert any("1-EXP-007" in m and "within 7 days" in m for m in messages), messages
    assert any("Lin Hai" in m and "within 30 days" in m for m in messages), messages
    park = db.session.scalars(select(Notice).where(Notice.carrier_id.is_(None))).all()
    assert len(park) == len(carrier_notices) == 2
    # Each recipient had one e-mail per notice, the carrier's in Chinese.
    to_carrier = [m for m in outbox if m.to == ["fleet@note.example"]]
    assert len(to_carrier) == 2 and any("1-EXP-007" in m.body for m in to_carrier)
    assert all("到期" in m.body for m in to_carrier), [m.body for m in to_carrier]
    assert len([m for m in outbox if m.to == ["safety@park.example"]]) == 2
    # The same day again: nothing new.
    assert send_notices() == 0
    # Six days later the vehicle's permit has a day left, the certificate still > 7.
    later = datetime.now(UTC) + timedelta(days=6)
    with time_machine.travel(later, tick=False):
        assert send_notices() == 2
        fresh = db.session.scalars(
            select(Notice.message).where(Notice.carrier_id == carrier.id).order_by(Notice.id)
        ).all()
    assert "within a day" in fresh[-1] and vehicle.plate in fresh[-1]
    assert driver.id


def test_an_expired_document_is_told_as_unusable(session: Any) -> None:
    carrier = make_carrier(code="GONE")
    make_vehicle(carrier=carrier, plate="1-OLD-001", adr_certificate_expiry=date(2020, 1, 31))
    db.session.commit()
    send_notices()
    (notice,) = db.session.scalars(select(Notice).where(Notice.carrier_id == carrier.id))
    assert "expired on 2020-01-31" in notice.message and "not usable for new bookings" in (
        notice.message
    )


def test_a_booking_after_an_expiry_is_flagged(session: Any) -> None:
    carrier = make_carrier(code="FLAG")
    today = park_today()
    driver = make_person(
        PersonKind.DRIVER,
        carrier=carrier,
        full_name="Zhou Ping",
        qualifications=[
            qualification(QualificationKind.DG_DRIVER_CN, today + timedelta(days=60), number="B2")
        ],
    )
    start = datetime.now(UTC) + timedelta(days=90)
    booking = make_booking(carrier=carrier, driver=driver, window_start=start)
    db.session.commit()
    send_notices()
    flagged = db.session.scalars(
        select(Notice.message).where(Notice.dedup_key.like("%booking%"))
    ).all()
    assert len(flagged) == 2  # the park's dispatchers and the carrier
    assert all(
        booking.reference in m and "Zhou Ping" in m and "before the trip" in m for m in flagged
    )


def test_each_reader_sees_their_notices_and_marks_them_read(app: Flask, session: Any) -> None:
    mine, theirs = make_carrier(code="MINE"), make_carrier(code="THEIRS")
    make_vehicle(carrier=mine, plate="1-MIN-001", dg_permit_expiry=park_today())
    make_vehicle(carrier=theirs, plate="1-THR-001", dg_permit_expiry=park_today())
    user = make_user(Role.CARRIER, carrier=mine)
    db.session.commit()
    send_notices()
    browser = login_as(app.test_client(), user)
    page = browser.get("/notices").get_data(as_text=True)
    assert "1-MIN-001" in page and "1-THR-001" not in page
    assert 'id="unread-notices">1<' in page
    browser.post("/notices", data={"csrf_token": csrf_token_from(page)})
    page = browser.get("/notices").get_data(as_text=True)
    assert 'id="unread-notices"' not in page and "1-MIN-001" in page
    manager = login_as(app.test_client(), make_user(Role.MANAGER))
    park_page = manager.get("/notices").get_data(as_text=True)
    assert "1-MIN-001" in park_page and "1-THR-001" in park_page
    assert login_as(app.test_client(), make_user(Role.GUARD)).get("/notices").status_code == 403

"""Retention: what is older than the park's period (never under a year) is purged with its
files; what is newer, or the entry of someone still inside, stays; links are cut, not
broken; the purge is audited."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from gatekeeper.domain.messages import N_, phrase
from gatekeeper.extensions import db
from gatekeeper.jobs import maintenance
from gatekeeper.models import (
    Alert,
    AlertKind,
    AuditEntry,
    Checkpoint,
    Lane,
    Passage,
    PassageImage,
    PersonPassage,
    Presence,
    Severity,
    Sighting,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import retention
from gatekeeper.services.storage import files_root, store_new
from tests.gate_samples import Demo

pytestmark = pytest.mark.embedded


def _age(client: Any, demo: Demo, event_id: str, plate: str, days: int) -> Passage:
    body = demo.post_event(client, "G1-IN", event_id=event_id, plate=plate).json
    passage = db.session.get(Passage, body["id"])
    assert passage is not None
    passage.occurred_at = utcnow() - timedelta(days=days)
    path = store_new("captures", "jpg", b"frame of " + event_id.encode())
    passage.images.append(
        PassageImage(stored_path=path, content_type="image/jpeg", sha256="0" * 64)
    )
    db.session.commit()
    return passage


def test_old_history_is_purged_with_its_files_and_the_rest_stays(
    app: Flask, client: Any, demo: Demo
) -> None:
    old = _age(client, demo, "old", "ZZ100", days=500)
    recent = _age(client, demo, "recent", "ZZ101", days=200)
    old_id, old_file = old.id, files_root() / old.images[0].stored_path
    recent_file = files_root() / recent.images[0].stored_path
    alert = Alert.draft(
        phrase(N_("Emergency lane %(lane)s used (passage %(passage)s)"), lane="G2", passage=1),
        kind=AlertKind.GATE,
        severity=Severity.INFO,
        dedup_key="retention-test",
        passage_id=old_id,
    )
    db.session.add(alert)
    checkpoint = db.session.scalar(select(Checkpoint).where(Checkpoint.code == "CP1"))
    db.session.add(
        Sighting(
            checkpoint_id=checkpoint.id,
            plate_read="ZZ100",
            occurred_at=utcnow() - timedelta(days=450),
            event_id="s-old",
        )
    )
    db.session.commit()
    assert old_file.exists()

    purged = retention.purge(utcnow(), keep_days=400)
    assert (purged.passages, purged.images, purged.sightings) == (1, 1, 1)
    db.session.expire_all()
    assert db.session.get(Passage, old_id) is None and not old_file.exists()
    assert db.session.get(Passage, recent.id) is not None and recent_file.exists()
    assert db.session.get(Alert, alert.id).passage_id is None  # the alert stays
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "retention.purged"))
    assert entry is not None and entry.details_dict["passages"] == 1


def test_never_less_than_a_year_and_never_someone_inside(client: Any, demo: Demo) -> None:
    kept = _age(client, demo, "ten-months", "ZZ200", days=300)
    passage = demo.enter_lox(client)
    passage.occurred_at = utcnow() - timedelta(days=800)  # still inside, somehow
    db.session.commit()
    purged = retention.purge(utcnow(), keep_days=30)  # asked for a month: a year is kept
    assert purged.passages == 0
    assert db.session.get(Passage, kept.id) is not None
    assert db.session.scalar(select(func.count(Presence.id))) > 0


def test_the_daily_job_uses_the_configured_period(app: Flask, client: Any, demo: Demo) -> None:
    _age(client, demo, "very-old", "ZZ300", days=1000)
    db.session.add(
        PersonPassage(
            person_id=demo.lox.driver_id,
            lane_id=db.session.scalar(select(Lane.id).where(Lane.code == "G1-PED")),
            direction="in",
            occurred_at=utcnow() - timedelta(days=1000),
            allowed=True,
            reasons=[],
            method="badge",
        )
    )
    db.session.commit()
    assert app.config["GATEKEEPER_RETENTION_DAYS"] == 400
    assert maintenance.purge_history() == 2
    assert maintenance.purge_history() == 0
    assert Path(files_root()).exists()

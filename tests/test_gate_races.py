"""Races between the guard, the OCR job and a second click, each played in the order
that used to lose work: the later writer must see what the earlier one did."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from gatekeeper.barriers import SimulatedBarrier
from gatekeeper.domain.gate import Decision
from gatekeeper.extensions import db
from gatekeeper.models import AuditEntry, Passage
from gatekeeper.services import gate
from gatekeeper.vision.types import VisionResult
from tests.conftest import SHARED_DATA
from tests.gate_samples import LOX_PLATE, Demo

pytestmark = pytest.mark.embedded

PHOTO = SHARED_DATA / "plates" / "br" / "PJU2853.jpg"


def _capture(client: Any, demo: Demo, event_id: str) -> Any:
    response = client.post(
        "/api/v1/lanes/G1-IN/captures",
        data={"event_id": event_id, "image": [(BytesIO(PHOTO.read_bytes()), "a.jpg")]},
        headers={"Authorization": f"Bearer {demo.token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 202, response.json
    db.session.expire_all()
    return db.session.get(Passage, response.json["id"])


def test_the_ocr_job_keeps_a_guard_decision_made_while_it_read(
    client: Any, demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gatekeeper.jobs.ocr as ocr_job

    def guard_acts_while_reading(*_args: Any, **_kwargs: Any) -> VisionResult:
        # The guard refuses the vehicle from the kiosk before the reading is done.
        passage = db.session.scalar(select(Passage).where(Passage.idempotency_key == "race-1"))
        gate.guard_decides(passage, gate.Action.REFUSE, demo.guard, "driver turned back")
        db.session.commit()
        return VisionResult(plate="Q-AKX-769", confidence=0.99)

    monkeypatch.setattr(ocr_job, "read_vehicle", guard_acts_while_reading)
    passage = _capture(client, demo, "race-1")
    assert passage.decision is Decision.DENY and passage.operator_id == demo.guard.id
    assert passage.override_reason == "driver turned back"
    # The reading is stored as evidence, and said to have come after the guard.
    assert passage.reads["plate"] == "Q-AKX-769"
    actions = list(
        db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(passage.id)))
    )
    assert actions[-1] == "capture.read_after_guard" and "gate.decision" not in actions


def test_the_ocr_job_keeps_the_plate_a_guard_typed(
    client: Any, demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gatekeeper.jobs.ocr as ocr_job

    def guard_types_the_plate(*_args: Any, **_kwargs: Any) -> VisionResult:
        passage = db.session.scalar(select(Passage).where(Passage.idempotency_key == "race-2"))
        gate.correct_plate(passage, "Q-AKX-769", demo.guard)
        db.session.commit()
        return VisionResult(plate="0AKX769", confidence=0.6)

    monkeypatch.setattr(ocr_job, "read_vehicle", guard_types_the_plate)
    passage = _capture(client, demo, "race-2")
    assert passage.plate_read == "Q-AKX-769" and passage.plate_confirmed
    assert passage.reads["plate"] == "0AKX769"


def test_a_second_open_from_a_stale_screen_does_not_drive_the_relay_again(
    client: Any, demo: Demo
) -> None:
    body = demo.post_event(
        client, "G1-HAZ", event_id="race-open", plate="QAKX769", hazard=LOX_PLATE
    ).json
    passage = db.session.get(Passage, body["id"])
    gate.guard_decides(passage, gate.Action.OPEN, demo.guard, "crew checked by hand")
    db.session.commit()
    assert gate.open_barrier(passage, demo.guard)
    # A second click whose request loaded the passage before the first one committed.
    set_committed_value(passage, "barrier_opened_at", None)
    assert not gate.open_barrier(passage, demo.guard)
    assert SimulatedBarrier.opened == [("G1-HAZ", passage.id)]
    assert passage.barrier_opened_at is not None


def test_a_failed_opening_gives_the_claim_back(client: Any, demo: Demo) -> None:
    body = demo.post_event(
        client, "G1-HAZ", event_id="race-fail", plate="QAKX769", hazard=LOX_PLATE
    ).json
    passage = db.session.get(Passage, body["id"])
    passage.lane.barrier = {"type": "http_relay", "url": "http://127.0.0.1:1/open"}
    gate.guard_decides(passage, gate.Action.OPEN, demo.guard, "crew checked by hand")
    db.session.commit()
    assert not gate.open_barrier(passage, demo.guard)
    assert passage.barrier_opened_at is None
    passage.lane.barrier = {"type": "simulated"}
    db.session.commit()
    assert gate.open_barrier(passage, demo.guard)


def test_the_park_write_lock_is_asked_once_per_transaction(client: Any, demo: Demo) -> None:
    from sqlalchemy import event

    from gatekeeper.services import audit

    body = demo.post_event(client, "G1-IN", event_id="lock-once", plate="ZZ-999-ZZ").json
    passage = db.session.get(Passage, body["id"])
    db.session.commit()
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        locked = gate.lock_passage(passage.id)
        gate.decide(locked)  # locks again, and audits (which locks too)
        audit.record("test.more", details={})
        db.session.commit()
        gate.lock_passage(passage.id)  # a new transaction asks again
    finally:
        event.remove(engine, "before_cursor_execute", count)
    asked = sum("pg_advisory_xact_lock" in sql for sql in statements)
    postgres = engine.dialect.name == "postgresql"
    assert asked == (2 if postgres else 0)  # SQLite's writing transactions hold the lock

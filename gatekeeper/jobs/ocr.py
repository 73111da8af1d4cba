"""Reading the frames of a capture. Runs on the ``ocr`` queue; the recogniser is loaded
once per worker process (``flask worker`` runs jobs in-process) and reused."""

from __future__ import annotations

import logging

from rq import get_current_job

from gatekeeper.domain.gate import Decision
from gatekeeper.extensions import db
from gatekeeper.jobs import job
from gatekeeper.models import Passage, ReadStatus
from gatekeeper.services import audit, gate
from gatekeeper.services.park import park_settings
from gatekeeper.services.storage import files_root
from gatekeeper.vision.images import ImageError, decode_image
from gatekeeper.vision.pipeline import PipelineConfig, read_vehicle
from gatekeeper.vision.types import VisionResult

log = logging.getLogger(__name__)


def _last_attempt() -> bool:
    """No retry follows: run directly, in embedded (synchronous) mode, or out of retries."""
    current = get_current_job()
    return current is None or current.worker_name == "sync" or not current.retries_left


def _fail(passage: Passage, reason: str) -> None:
    passage.read_status = ReadStatus.FAILED
    passage.read_error = reason[:500]
    db.session.commit()


@job("ocr", timeout=120, retries=2)
def read_capture(passage_id: int) -> str:
    """Read the plate and orange plate on a capture's frames and store the reading."""
    passage = db.session.get(Passage, passage_id)
    if passage is None:
        return "missing"
    if passage.read_status is ReadStatus.DONE:
        return "done"  # already read (a retried or duplicate job)
    try:
        frames = [
            decode_image((files_root() / image.stored_path).read_bytes())
            for image in passage.images
        ]
    except (OSError, ImageError) as exc:
        # Stored frames that cannot be read will not get better: fail without retrying.
        _fail(passage, f"stored frame unreadable: {exc}")
        return "failed"
    roi = tuple(passage.lane.roi) if passage.lane.roi else None
    config = PipelineConfig(formats=tuple(park_settings().plate_formats), roi=roi)  # type: ignore[arg-type]
    # End the reading transaction: the recogniser takes a second or more, and no lock
    # may be held meanwhile (on SQLite a writing transaction holds the database's).
    db.session.commit()
    try:
        result = read_vehicle(frames, config)
    except Exception as exc:
        db.session.rollback()
        if _last_attempt():
            _fail(db.session.get(Passage, passage_id) or passage, f"reading failed: {exc}")
        raise
    return _store_and_decide(passage_id, result)


def _store_and_decide(passage_id: int, result: VisionResult) -> str:
    """Store the reading and decide, unless a guard acted while the frames were read: then
    the reading is kept as evidence and the guard's decision stands."""
    passage = gate.lock_passage(passage_id)
    if passage is None:
        return "missing"
    if passage.read_status is ReadStatus.DONE:
        db.session.commit()
        return "done"  # a duplicate job stored its reading meanwhile
    if gate.guard_has_acted(passage):
        _store_reading(passage, result, keep_plate=passage.plate_confirmed)
        audit.record(
            "capture.read_after_guard",
            entity_type="passage",
            entity_id=passage.id,
            details={"plate": result.plate, "decision": _value(passage.decision)},
            actor="system",
        )
        db.session.commit()
        return "done"
    _store_reading(passage, result)
    reads = passage.reads
    try:
        gate.decide(passage)  # same transaction as the reading
        db.session.commit()
    except Exception:
        # A fault in deciding must not lose the reading: keep it and hand the vehicle to
        # the guard.
        log.exception("deciding capture %s failed", passage_id)
        db.session.rollback()
        passage = db.session.get(Passage, passage_id) or passage
        _store_reading(passage, result)
        passage.reads = reads
        passage.decision = passage.system_decision = Decision.REVIEW
        passage.reasons = [
            {
                "code": "decision_error",
                "outcome": "fail",
                "effect": "review",
                "message": "The rules could not be run: the guard decides",
                "template": "The rules could not be run: the guard decides",
                "params": {},
                "evidence": {},
            }
        ]
        db.session.commit()
        return "done"
    log.info("capture %s read: %s -> %s", passage_id, result.plate, passage.decision)
    gate.open_barrier(passage)
    return "done"


def _value(decision: Decision | None) -> str | None:
    return decision.value if decision else None


def _store_reading(passage: Passage, result: VisionResult, *, keep_plate: bool = False) -> None:
    passage.reads = result.to_dict()
    if not keep_plate:  # the guard's typed plate stays what the rules see
        passage.plate_read = result.plate
        passage.plate_confidence = result.confidence if result.plate else None
        passage.plate_colour = result.plate_colour if result.plate else None
    if result.hazard is not None:
        passage.hin_read, passage.un_read = result.hazard.hin, result.hazard.un
        passage.hazard_confidence = result.hazard.confidence
    passage.read_status = ReadStatus.DONE
    passage.read_error = None


@job("ocr", timeout=120, retries=2)
def read_sighting(checkpoint_id: int, station_id: int, event_id: str, paths: str, at: str) -> str:
    """Read the plate on a checkpoint camera's frames (``paths``: stored paths, one per
    line) and record the sighting as if the camera had read it (idempotent by event id)."""
    from datetime import datetime

    from gatekeeper.models import Checkpoint, Station
    from gatekeeper.services import tracking

    checkpoint = db.session.get(Checkpoint, checkpoint_id)
    station = db.session.get(Station, station_id)
    if checkpoint is None or station is None:
        return "missing"
    try:
        frames = [decode_image((files_root() / p).read_bytes()) for p in paths.splitlines()]
    except (OSError, ImageError) as exc:
        log.warning("sighting %s: stored frame unreadable: %s", event_id, exc)
        return "failed"
    config = PipelineConfig(formats=tuple(park_settings().plate_formats))
    db.session.commit()
    result = read_vehicle(frames, config)
    seen = tracking.SightingIn(
        event_id=event_id,
        plate=result.plate or "",
        confidence=result.confidence,
        at=datetime.fromisoformat(at),
        plate_colour=result.plate_colour,
        image_path=paths.splitlines()[0],
    )
    outcome = tracking.record_sighting(station, checkpoint, seen)
    return "done" if outcome.created else "known"

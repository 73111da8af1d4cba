"""Captures: frames a gate station sends for one vehicle, stored as a passage with its
images, then read by the OCR job."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from camera_adapters.wire import EVENT_ID, AnprEvent
from gatekeeper import jobs
from gatekeeper.extensions import db
from gatekeeper.jobs.ocr import read_capture
from gatekeeper.models import (
    Lane,
    LaneDirection,
    Passage,
    PassageDirection,
    PassageImage,
    ReadStatus,
    Station,
)
from gatekeeper.services import audit, gate
from gatekeeper.services.storage import files_root, store_new
from gatekeeper.vision.images import ImageError, decode_image

MAX_FRAMES = 8


class CaptureError(ValueError):
    """The upload cannot be accepted; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


@dataclass(frozen=True)
class CaptureOutcome:
    passage: Passage
    created: bool


def validated_images(uploads: list[Upload]) -> list[tuple[Upload, int, int, str]]:
    if not uploads:
        raise CaptureError("no image: send one or more files in the 'image' field")
    if len(uploads) > MAX_FRAMES:
        raise CaptureError(f"too many images ({len(uploads)}; at most {MAX_FRAMES})")
    checked = []
    for number, upload in enumerate(uploads, start=1):
        try:
            frame = decode_image(upload.data)
        except ImageError as exc:
            status = 413 if "too large" in str(exc) else 400
            raise CaptureError(
                f"image {number} ({upload.filename or 'unnamed'}): {exc}", status
            ) from exc
        kind = "image/png" if upload.data.startswith(b"\x89PNG") else "image/jpeg"
        checked.append((upload, frame.shape[1], frame.shape[0], kind))
    return checked


def _direction(lane: Lane) -> PassageDirection:
    return PassageDirection.OUT if lane.direction is LaneDirection.OUT else PassageDirection.IN


def _existing(lane: Lane, event_id: str) -> Passage | None:
    return db.session.scalar(
        select(Passage).where(Passage.lane_id == lane.id, Passage.idempotency_key == event_id)
    )


def accept_capture(
    station: Station, lane: Lane, event_id: str, uploads: list[Upload]
) -> CaptureOutcome:
    """Store the frames as a new passage and queue its reading; the same event id again
    returns the passage made the first time. Nothing is stored when anything is wrong."""
    if not EVENT_ID.fullmatch(event_id or ""):
        raise CaptureError("event_id: 1-100 letters, digits or . _ : -")
    existing = _received_before(station, lane, event_id)
    if existing is not None:
        return CaptureOutcome(existing, created=False)
    checked = validated_images(uploads)
    passage = Passage(
        lane=lane,
        station=station,
        direction=_direction(lane),
        idempotency_key=event_id,
        read_status=ReadStatus.PENDING,
    )
    details = {"lane": lane.code, "event_id": event_id, "frames": len(checked)}
    outcome = _save_new(passage, checked, "capture.received", details)
    if outcome.created:
        _queue_reading(passage)
    return outcome


def _check_serves(station: Station, lane: Lane) -> None:
    if not station.serves(lane):
        raise CaptureError(f"station {station.code} does not serve lane {lane.code}", 403)


def _received_before(station: Station, lane: Lane, event_id: str) -> Passage | None:
    """The passage this station event made before, once the station may use the lane."""
    _check_serves(station, lane)
    return _existing(lane, event_id)


def _commit_keeping_state() -> None:
    """Commit without expiring what the session holds: the answer to the station is built
    from the passage as this transaction wrote it, without loading it again."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _save_new(
    passage: Passage,
    checked: list[tuple[Upload, int, int, str]],
    action: str,
    details: Mapping[str, object],
    before_commit: Callable[[Passage], object] | None = None,
) -> CaptureOutcome:
    """Store the frames with a new passage, audit its arrival and commit, running
    ``before_commit`` in the same transaction. If the same event was stored meanwhile by
    a concurrent request, that passage is returned; a failure leaves no files behind."""
    lane, event_id = passage.lane, passage.idempotency_key or ""
    stored: list[str] = []
    try:
        for upload, width, height, kind in checked:
            path = store_new("captures", kind.split("/")[1], upload.data)
            stored.append(path)
            passage.images.append(
                PassageImage(
                    stored_path=path,
                    content_type=kind,
                    width=width,
                    height=height,
                    sha256=hashlib.sha256(upload.data).hexdigest(),
                )
            )
        db.session.add(passage)
        db.session.flush()
        with audit.batched():  # linked into the chain just before the commit
            audit.record(action, entity_type="passage", entity_id=passage.id, details=dict(details))
            if before_commit is not None:
                before_commit(passage)
        _commit_keeping_state()
    except IntegrityError:
        # The same event arrived twice at once: the other request stored it.
        db.session.rollback()
        _remove(stored)
        again = _existing(lane, event_id)
        if again is None:
            raise
        return CaptureOutcome(again, created=False)
    except Exception:
        db.session.rollback()
        _remove(stored)
        raise
    return CaptureOutcome(passage, created=True)


def _queue_reading(passage: Passage) -> None:
    """Queue the OCR job. If the queue cannot be reached the capture stays stored (the
    frames are evidence) and is marked failed with the reason, for the guard to see."""
    try:
        jobs.enqueue(read_capture, passage.id, job_id=f"read-capture-{passage.id}")
    except Exception as exc:  # Redis down, or a job-layer fault: report, do not lose data
        current_app.logger.exception("could not queue the reading of capture %s", passage.id)
        db.session.rollback()
        passage.read_status = ReadStatus.FAILED
        passage.read_error = f"{UNQUEUED}: {type(exc).__name__}: {exc}"[:500]
        db.session.commit()
    db.session.refresh(passage)


UNQUEUED = "could not queue the reading"


def requeue_unqueued(limit: int = 200) -> int:
    """Captures stored while the queue was down (Redis stopped) are queued again once it is
    back: their frames are read as if they had just arrived. Returns how many."""
    waiting = list(
        db.session.scalars(
            select(Passage)
            .where(
                Passage.read_status == ReadStatus.FAILED, Passage.read_error.like(f"{UNQUEUED}%")
            )
            .order_by(Passage.id)
            .limit(limit)
        )
    )
    for passage in waiting:
        passage.read_status, passage.read_error = ReadStatus.PENDING, None
        db.session.commit()
        _queue_reading(passage)
        if passage.read_status is ReadStatus.FAILED:
            return waiting.index(passage)  # still down: the next run tries again
    return len(waiting)


# A capture still waiting for its reading this long after it arrived is checked against
# Redis: queue waits and a dead reader's retry (see gatekeeper.worker) take less.
LOST_AFTER = timedelta(minutes=3)


def requeue_lost(now: datetime, limit: int = 200) -> int:
    """Captures whose reading job Redis lost (restarted without its data, or a worker that
    died after taking the job and before starting it) are queued again; one whose job
    ended without storing a reading (failed for good, a worker lost on its last retry) is
    marked failed, for the guard. Returns how many were queued again."""
    layer = jobs.queues()
    if layer.embedded:
        return 0
    waiting = list(
        db.session.scalars(
            select(Passage)
            .where(
                Passage.read_status == ReadStatus.PENDING, Passage.occurred_at < now - LOST_AFTER
            )
            .order_by(Passage.id)
            .limit(limit)
        )
    )
    queued = 0
    for passage in waiting:
        found = layer.fetch(f"read-capture-{passage.id}")
        why = layer.lost(found)
        if why is None:
            continue
        if why in (jobs.MISSING, jobs.NEVER_STARTED):
            current_app.logger.warning("capture %s: reading job %s, queued again", passage.id, why)
            if found is not None:
                found.delete()
            _queue_reading(passage)
            queued += 1
        else:
            passage.read_status = ReadStatus.FAILED
            passage.read_error = f"reading job {why} without a result"
            db.session.commit()
    return queued


def _remove(paths: list[str]) -> None:
    root = files_root()
    for path in paths:
        (root / path).unlink(missing_ok=True)


def accept_event(station: Station, lane: Lane, event: AnprEvent) -> CaptureOutcome:
    """A smart ANPR camera's own reading: stored as a passage (with its image, if sent)
    and decided at once, in one transaction; the barrier opens after the commit when the
    decision allows. The same event id again returns the first passage: found by the
    database's unique (lane, event id) when the passage is stored, not looked up before
    every event (a station's retry is rare; a lookup costs every event)."""
    _check_serves(station, lane)
    checked = validated_images([Upload("image", event.image)]) if event.image else []
    hazard = None
    if event.un or event.hin:
        confidence = event.hazard_confidence
        hazard = {
            "hin": event.hin,
            "un": event.un,
            "confidence": confidence if confidence is not None else event.confidence,
        }
    passage = Passage(
        lane=lane,
        station=station,
        direction=_direction(lane),
        idempotency_key=event.event_id,
        read_status=ReadStatus.NOT_NEEDED,
        images=[],  # known empty until an image is added: the answer need not look
        plate_read=event.plate[:20],
        plate_confidence=event.confidence,
        plate_colour=event.plate_colour,
        hin_read=event.hin,
        un_read=event.un,
        hazard_confidence=hazard["confidence"] if hazard else None,
        reads={
            "source": "anpr_camera",
            "plate": event.plate,
            "confidence": event.confidence,
            "plate_colour": event.plate_colour,
            "candidates": [{"text": event.plate, "confidence": event.confidence}],
            "hazard": hazard,
        },
    )
    details = {"lane": lane.code, "event_id": event.event_id, "plate": event.plate}
    outcome = _save_new(
        passage, checked, "anpr.event_received", details, lambda new: gate.decide(new, fresh=True)
    )
    if outcome.created:
        gate.open_barrier(passage)
    return outcome

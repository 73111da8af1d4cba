"""Retention: passages with their images, gate documents (waybills among them), sightings
and person passages are kept for the park's retention period (at least 12 months, the
legal minimum for waybills and gate records), then purged by the daily job, files first
from the storage, in batches so that a year of history never sits in one transaction.
The audit log is never purged (it keeps what happened, not the images)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from gatekeeper.extensions import db
from gatekeeper.models import (
    Alert,
    Document,
    Passage,
    PassageImage,
    PersonPassage,
    Presence,
    Sighting,
)
from gatekeeper.services import audit
from gatekeeper.services.storage import files_root

MINIMUM_DAYS = 366
BATCH = 1000


@dataclass
class Purged:
    passages: int = 0
    images: int = 0
    documents: int = 0
    sightings: int = 0
    person_passages: int = 0
    files: list[str] = field(default_factory=list, repr=False)


def _remove_files(paths: list[str]) -> None:
    root = files_root()
    for path in paths:
        (root / path).unlink(missing_ok=True)


def _purge_passages(cutoff: datetime, purged: Purged) -> bool:
    """One batch of old passages (not the entry of anyone still inside); True if any."""
    inside = select(Presence.entry_passage_id).where(Presence.entry_passage_id.is_not(None))
    ids = list(
        db.session.scalars(
            select(Passage.id)
            .where(Passage.occurred_at < cutoff, Passage.id.not_in(inside))
            .order_by(Passage.id)
            .limit(BATCH)
        )
    )
    if not ids:
        return False
    images = db.session.execute(
        select(PassageImage.id, PassageImage.stored_path).where(PassageImage.passage_id.in_(ids))
    ).all()
    documents = db.session.execute(
        select(Document.id, Document.stored_path).where(Document.passage_id.in_(ids))
    ).all()
    db.session.execute(update(Alert).where(Alert.passage_id.in_(ids)).values(passage_id=None))
    db.session.execute(
        update(PersonPassage)
        .where(PersonPassage.vehicle_passage_id.in_(ids))
        .values(vehicle_passage_id=None)
    )
    db.session.execute(delete(PassageImage).where(PassageImage.passage_id.in_(ids)))
    db.session.execute(delete(Document).where(Document.passage_id.in_(ids)))
    db.session.execute(delete(Passage).where(Passage.id.in_(ids)))
    purged.passages += len(ids)
    purged.images += len(images)
    purged.documents += len(documents)
    purged.files += [path for _, path in images] + [path for _, path in documents]
    return True


def _purge_sightings(cutoff: datetime) -> tuple[int, list[str]]:
    rows = db.session.execute(
        select(Sighting.id, Sighting.image_path)
        .where(Sighting.occurred_at < cutoff)
        .order_by(Sighting.id)
        .limit(BATCH)
    ).all()
    if rows:
        db.session.execute(delete(Sighting).where(Sighting.id.in_([i for i, _ in rows])))
    return len(rows), [path for _, path in rows if path]


def _purge_person_passages(cutoff: datetime) -> int:
    ids = list(
        db.session.scalars(
            select(PersonPassage.id)
            .where(PersonPassage.occurred_at < cutoff)
            .order_by(PersonPassage.id)
            .limit(BATCH)
        )
    )
    if ids:
        db.session.execute(delete(PersonPassage).where(PersonPassage.id.in_(ids)))
    return len(ids)


def purge(now: datetime, keep_days: int) -> Purged:
    """Delete what is older than ``keep_days`` (never less than a year), batch by batch,
    committing each; the files go after their rows are gone."""
    cutoff = now - timedelta(days=max(MINIMUM_DAYS, keep_days))
    purged = Purged()
    while _purge_passages(cutoff, purged):
        db.session.commit()
        _remove_files(purged.files)
        purged.files.clear()
    while True:
        count, paths = _purge_sightings(cutoff)
        db.session.commit()
        _remove_files(paths)
        purged.sightings += count
        if count < BATCH:
            break
    while (count := _purge_person_passages(cutoff)) > 0:
        db.session.commit()
        purged.person_passages += count
    audit.record(
        "retention.purged",
        details={
            "before": cutoff.isoformat(),
            "passages": purged.passages,
            "images": purged.images,
            "documents": purged.documents,
            "sightings": purged.sightings,
            "person_passages": purged.person_passages,
        },
        actor="system",
    )
    db.session.commit()
    return purged

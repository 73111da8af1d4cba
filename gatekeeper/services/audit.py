"""Writing and verifying the hash-chained audit log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import Flask, g, has_request_context
from flask_login import current_user
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from gatekeeper.extensions import db
from gatekeeper.models.audit import GENESIS_HASH, AuditEntry, canonical_json
from gatekeeper.models.types import utcnow
from gatekeeper.services.locks import park_write_lock


class AuditLogIsAppendOnly(RuntimeError):
    pass


def init_app(app: Flask) -> None:
    if not event.contains(Session, "before_flush", _refuse_audit_changes):
        event.listen(Session, "before_flush", _refuse_audit_changes)


def _refuse_audit_changes(session: Session, _context: object, _instances: object) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")


def _current_actor() -> tuple[int | None, str]:
    if has_request_context():
        if current_user and current_user.is_authenticated:
            return current_user.id, f"user:{current_user.username}"
        station = g.get("station")
        if station is not None:
            return None, f"station:{station.code}"
    return None, "system"


def record(
    action: str,
    *,
    entity_type: str | None = None,
    entity_id: object = None,
    details: dict[str, Any] | None = None,
    actor: str | None = None,
    actor_user_id: int | None = None,
) -> AuditEntry:
    """Append one entry to the chain in the caller's transaction (committed with it)."""
    session = db.session
    park_write_lock()  # appends are serialised across processes
    tail = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    if actor is None:
        actor_user_id, actor = _current_actor()
    entry = AuditEntry(
        seq=(tail.seq + 1) if tail else 1,
        occurred_at=utcnow(),
        actor_user_id=actor_user_id,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        details=canonical_json(details or {}),
        prev_hash=tail.hash if tail else GENESIS_HASH,
    )
    entry.hash = entry.compute_hash()
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    problem: str


@dataclass(frozen=True)
class VerifyResult:
    entries: int
    breaks: list[ChainBreak]

    @property
    def ok(self) -> bool:
        return not self.breaks


def _walk(batch_size: int = 1000) -> Iterator[AuditEntry]:
    last_seq = 0
    while True:
        batch = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.seq > last_seq)
            .order_by(AuditEntry.seq)
            .limit(batch_size)
        ).all()
        if not batch:
            return
        yield from batch
        last_seq = batch[-1].seq
        db.session.expunge_all()


def verify_chain() -> VerifyResult:
    """Recompute every hash and check every link, from the first entry to the last."""
    breaks: list[ChainBreak] = []
    expected_prev, expected_seq, count = GENESIS_HASH, 1, 0
    for entry in _walk():
        count += 1
        if entry.seq != expected_seq:
            breaks.append(ChainBreak(entry.seq, f"sequence gap: expected {expected_seq}"))
        if entry.prev_hash != expected_prev:
            breaks.append(ChainBreak(entry.seq, "link to the previous entry does not match"))
        if entry.compute_hash() != entry.hash:
            breaks.append(ChainBreak(entry.seq, "content does not match its hash (edited)"))
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    return VerifyResult(entries=count, breaks=breaks)

"""Writing and verifying the hash-chained audit log."""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_request_context
from flask_login import current_user
from sqlalchemy import event, inspect, select
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
    """Append one entry to the chain in the caller's transaction (committed with it).
    Inside :func:`batched`, the entry is linked into the chain when the block ends."""
    if actor is None:
        actor_user_id, actor = _current_actor()
    entry = AuditEntry(
        occurred_at=utcnow(),
        actor_user_id=actor_user_id,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        details=canonical_json(details or {}),
    )
    batch = db.session().info.get(_BATCH)
    if batch is not None:
        batch.append(entry)
    else:
        _append([entry])
    return entry


def apply_changes(
    target: Any,
    values: dict[str, Any],
    action: str,
    *,
    entity_type: str,
    user: Any,
    details: dict[str, Any] | None = None,
) -> list[str]:
    """Set each of ``values`` that differs on ``target`` and record them as one entry by
    ``user``, with each field's old and new value under "changes" (nothing changed:
    nothing recorded). Returns the fields changed, sorted."""
    changes = {
        name: [getattr(target, name), new]
        for name, new in values.items()
        if getattr(target, name) != new
    }
    for name, (_old, new) in changes.items():
        setattr(target, name, new)
    if changes:
        record(
            action,
            entity_type=entity_type,
            entity_id=inspect(target).identity[0],
            details={**(details or {}), "changes": changes},
            actor_user_id=user.id,
            actor=user.username,
        )
    return sorted(changes)


_BATCH = "gatekeeper.audit_batch"


@contextmanager
def batched() -> Iterator[None]:
    """Collect the entries recorded in the block and link them into the chain at its end,
    all at once. Appending takes the park's write lock (the chain is one sequence), so a
    transaction that records early and commits late would hold every other writer back:
    a decision records in such a block and commits right after it."""
    session = db.session()
    if session.info.get(_BATCH) is not None:  # already collecting: the outer block links
        yield
        return
    entries: list[AuditEntry] = []
    session.info[_BATCH] = entries
    try:
        yield
    finally:
        session.info.pop(_BATCH, None)
    if entries:
        _append(entries)


def _append(entries: list[AuditEntry]) -> None:
    """Link ``entries`` to the chain's tail, in order, and flush them."""
    session = db.session
    park_write_lock()  # appends are serialised across processes
    tail = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (tail.seq, tail.hash) if tail else (0, GENESIS_HASH)
    for entry in entries:
        seq += 1
        entry.seq, entry.prev_hash = seq, prev_hash
        entry.hash = prev_hash = entry.compute_hash()
    session.add_all(entries)
    session.flush()


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
    """Recompute every hash and check every link, from the first entry to the last, then
    check the chain against its signed checkpoints (see :func:`write_checkpoint`)."""
    breaks: list[ChainBreak] = []
    checkpoints = read_checkpoints()
    anchored = {c.seq for c in checkpoints}
    hashes: dict[int, str] = {}
    expected_prev, expected_seq, count = GENESIS_HASH, 1, 0
    for entry in _walk():
        count += 1
        if entry.seq != expected_seq:
            breaks.append(ChainBreak(entry.seq, f"sequence gap: expected {expected_seq}"))
        if entry.prev_hash != expected_prev:
            breaks.append(ChainBreak(entry.seq, "link to the previous entry does not match"))
        if entry.compute_hash() != entry.hash:
            breaks.append(ChainBreak(entry.seq, "content does not match its hash (edited)"))
        if entry.seq in anchored:
            hashes[entry.seq] = entry.hash
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    breaks += _checkpoint_breaks(checkpoints, hashes)
    return VerifyResult(entries=count, breaks=breaks)


# --- checkpoints: the chain anchored outside the database ----------------------------------
#
# The chain alone proves that no entry was changed *inside* it, but whoever can write the
# database can cut its tail off, or rewrite the tail and recompute every hash after the
# change. So the chain's head (sequence number and hash) is signed with a key that is not
# in the database (GATEKEEPER_AUDIT_KEY) and appended to a file in the shared storage, every
# few minutes by a periodic job. Verification then also requires each signed head to be
# in the chain with the same hash: a truncated or rewritten tail is found, up to the last
# checkpoint. (Entries after it are protected from the next checkpoint on.)


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    mac: str

    def expected_mac(self, key: str) -> str:
        message = f"{self.seq}|{self.hash}|{self.at}".encode()
        return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def checkpoint_file() -> Path:
    return Path(current_app.config["GATEKEEPER"].files_dir) / "audit" / "checkpoints.jsonl"


def read_checkpoints() -> list[Checkpoint]:
    path = checkpoint_file()
    if not path.exists():
        return []
    found = []
    for line in path.read_text().splitlines():
        try:
            found.append(Checkpoint(**json.loads(line)))
        except (ValueError, TypeError):
            found.append(Checkpoint(seq=0, hash="", at="", mac="unreadable line"))
    return found


def write_checkpoint() -> Checkpoint | None:
    """Sign the chain's head and append it to the checkpoint file (nothing when the head
    is already signed, or the log is empty)."""
    head = db.session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    if head is None:
        return None
    path = checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # one writer at a time, across processes
        handle.seek(0)
        lines = handle.read().splitlines()
        if lines and json.loads(lines[-1]).get("seq") == head.seq:
            return None
        unsigned = Checkpoint(head.seq, head.hash, utcnow().isoformat(), "")
        signed = Checkpoint(**{**asdict(unsigned), "mac": unsigned.expected_mac(_key())})
        handle.write(json.dumps(asdict(signed)) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return signed


def _key() -> str:
    return str(current_app.config["GATEKEEPER_AUDIT_KEY"])


def _checkpoint_breaks(checkpoints: list[Checkpoint], hashes: dict[int, str]) -> list[ChainBreak]:
    key, breaks = _key(), []
    for checkpoint in checkpoints:
        if not hmac.compare_digest(checkpoint.mac, checkpoint.expected_mac(key)):
            breaks.append(ChainBreak(checkpoint.seq, "checkpoint signature invalid"))
        elif checkpoint.seq not in hashes:
            breaks.append(
                ChainBreak(checkpoint.seq, "missing: the log was cut after a signed checkpoint")
            )
        elif hashes[checkpoint.seq] != checkpoint.hash:
            breaks.append(
                ChainBreak(checkpoint.seq, "differs from its signed checkpoint (rewritten)")
            )
    return breaks

"""The append-only, hash-chained audit log.

Each row carries the hash of the row before it, so that editing, deleting or inserting a
row anywhere in the past breaks the chain; ``flask audit verify`` finds the first break.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gatekeeper.extensions import Model
from gatekeeper.models.types import UTCDateTime

GENESIS_HASH = "0" * 64


class AuditEntry(Model):
    __tablename__ = "audit_entry"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str | None] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    # Canonical JSON text (sorted keys), hashed exactly as stored.
    details: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def hashed_fields(self) -> dict[str, Any]:
        return {
            "prev_hash": self.prev_hash,
            "seq": self.seq,
            "occurred_at": self.occurred_at,
            "actor_user_id": self.actor_user_id,
            "actor": self.actor,
            "action": self.action,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "details": self.details,
        }

    def compute_hash(self, **changes: Any) -> str:
        """This entry's hash, or the hash it would have with ``changes`` applied."""
        return chain_hash(**{**self.hashed_fields(), **changes})

    @property
    def details_dict(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.details)
        return loaded


def canonical_json(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def chain_hash(*, prev_hash: str, occurred_at: datetime, **fields: Any) -> str:
    payload = canonical_json({**fields, "occurred_at": occurred_at.isoformat()})
    return hashlib.sha256(f"{prev_hash}|{payload}".encode()).hexdigest()

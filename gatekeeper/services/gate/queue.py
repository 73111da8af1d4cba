"""The holding-lot queue: vehicles sent to wait, oldest first, and the ones that left
without being called."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from gatekeeper.domain.gate import Decision
from gatekeeper.extensions import db
from gatekeeper.models import (
    Lane,
    Passage,
    PassageDirection,
)
from gatekeeper.services import audit
from gatekeeper.services.locks import park_write_lock


def waiting_query() -> Any:
    return select(Passage).where(
        Passage.decision == Decision.HOLD,
        Passage.released_at.is_(None),
        Passage.direction == PassageDirection.IN,
    )


def holding_queue(lanes: list[Lane] | None = None) -> list[Passage]:
    """Vehicles sent to the holding lot and not yet released, oldest first."""
    query = waiting_query()
    if lanes is not None:
        query = query.where(Passage.lane_id.in_([lane.id for lane in lanes]))
    return list(db.session.scalars(query.order_by(Passage.occurred_at, Passage.id)))


def expire_held(now: datetime, longest_wait: timedelta) -> list[Passage]:
    """Vehicles held for longer than ``longest_wait`` have left without being called:
    they leave the queue (released, audited as expired) instead of filling it forever.
    No commit."""
    park_write_lock()
    expired = list(
        db.session.scalars(
            waiting_query().where(Passage.occurred_at < now - longest_wait).with_for_update()
        )
    )
    for passage in expired:
        passage.released_at = now
        audit.record(
            "gate.hold_expired",
            entity_type="passage",
            entity_id=passage.id,
            details={
                "lane": passage.lane.code,
                "plate": passage.plate_read,
                "held_since": passage.occurred_at.isoformat(),
            },
            actor="system",
        )
    return expired

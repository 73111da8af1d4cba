"""The barrier: claimed once per passage with a conditional update, driven after the
decision is committed, every opening and failed opening audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import CursorResult

from gatekeeper.barriers import BarrierConfigError, barrier_for
from gatekeeper.domain.gate import Decision
from gatekeeper.extensions import db
from gatekeeper.models import (
    Passage,
    User,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit
from gatekeeper.services.gate.apply import record_passed


def should_open(passage: Passage) -> bool:
    return passage.decision is Decision.ALLOW and passage.barrier_opened_at is None


def _claim_barrier(passage: Passage) -> bool:
    """Claim the one opening of an allowed passage's barrier with a conditional update:
    of two clicks (or a click and the job) only one changes the row. Commits the claim,
    so that the relay is driven outside any lock."""
    claimed: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        update(Passage)
        .where(
            Passage.id == passage.id,
            Passage.decision == Decision.ALLOW,
            Passage.barrier_opened_at.is_(None),
        )
        .values(barrier_opened_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    rows = claimed.rowcount
    db.session.commit()
    db.session.refresh(passage)
    return bool(rows)


def open_barrier(passage: Passage, user: User | None = None) -> bool:
    """Lift the lane's barrier for an allowed passage (after its decision is committed)
    and log the attempt; commits. Returns whether it opened. The barrier is driven once
    per passage whoever asks how often; a failed opening gives the claim back."""
    if not should_open(passage) or not _claim_barrier(passage):
        return False
    lane = passage.lane
    try:
        outcome = barrier_for(lane.barrier).open(lane.code, passage.id)
        opened, adapter, detail = outcome.opened, outcome.adapter, outcome.detail
    except BarrierConfigError as exc:
        opened, adapter, detail = False, "misconfigured", str(exc)
    if opened:
        record_passed(passage, utcnow())
    else:
        passage.barrier_opened_at = None
    audit.record(
        "barrier.open" if opened else "barrier.failed",
        entity_type="passage",
        entity_id=passage.id,
        details={"lane": lane.code, "adapter": adapter, "detail": detail},
        actor_user_id=user.id if user else None,
        actor=user.username if user else "system",
    )
    db.session.commit()
    return opened

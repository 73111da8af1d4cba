"""Opening and closing a lane at the kiosk: a guard closes a lane whose barrier or camera is
broken (vehicles there go to the guard: "lane closed"), and opens the emergency lane when
fire engines or ambulances come (they pass with every check bypassed, each passage alerted)
and closes it after. Either needs a reason, kept on the lane with the time and the guard and
in the audit log; opening the emergency lane is itself a critical alert (the emergency is
under way before the first vehicle passes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from gatekeeper.domain.messages import N_, phrase
from gatekeeper.extensions import db
from gatekeeper.models import Alert, AlertKind, Lane, LaneKind, Severity, User
from gatekeeper.services import audit
from gatekeeper.services.input_errors import InputErrors

REASON_MAX = 255


class LaneStateError(InputErrors):
    """The lane's state cannot be changed as asked: ``errors`` maps the field to its message."""


def set_open(lane: Lane, is_open: bool, reason: str, user: User, now: datetime) -> bool:
    """Open or close the lane, with the reason. Returns whether it changed (False: it was
    so already, nothing written). No commit."""
    reason = " ".join((reason or "").split())
    if len(reason) < 3:
        raise LaneStateError({"reason": N_("say why (at least 3 characters)")})
    if len(reason) > REASON_MAX:
        raise LaneStateError({"reason": N_("too long or too short")})
    db.session.refresh(lane, with_for_update=True)  # two guards at once: one after the other
    if lane.is_open == is_open:
        return False
    lane.is_open = is_open
    lane.state_reason = reason
    lane.state_changed_at = now
    lane.state_changed_by_id = user.id
    audit.record(
        "lane.opened" if is_open else "lane.closed",
        entity_type="lane",
        entity_id=lane.id,
        details={"lane": lane.code, "reason": reason},
        actor_user_id=user.id,
        actor=user.username,
    )
    if is_open and lane.kind is LaneKind.EMERGENCY:
        key = f"emergency-open:{lane.id}:{now.isoformat()}"
        if db.session.scalar(select(Alert.id).where(Alert.dedup_key == key)) is None:
            db.session.add(
                Alert.draft(
                    phrase(
                        N_("Emergency lane %(lane)s opened by %(name)s: %(reason)s"),
                        lane=lane.code,
                        name=user.display_name,
                        reason=reason,
                    ),
                    kind=AlertKind.EMERGENCY_LANE,
                    severity=Severity.CRITICAL,
                    dedup_key=key,
                )
            )
    db.session.flush()
    return True

"""The alert workflow: a manager acknowledges an alert (someone is on it) and resolves it
with a comment saying how it was handled. Each step is audited under the user's name."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from gatekeeper.domain.messages import N_, Phrase
from gatekeeper.extensions import db
from gatekeeper.models import Alert, AlertKind, AlertStatus, Severity, User
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit


@dataclass(frozen=True)
class AlertDraft:
    """An alert a periodic check would raise; ``dedup_key`` names what it is about."""

    kind: AlertKind
    severity: Severity
    text: Phrase
    dedup_key: str
    vehicle_id: int | None = None
    person_id: int | None = None
    booking_id: int | None = None
    evidence: dict[str, Any] | None = field(default=None, compare=False)


def raise_new(drafts: Iterable[AlertDraft]) -> int:
    """Insert the alerts not raised before (by dedup key) and commit; how many are new."""
    pending = {draft.dedup_key[:160]: draft for draft in drafts}
    if not pending:
        return 0
    known = set(db.session.scalars(select(Alert.dedup_key).where(Alert.dedup_key.in_(pending))))
    fresh = [draft for key, draft in pending.items() if key not in known]
    for draft in fresh:
        values = {k: v for k, v in draft.__dict__.items() if k not in ("text", "dedup_key")}
        db.session.add(Alert.draft(draft.text, dedup_key=draft.dedup_key[:160], **values))
    db.session.commit()
    return len(fresh)


def latest_about(limit: int, **subject: int) -> list[Alert]:
    """The newest alerts about one vehicle or person (``vehicle_id=`` or ``person_id=``)."""
    return list(
        db.session.scalars(
            select(Alert)
            .filter_by(**subject)
            .order_by(Alert.created_at.desc(), Alert.id.desc())
            .limit(limit)
        )
    )


class AlertActionError(ValueError):
    """The step cannot be taken as asked (shown to the user)."""


def _locked(alert_id: int) -> Alert:
    alert = db.session.scalar(
        select(Alert)
        .where(Alert.id == alert_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if alert is None:
        raise LookupError(alert_id)
    return alert


def acknowledge(alert_id: int, user: User, comment: str | None) -> Alert:
    alert = _locked(alert_id)
    if alert.status is not AlertStatus.OPEN:
        raise AlertActionError(N_("this alert is no longer open"))
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_by_id = user.id
    alert.acknowledged_at = utcnow()
    alert.acknowledge_comment = (comment or "").strip()[:500] or None
    _record(alert, user, "alert.acknowledged", alert.acknowledge_comment)
    return alert


def resolve(alert_id: int, user: User, comment: str | None) -> Alert:
    alert = _locked(alert_id)
    resolution = (comment or "").strip()
    if not resolution:
        raise AlertActionError(N_("say how the alert was handled"))
    if alert.status is AlertStatus.RESOLVED:
        raise AlertActionError(N_("this alert is already resolved"))
    now = utcnow()
    if alert.acknowledged_at is None:
        alert.acknowledged_by_id, alert.acknowledged_at = user.id, now
    alert.status = AlertStatus.RESOLVED
    alert.resolved_by_id = user.id
    alert.resolved_at = now
    alert.resolution = resolution[:500]
    _record(alert, user, "alert.resolved", alert.resolution)
    return alert


def _record(alert: Alert, user: User, action: str, comment: str | None) -> None:
    audit.record(
        action,
        entity_type="alert",
        entity_id=alert.id,
        details={"kind": alert.kind.value, "comment": comment},
        actor_user_id=user.id,
        actor=user.username,
    )

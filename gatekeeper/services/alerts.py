"""The alert workflow: a manager acknowledges an alert (someone is on it) and resolves it
with a comment saying how it was handled. Each step is audited under the user's name."""

from __future__ import annotations

from sqlalchemy import select

from gatekeeper.domain.messages import N_
from gatekeeper.extensions import db
from gatekeeper.models import Alert, AlertStatus, User
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit


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

"""Users' API tokens: issued (shown once, only the hash kept) and revoked, each audited."""

from __future__ import annotations

from sqlalchemy import select

from gatekeeper.extensions import db
from gatekeeper.models import ApiToken, User
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit


def issue_token(user: User, name: str, *, actor: str | None = None) -> str:
    """A new token for the user; returns it (it cannot be shown again). No commit."""
    row, token = ApiToken.issue(user, name.strip() or "API")
    db.session.add(row)
    db.session.flush()
    audit.record(
        "api_token.issued",
        entity_type="api_token",
        entity_id=row.id,
        details={"user": user.username, "name": row.name, "hint": row.token_hint},
        actor=actor,
    )
    return token


def revoke_token(user: User, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False when there is no such active token."""
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if row is None or not row.active:
        return False
    row.revoked_at = utcnow()
    audit.record(
        "api_token.revoked",
        entity_type="api_token",
        entity_id=row.id,
        details={"user": user.username, "name": row.name},
    )
    return True


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )

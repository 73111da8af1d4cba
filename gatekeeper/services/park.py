"""The park's settings, read once per use."""

from __future__ import annotations

from sqlalchemy import select

from gatekeeper.extensions import db
from gatekeeper.models import Park


def park_settings() -> Park:
    """The configured park, or the default thresholds while none is configured."""
    park = db.session.scalar(select(Park).order_by(Park.id).limit(1))
    return park if park is not None else Park.with_defaults()

"""When a dated document stops being good enough."""

from __future__ import annotations

import enum
from datetime import date, timedelta


class ExpiryState(enum.StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    MISSING = "missing"


def expiry_state(expires_on: date | None, today: date, warning_days: int) -> ExpiryState:
    """A document is valid through its expiry day and expired from the day after."""
    if expires_on is None:
        return ExpiryState.MISSING
    if expires_on < today:
        return ExpiryState.EXPIRED
    if expires_on <= today + timedelta(days=warning_days):
        return ExpiryState.EXPIRING
    return ExpiryState.VALID

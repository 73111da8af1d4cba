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


def registration_holds(last_day: date | None, day: date) -> bool:
    """Whether a park company's vehicle is registered on ``day`` (its registration's last
    day not yet past; None: the vehicle has no such registration)."""
    return last_day is not None and last_day >= day

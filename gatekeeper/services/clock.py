"""The park's clock: one time zone for every day, time and message a person sees.

Timestamps are stored in UTC; what a day is (today's bookings, "expires today", the
kiosk's times, the rules' messages) is the park's local day and time, from here only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import g, has_app_context

from gatekeeper.models.types import utcnow
from gatekeeper.services.park import park_settings


def park_zone() -> ZoneInfo:
    """The park's time zone (read once per request or job)."""
    if has_app_context() and "park_zone" in g:
        return g.park_zone  # type: ignore[no-any-return]
    zone = ZoneInfo(park_settings().timezone or "UTC")
    if has_app_context():
        g.park_zone = zone
    return zone


def park_now() -> datetime:
    return utcnow().astimezone(park_zone())


def park_today() -> date:
    return park_now().date()


def local(moment: datetime) -> datetime:
    return moment.astimezone(park_zone())


# The days a park's records and plans can be about: a day asked for outside them (a typo's
# year 0001 or 9999) is refused where it is read, not left to overflow a time computation.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)


def plausible_day(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def parse_day(text: str) -> date:
    """A day from ISO 8601 text (YYYY-MM-DD) between FIRST_DAY and LAST_DAY; ValueError
    otherwise."""
    day = date.fromisoformat(text)
    if not plausible_day(day):
        raise ValueError(f"{text}: a day from {FIRST_DAY} to {LAST_DAY}")
    return day


def day_bounds(day: date, zone: ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """The park's local day (or ``zone``'s) as a UTC interval (23 or 25 hours on a DST
    change)."""
    zone = zone or park_zone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def format_moment(moment: datetime | None) -> str:
    """The one way a time is shown: HH:MM:SS today, YYYY-MM-DD HH:MM otherwise."""
    if moment is None:
        return "—"
    shown = local(moment)
    if shown.date() == park_today():
        return f"{shown:%H:%M:%S}"
    return f"{shown:%Y-%m-%d %H:%M}"

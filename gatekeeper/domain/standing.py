"""Whether a blacklisting or suspension is in force on a day.

A park bars a vehicle or a person for a time (repeated illegal parking: a year on the
blacklist) or until lifted. The bar's last day is kept with it; past that day the vehicle
or person is in good standing again without anyone having to lift it.
"""

from __future__ import annotations

from datetime import date

BARRED = ("blacklisted", "suspended")


def barred_on(standing: str, until: date | None, day: date) -> bool:
    """Whether ``standing`` (a Standing value) bars entry on ``day``: blacklisted or
    suspended, with no last day or a last day not yet past."""
    return standing in BARRED and (until is None or until >= day)


def in_force(standing: str, until: date | None, day: date) -> str:
    """The standing that holds on ``day``: ``"active"`` once a bar's last day is past."""
    return standing if barred_on(standing, until, day) else "active"


def standing_json(standing: str, until: date | None, day: date) -> dict[str, str | None]:
    """The standing as the API answers it: as it holds on ``day``, with a bar's last day."""
    now = in_force(standing, until, day)
    return {
        "standing": now,
        "standing_until": until.isoformat() if until and now != "active" else None,
    }

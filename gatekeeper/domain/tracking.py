"""Route tracking inside the park: what a checkpoint sighting, or the passing of time,
says about a vehicle and its booked route. Pure functions: facts in, findings out.

A booked route is the ordered list of road nodes from the entry gate through the dock to
the exit gate (``RouteStop`` rows); a checkpoint may occur on it twice (out and back on
the same road). A vehicle's *progress* is the position of the last stop it was seen at.
A sighting is matched to the first occurrence of its checkpoint at or after the progress:

- none at all on the route: **off route**;
- only occurrences before the progress: **wrong direction** (driving back along it);
- a gap from the previous sighting shorter than the road allows at its speed limits,
  plus the park's tolerance: **speeding** (for every vehicle, booked or not).

Time-based findings come from the periodic check: **late** at the next checkpoint of the
route (expected minutes after entry + tolerance), **illegal parking** (in a zone that does
not allow the cargo's hazard classes for longer than the park's limit).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gatekeeper.domain.routing import Road, fastest_legal


class Finding(enum.StrEnum):
    OFF_ROUTE = "off_route"
    WRONG_DIRECTION = "wrong_direction"
    SPEEDING = "speeding"
    LATE = "late"
    PARKING = "parking"


@dataclass(frozen=True)
class Stop:
    """A stop of the booked route: its position, road node code and, for a checkpoint,
    its id; ``due_minutes`` after entry at the speed limits."""

    position: int
    node: str
    checkpoint_id: int | None
    due_minutes: int | None
    dock: bool = False


@dataclass(frozen=True)
class Seen:
    """Where and when a vehicle was last seen: a checkpoint's road node, or its gate."""

    node: str
    at: datetime


@dataclass(frozen=True)
class Outcome:
    """What one sighting means: the new progress along the route (None: not on it) and
    the findings, each with its evidence."""

    progress: int | None
    findings: list[tuple[Finding, dict[str, Any]]] = field(default_factory=list)
    speed_kmh: float | None = None


def match_progress(route: Sequence[Stop], checkpoint_id: int, progress: int | None) -> Outcome:
    """Place a sighting of ``checkpoint_id`` on the route, given the progress so far."""
    occurrences = [s.position for s in route if s.checkpoint_id == checkpoint_id]
    if not route:
        return Outcome(progress)
    if not occurrences:
        expected = [s.node for s in route if s.checkpoint_id is not None]
        return Outcome(progress, [(Finding.OFF_ROUTE, {"route_checkpoints": expected})])
    start = progress if progress is not None else -1
    ahead = [p for p in occurrences if p >= start]
    if ahead:
        return Outcome(ahead[0])
    return Outcome(
        progress,
        [(Finding.WRONG_DIRECTION, {"position": occurrences[-1], "progress": progress})],
    )


def check_speed(
    roads: Sequence[Road],
    previous: Seen | None,
    node: str,
    at: datetime,
    tolerance_percent: int,
) -> tuple[float | None, dict[str, Any] | None]:
    """The average speed since the previous sighting, and evidence of speeding when it
    is above the speed limits by more than the tolerance."""
    if previous is None or at <= previous.at:
        return None, None
    legal = fastest_legal(roads, previous.node, node)
    if legal is None:
        return None, None
    metres, least_seconds = legal
    elapsed = (at - previous.at).total_seconds()
    speed = metres / elapsed * 3.6
    limit = metres / least_seconds * 3.6
    if speed <= limit * (1 + tolerance_percent / 100):
        return round(speed, 1), None
    evidence = {
        "from": previous.node,
        "to": node,
        "metres": metres,
        "seconds": round(elapsed),
        "speed_kmh": round(speed, 1),
        "limit_kmh": round(limit, 1),
    }
    return round(speed, 1), evidence


def next_checkpoint(route: Sequence[Stop], progress: int | None) -> Stop | None:
    """The first checkpoint of the route after the progress so far."""
    start = progress if progress is not None else -1
    return next(
        (s for s in route if s.checkpoint_id is not None and s.position > start),
        None,
    )


def late_at(
    route: Sequence[Stop],
    progress: int | None,
    last_seen: datetime,
    unloaded_at: datetime | None,
    now: datetime,
    tolerance: timedelta,
) -> tuple[Stop, dict[str, Any]] | None:
    """The next checkpoint when the vehicle is overdue there, with the evidence.

    The time runs from where the vehicle was last seen (its progress; the gate at entry)
    at the route's planned pace. Past the dock it runs from the unloading: a vehicle at
    its dock is not late anywhere until the dock marks it unloaded (overstay covers it)."""
    stop = next_checkpoint(route, progress)
    if stop is None or stop.due_minutes is None:
        return None
    dues = {s.position: s.due_minutes or 0 for s in route}
    base_position = progress if progress is not None else route[0].position
    base_time, base_due = last_seen, dues.get(base_position, 0)
    dock = next((s for s in route if s.dock and base_position < s.position < stop.position), None)
    if dock is not None:
        if unloaded_at is None:
            return None
        base_time, base_due = unloaded_at, dues[dock.position]
    due = base_time + timedelta(minutes=max(0, stop.due_minutes - base_due)) + tolerance
    if now <= due:
        return None
    return stop, {
        "checkpoint": stop.node,
        "due_at": due.isoformat(),
        "last_seen_at": base_time.isoformat(),
        "minutes_late": round((now - due).total_seconds() / 60),
    }


def parked_illegally(
    hazard_classes: Sequence[str],
    allowed_classes: Sequence[str],
    still_since: datetime,
    now: datetime,
    limit: timedelta,
) -> dict[str, Any] | None:
    """Evidence when a vehicle carrying classes the zone does not allow has stayed there
    (not seen anywhere else) for longer than the limit."""
    allowed = set(allowed_classes)
    refused = [c for c in hazard_classes if not {c, c.split(".")[0]} & allowed]
    if not refused or now - still_since <= limit:
        return None
    return {
        "classes": refused,
        "since": still_since.isoformat(),
        "minutes": round((now - still_since).total_seconds() / 60),
    }

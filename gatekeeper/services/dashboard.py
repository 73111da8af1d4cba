"""The park manager's dashboard as one JSON snapshot, polled by the page (live without a
reload): occupancy against capacity, the hazardous goods on site, the holding lot, open
alerts, flows per hour and per day, dwell times and each vehicle's last position.

Every figure is read from what is inside now (presence, goods) or from an indexed time
range (today's and the last days' passages), so the cost does not grow with history."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload

from gatekeeper.extensions import db
from gatekeeper.models import (
    Alert,
    AlertStatus,
    Decision,
    Lane,
    LaneKind,
    Passage,
    PassageDirection,
    PersonPassage,
    Presence,
    PresenceKind,
    RoadNode,
    Severity,
    Vehicle,
    Zone,
    ZoneKind,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import holding, inventory
from gatekeeper.services.clock import day_bounds, local, park_today
from gatekeeper.services.park import park_settings

DWELL_BUCKETS_H = (1, 2, 4, 6)  # upper bounds; the last bucket is "over 6 h"
DAYS_SHOWN = 7


def occupancy(waiting_in_lot: int) -> list[dict[str, Any]]:
    vehicle = Presence.kind == PresenceKind.VEHICLE
    hazmat = vehicle & (func.json_array_length(Presence.hazard_classes) > 0)
    counts = {
        zone_id: (int(v), int(h), int(p))
        for zone_id, v, h, p in db.session.execute(
            select(
                Presence.zone_id,
                func.count().filter(vehicle),
                func.count().filter(hazmat),
                func.count().filter(Presence.kind == PresenceKind.PERSON),
            )
            .where(Presence.passed_at.is_not(None))
            .group_by(Presence.zone_id)
        )
    }
    tankers = inventory.tankers_by_zone()
    rows = []
    for zone in db.session.scalars(select(Zone).order_by(Zone.code)):
        vehicles, hazmat_vehicles, people = counts.get(zone.id, (0, 0, 0))
        if zone.kind is ZoneKind.HOLDING:
            # Held vehicles wait in the lot without a place inside the park.
            vehicles += waiting_in_lot
        rows.append(
            {
                "code": zone.code,
                "name": zone.name,
                "vehicles": vehicles,
                "hazmat_vehicles": hazmat_vehicles,
                "people": people,
                "capacity_vehicles": zone.capacity_vehicles,
                "capacity_hazmat_vehicles": zone.capacity_hazmat_vehicles,
                "capacity_people": zone.capacity_people,
                "loaded_tankers": tankers.get(zone.id, {}).get("loaded", 0),
                "empty_tankers": tankers.get(zone.id, {}).get("empty", 0),
            }
        )
    return rows


def _local_hour(column: Any, timezone: str, start: datetime, end: datetime) -> Any:
    """The park-local hour of a UTC timestamp between ``start`` and ``end`` (a park day),
    in SQL. SQLite knows no time zones: each UTC hour of the day from its local midnight is
    labelled with its local hour in Python (a day of a daylight-saving change has 23 or 25)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("hour", func.timezone(timezone, column))
    zone, hours, at = ZoneInfo(timezone), [], start
    while at < end:
        hours.append(
            ((column >= at) & (column < at + timedelta(hours=1)), at.astimezone(zone).hour)
        )
        at += timedelta(hours=1)
    return case(*hours, else_=-1)


def flows_today(timezone: str) -> dict[str, list[int]]:
    """Vehicles in and out and people in per park-local hour of today."""
    start, end = day_bounds(park_today())
    vehicles = {d: [0] * 24 for d in ("vehicles_in", "vehicles_out")}
    hour = _local_hour(Passage.occurred_at, timezone, start, end)
    for direction, at_hour, count in db.session.execute(
        select(Passage.direction, hour, func.count())
        .where(
            Passage.occurred_at >= start,
            Passage.occurred_at < end,
            Passage.decision == Decision.ALLOW,
        )
        .group_by(Passage.direction, hour)
    ):
        key = "vehicles_in" if direction is PassageDirection.IN else "vehicles_out"
        vehicles[key][int(at_hour) % 24] += int(count)
    people = [0] * 24
    person_hour = _local_hour(PersonPassage.occurred_at, timezone, start, end)
    for at_hour, count in db.session.execute(
        select(person_hour, func.count())
        .where(
            PersonPassage.occurred_at >= start,
            PersonPassage.occurred_at < end,
            PersonPassage.allowed,
            PersonPassage.direction == PassageDirection.IN,
        )
        .group_by(person_hour)
    ):
        people[int(at_hour) % 24] += int(count)
    return {**vehicles, "people_in": people}


def _local_day(column: Any, timezone: str, days: list[date]) -> Any:
    """The park-local date (``YYYY-MM-DD``) of a UTC timestamp on one of ``days``, in SQL;
    on SQLite from each day's UTC bounds (which a daylight-saving change moves)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(timezone, column), "YYYY-MM-DD")
    zone, whens = ZoneInfo(timezone), []
    for day in days:
        start, end = day_bounds(day, zone)
        whens.append(((column >= start) & (column < end), day.isoformat()))
    return case(*whens, else_=None)


# Figures of finished days, by (park day, time zone): (when counted, let in, refused).
# A day's passages hardly change once it is over (a guard's late override does), so each
# process counts a finished day once in a while, not at every poll of the dashboard.
_FINISHED_DAYS: dict[tuple[date, str], tuple[datetime, int, int]] = {}
FINISHED_DAY_TTL = timedelta(minutes=10)


def forget_finished_days() -> None:
    _FINISHED_DAYS.clear()


def flows_by_day(timezone: str) -> list[dict[str, Any]]:
    """Vehicles let in and refused per day over the last days (today included). Today is
    counted at every call; a finished day at most every ``FINISHED_DAY_TTL`` (one grouped
    query over an indexed time range, from the first day not known)."""
    today = park_today()
    days = [today - timedelta(days=back) for back in range(DAYS_SHOWN - 1, -1, -1)]
    now = utcnow()
    known: dict[date, tuple[int, int]] = {}
    for day in days[:-1]:
        cached = _FINISHED_DAYS.get((day, timezone))
        if cached is not None and now - cached[0] < FINISHED_DAY_TTL:
            known[day] = cached[1:]
    missing = [d for d in days[:-1] if d not in known]
    since, _ = day_bounds(missing[0] if missing else today)
    _, until = day_bounds(today)
    local_day = _local_day(Passage.occurred_at, timezone, days)
    counts = {
        date.fromisoformat(str(on)): (int(allowed), int(refused))
        for on, allowed, refused in db.session.execute(
            select(
                local_day,
                func.count().filter(Passage.decision == Decision.ALLOW),
                func.count().filter(Passage.decision == Decision.DENY),
            )
            .where(
                Passage.occurred_at >= since,
                Passage.occurred_at < until,
                Passage.direction == PassageDirection.IN,
            )
            .group_by(local_day)
        )
    }
    for finished in missing:
        known[finished] = counts.get(finished, (0, 0))
        _FINISHED_DAYS[(finished, timezone)] = (now, *known[finished])
    known[today] = counts.get(today, (0, 0))
    return [{"day": d.isoformat(), "allowed": known[d][0], "refused": known[d][1]} for d in days]


def dwell(now: datetime) -> list[int]:
    """Vehicles inside now by how long they have been inside (hours: <1, 1-2, 2-4, 4-6, >6)."""
    buckets = [0] * (len(DWELL_BUCKETS_H) + 1)
    for (passed_at,) in db.session.execute(
        select(Presence.passed_at).where(
            Presence.kind == PresenceKind.VEHICLE, Presence.passed_at.is_not(None)
        )
    ):
        if passed_at is None:
            continue
        hours = (now - passed_at).total_seconds() / 3600
        index = next((i for i, top in enumerate(DWELL_BUCKETS_H) if hours < top), -1)
        buckets[index] += 1
    return buckets


def alerts_open() -> dict[str, Any]:
    counts = Counter(
        {
            severity.value: int(count)
            for severity, count in db.session.execute(
                select(Alert.severity, func.count())
                .where(Alert.status != AlertStatus.RESOLVED)
                .group_by(Alert.severity)
            )
        }
    )
    latest = db.session.scalars(
        select(Alert)
        .where(Alert.status == AlertStatus.OPEN)
        .order_by(Alert.created_at.desc(), Alert.id.desc())
        .limit(5)
    ).all()
    return {
        "by_severity": {s.value: counts.get(s.value, 0) for s in Severity},
        "latest": latest,
        "newest_id": max((a.id for a in latest), default=0),
    }


def positions() -> list[dict[str, Any]]:
    """Each vehicle inside at its last checkpoint (or the gate it came in by)."""
    nodes = {
        ("cp", n.checkpoint_id) if n.checkpoint_id else ("gate", n.gate_id): n
        for n in db.session.scalars(select(RoadNode).where(RoadNode.x.is_not(None)))
    }
    rows = db.session.execute(
        select(
            Presence.plate,
            Presence.hazard_classes,
            Presence.last_checkpoint_id,
            Presence.last_seen_at,
            Presence.passed_at,
            Vehicle.plate,
            Lane.gate_id,
        )
        .select_from(Presence)
        .outerjoin(Vehicle, Presence.vehicle_id == Vehicle.id)
        .outerjoin(Passage, Passage.id == Presence.entry_passage_id)
        .outerjoin(Lane, Lane.id == Passage.lane_id)
        .where(Presence.kind == PresenceKind.VEHICLE, Presence.passed_at.is_not(None))
        .order_by(Presence.id)
    ).all()
    out = []
    for plate, classes, checkpoint_id, last_seen, passed, vehicle_plate, gate_id in rows:
        node = nodes.get(("cp", checkpoint_id)) or nodes.get(("gate", gate_id))
        if node is None:
            continue
        seen = last_seen or passed
        out.append(
            {
                "plate": vehicle_plate or plate,
                "node": node.code,
                "x": node.x,
                "y": node.y,
                "hazmat": bool(classes),
                "seen_at": seen.isoformat() if seen else None,
            }
        )
    return out


def snapshot() -> dict[str, Any]:
    """Everything the dashboard shows, as plain data (alerts as rows for the caller to
    render in the reader's language)."""
    park = park_settings()
    now = utcnow()
    lot = holding.lot_state()
    lines = inventory.goods_inside()
    return {
        "at": now.isoformat(),
        "at_local": f"{local(now):%H:%M:%S}",
        "zones": occupancy(lot.waiting),
        "goods": inventory.totals(lines),
        "goods_lines": len(lines),
        "lot": lot.__dict__,
        "alerts": alerts_open(),
        "flows_today": flows_today(park.timezone),
        "flows_by_day": flows_by_day(park.timezone),
        "dwell": dwell(now),
        "positions": positions(),
        "lanes": lanes_unusual(),
    }


def lanes_unusual() -> list[Lane]:
    """The lanes not as in normal operation: closed ones, and emergency lanes open (fire
    engines let in unchecked)."""
    return list(
        db.session.scalars(
            select(Lane)
            .where(
                or_(
                    (Lane.kind == LaneKind.EMERGENCY) & Lane.is_open,
                    (Lane.kind != LaneKind.EMERGENCY) & ~Lane.is_open,
                )
            )
            .options(joinedload(Lane.state_changed_by))
            .order_by(Lane.code)
        )
    )

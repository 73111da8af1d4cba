"""The feed to the authorities' safety platform (the provincial or municipal chemical-park
platform): closed-management data pushed as JSON over HTTP on a schedule.

Each push is a *batch*. The records it carries are fixed when it is made, as id ranges
per kind (passages, person passages, alarms) after those of the previous batch, plus the
snapshots of the moment (gates, vehicles, visitors, the parking lot). A batch that could
not be delivered is sent again, the same batch with the same id, before any new one is
made: the platform sees every record once, and a duplicate delivery (a timeout after it
was received) carries the same ``batch_id`` for it to drop. The JSON is documented in
``docs/authority-feed.md``.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from gatekeeper.extensions import db
from gatekeeper.models import (
    Alert,
    AlertKind,
    Booking,
    Decision,
    FeedBatch,
    Gate,
    LaneKind,
    Passage,
    PassageDirection,
    PersonPassage,
    Presence,
    PresenceKind,
    Vehicle,
    VehicleKind,
    Visit,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import holding
from gatekeeper.services.clock import park_today

log = logging.getLogger(__name__)

FORMAT_VERSION = "1.0"
INCREMENTAL = ("vehicle_passages", "person_passages", "alarms")
_MODELS: dict[str, Any] = {
    "vehicle_passages": Passage,
    "person_passages": PersonPassage,
    "alarms": Alert,
}
# Our alert kinds as the platform's alarm types.
ALARM_TYPES = {
    AlertKind.ROUTE_DEVIATION: "route_deviation",
    AlertKind.WRONG_DIRECTION: "route_deviation",
    AlertKind.SPEEDING: "speeding",
    AlertKind.OVERSTAY: "overstay",
    AlertKind.ILLEGAL_PARKING: "illegal_parking",
    AlertKind.EMERGENCY_LANE: "emergency",
    AlertKind.GATE: "intrusion",
}
MAX_ATTEMPTS_PER_RUN = 3


@dataclass(frozen=True)
class Delivery:
    ok: bool
    status: int | None
    error: str | None


Sender = Callable[[str, bytes, dict[str, str]], Delivery]


def http_sender(timeout_s: float = 10.0) -> Sender:
    def send(url: str, body: bytes, headers: dict[str, str]) -> Delivery:
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as answer:  # noqa: S310
                status = int(answer.status)
        except urllib.error.HTTPError as exc:
            return Delivery(False, exc.code, f"HTTP {exc.code}")
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            return Delivery(False, None, f"unreachable: {exc}"[:500])
        return Delivery(200 <= status < 300, status, None if status < 300 else f"HTTP {status}")

    return send


def _high_water() -> dict[str, int]:
    """The last id of each kind already in a batch."""
    marks = dict.fromkeys(INCREMENTAL, 0)
    for ranges in db.session.scalars(select(FeedBatch.ranges)):
        for kind, (_, last) in ranges.items():
            marks[kind] = max(marks[kind], int(last))
    return marks


def make_batch() -> FeedBatch | None:
    """A new batch of what came since the last one (None: nothing new and a batch sent in
    the last period already carried the snapshots). No commit."""
    marks = _high_water()
    ranges: dict[str, list[int]] = {}
    counts: dict[str, int] = {}
    for kind in INCREMENTAL:
        model = _MODELS[kind]
        top = db.session.scalar(select(func.max(model.id))) or 0
        if top > marks[kind]:
            ranges[kind] = [marks[kind] + 1, int(top)]
            counts[kind] = int(
                db.session.scalar(
                    select(func.count(model.id)).where(model.id > marks[kind], model.id <= top)
                )
                or 0
            )
    batch = FeedBatch(ranges=ranges, counts=counts, created_at=utcnow())
    db.session.add(batch)
    db.session.flush()
    return batch


def payload(batch: FeedBatch) -> dict[str, Any]:
    """The batch's JSON: the same records every time it is built (ranges are fixed)."""
    ranges = batch.ranges
    return {
        "format": FORMAT_VERSION,
        "batch_id": f"{current_app.config['GATEKEEPER_FEED_PARK_CODE']}-{batch.id}",
        "park": current_app.config["GATEKEEPER_FEED_PARK_CODE"],
        "generated_at": batch.created_at.isoformat(),
        "gates": _gates(),
        "hazmat_vehicles": _vehicles(hazmat=True),
        "other_vehicles": _vehicles(hazmat=False),
        "visitors": _visitors(),
        "parking_lot": _parking_lot(),
        "vehicle_passages": _vehicle_passages(*ranges["vehicle_passages"])
        if "vehicle_passages" in ranges
        else [],
        "person_passages": _person_passages(*ranges["person_passages"])
        if "person_passages" in ranges
        else [],
        "alarms": _alarms(*ranges["alarms"]) if "alarms" in ranges else [],
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _gates() -> list[dict[str, Any]]:
    gates = db.session.scalars(select(Gate).options(selectinload(Gate.lanes)).order_by(Gate.code))
    return [
        {
            "code": gate.code,
            "name": gate.name,
            "latitude": gate.latitude,
            "longitude": gate.longitude,
            "lanes": [
                {
                    "code": lane.code,
                    "kind": lane.kind.value,
                    "direction": lane.direction.value,
                    "open": lane.is_open,
                }
                for lane in gate.lanes
            ],
        }
        for gate in gates
    ]


def _vehicles(*, hazmat: bool) -> list[dict[str, Any]]:
    """Vehicles inside now; hazmat ones with their crew and permits."""
    rows = db.session.scalars(
        select(Presence)
        .where(
            Presence.kind == PresenceKind.VEHICLE,
            Presence.passed_at.is_not(None),
            Presence.vehicle_id.is_not(None),
        )
        .options(selectinload(Presence.vehicle).selectinload(Vehicle.carrier))
        .order_by(Presence.id)
    ).all()
    bookings = _bookings({p.booking_id for p in rows if p.booking_id})
    out = []
    for presence in rows:
        if bool(presence.hazard_classes) is not hazmat:
            continue
        vehicle = presence.vehicle
        assert vehicle is not None
        entry: dict[str, Any] = {
            "plate": vehicle.plate,
            "plate_colour": vehicle.plate_colour.value if vehicle.plate_colour else None,
            "carrier": vehicle.carrier.name if vehicle.carrier else None,
            "entered_at": _iso(presence.passed_at),
        }
        if hazmat:
            booking = bookings.get(presence.booking_id or 0)
            entry |= {
                "hazard_classes": presence.hazard_classes,
                "driver": booking.driver.full_name if booking else None,
                "escort": booking.escort.full_name if booking and booking.escort else None,
                "dg_permit_valid_until": _iso_day(vehicle.dg_permit_expiry),
                "adr_certificate_valid_until": _iso_day(vehicle.adr_certificate_expiry),
                "tank_inspection_valid_until": _iso_day(vehicle.tank_inspection_expiry),
                "booking": booking.reference if booking else None,
            }
        out.append(entry)
    return out


def _iso_day(day: Any) -> str | None:
    return day.isoformat() if day else None


def _bookings(ids: set[int]) -> dict[int, Booking]:
    if not ids:
        return {}
    return {
        b.id: b
        for b in db.session.scalars(
            select(Booking)
            .where(Booking.id.in_(ids))
            .options(selectinload(Booking.driver), selectinload(Booking.escort))
        )
    }


def _visitors() -> list[dict[str, Any]]:
    today = park_today()
    visits = db.session.scalars(
        select(Visit)
        .where(Visit.expected_on == today, ~Visit.cancelled)
        .options(selectinload(Visit.person), selectinload(Visit.host))
        .order_by(Visit.id)
    )
    return [
        {
            "name": v.person.full_name,
            "host": v.host.display_name,
            "purpose": v.purpose,
            "arrived_at": _iso(v.arrived_at),
            "left_at": _iso(v.left_at),
        }
        for v in visits
    ]


def _parking_lot() -> dict[str, Any]:
    lot = holding.lot_state()
    return {
        "waiting": lot.waiting,
        "capacity": lot.capacity,
        "loaded_tankers": lot.loaded,
        "loaded_tanker_spaces": lot.loaded_capacity,
        "empty_tankers": lot.empty,
        "empty_tanker_spaces": lot.empty_capacity,
        "status": "full"
        if lot.capacity is not None and lot.waiting >= lot.capacity
        else "available",
    }


def _passage_type(passage: Passage) -> str:
    if passage.lane.kind is LaneKind.EMERGENCY:
        return "emergency"
    if passage.un_read or (passage.booking and passage.booking.dangerous_un_numbers):
        return "hazmat"
    if passage.vehicle is not None and passage.vehicle.kind in (VehicleKind.CAR, VehicleKind.VAN):
        return "small"  # cars and vans (小型车), apart from trucks
    return "general"


def _vehicle_passages(first: int, last: int) -> list[dict[str, Any]]:
    passages = db.session.scalars(
        select(Passage)
        .where(Passage.id >= first, Passage.id <= last)
        .options(
            selectinload(Passage.lane),
            selectinload(Passage.vehicle),
            selectinload(Passage.booking).selectinload(Booking.cargo),
            selectinload(Passage.images),
        )
        .order_by(Passage.id)
    )
    return [
        {
            "id": p.id,
            "type": _passage_type(p),
            "direction": "in" if p.direction is PassageDirection.IN else "out",
            "lane": p.lane.code,
            "time": _iso(p.occurred_at),
            "plate": p.vehicle.plate if p.vehicle else p.plate_read,
            "plate_colour": p.plate_colour,
            "un_number": p.un_read,
            "decision": p.decision.value if p.decision else None,
            "let_in_or_out": p.decision is Decision.ALLOW,
            "snapshot": p.images[0].stored_path if p.images else None,
        }
        for p in passages
    ]


def _person_passages(first: int, last: int) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(PersonPassage)
        .where(PersonPassage.id >= first, PersonPassage.id <= last)
        .options(selectinload(PersonPassage.person), selectinload(PersonPassage.lane))
        .order_by(PersonPassage.id)
    )
    return [
        {
            "id": r.id,
            "name": r.person.full_name,
            "kind": r.person.kind.value,
            "direction": r.direction.value,
            "lane": r.lane.code,
            "time": _iso(r.occurred_at),
            "allowed": r.allowed,
        }
        for r in rows
    ]


def _alarms(first: int, last: int) -> list[dict[str, Any]]:
    alerts = db.session.scalars(
        select(Alert)
        .where(Alert.id >= first, Alert.id <= last, Alert.kind.in_(list(ALARM_TYPES)))
        .options(selectinload(Alert.resolved_by))
        .order_by(Alert.id)
    )
    return [
        {
            "id": a.id,
            "type": ALARM_TYPES[a.kind],
            "severity": a.severity.value,
            "time": _iso(a.created_at),
            "message": a.message,
            "status": a.status.value,
            "handled_at": _iso(a.resolved_at),
            "handled_by": a.resolved_by.display_name if a.resolved_by else None,
            "handling": a.resolution,
        }
        for a in alerts
    ]


def deliver(batch: FeedBatch, send: Sender, url: str) -> bool:
    """Send the batch, retrying a few times with a growing pause; record each attempt."""
    body = json.dumps(payload(batch), ensure_ascii=False, default=str).encode()
    headers = {"Content-Type": "application/json", "Idempotency-Key": f"batch-{batch.id}"}
    token_env = current_app.config.get("GATEKEEPER_FEED_TOKEN_ENV")
    token = os.environ.get(token_env) if token_env else None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    for attempt in range(MAX_ATTEMPTS_PER_RUN):
        result = send(url, body, headers)
        batch.attempts += 1
        batch.last_status, batch.last_error = result.status, result.error
        if result.ok:
            batch.sent_at = utcnow()
            return True
        if attempt + 1 < MAX_ATTEMPTS_PER_RUN:
            time.sleep(_pause(attempt))
    log.warning("feed batch %s not delivered: %s", batch.id, batch.last_error)
    return False


def _pause(attempt: int) -> float:
    base = float(current_app.config.get("GATEKEEPER_FEED_RETRY_PAUSE", 2.0))
    return base * 2.0**attempt


def push(send: Sender | None = None) -> int:
    """One scheduled run: unsent batches first (oldest first), then a new one. Commits
    after each batch. Returns how many batches were delivered."""
    url = current_app.config.get("GATEKEEPER_FEED_URL")
    if not url:
        return 0
    send = send or http_sender()
    delivered = 0
    pending = db.session.scalars(
        select(FeedBatch).where(FeedBatch.sent_at.is_(None)).order_by(FeedBatch.id)
    ).all()
    for batch in pending:
        ok = deliver(batch, send, url)
        db.session.commit()
        if not ok:
            return delivered  # keep the order: nothing newer before this one is through
        delivered += 1
    fresh = make_batch()
    db.session.commit()
    if fresh is not None:
        ok = deliver(fresh, send, url)
        db.session.commit()
        delivered += int(ok)
    return delivered


def recent_batches(limit: int = 50) -> list[FeedBatch]:
    return list(db.session.scalars(select(FeedBatch).order_by(FeedBatch.id.desc()).limit(limit)))

"""Checkpoint sightings: a vehicle seen on a park road moves to the checkpoint's zone (with
its crew and its goods), its progress along its booked route advances, and what the
sighting says about the route (off route, wrong direction, speeding) becomes an alert.
The time-based findings (late at the next checkpoint, illegal parking) are raised by the
periodic check :func:`check_routes`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from gatekeeper.domain import tracking
from gatekeeper.domain.gate.records import Reads
from gatekeeper.domain.gate.rules.identity import match_plate
from gatekeeper.domain.messages import N_, Phrase, phrase
from gatekeeper.domain.routing import Road
from gatekeeper.domain.standing import barred_on
from gatekeeper.extensions import db
from gatekeeper.models import (
    Alert,
    AlertKind,
    Checkpoint,
    Lane,
    Passage,
    Presence,
    PresenceKind,
    RoadNode,
    Severity,
    Sighting,
    Station,
    Vehicle,
    Zone,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit, routes
from gatekeeper.services.alerts import AlertDraft, raise_new
from gatekeeper.services.clock import local
from gatekeeper.services.gate.evaluation import candidate_vehicles, vehicle_record
from gatekeeper.services.locks import park_write_lock
from gatekeeper.services.park import park_settings


class SightingError(ValueError):
    """The sighting cannot be taken (the message names the field); ``status`` for the API."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class SightingIn:
    event_id: str
    plate: str
    confidence: float
    at: datetime
    plate_colour: str | None = None
    image_path: str | None = None


@dataclass(frozen=True)
class SightingOutcome:
    sighting: Sighting
    created: bool
    alerts: list[Alert]


_FINDINGS: dict[tracking.Finding, tuple[AlertKind, Severity, str]] = {
    tracking.Finding.OFF_ROUTE: (
        AlertKind.ROUTE_DEVIATION,
        Severity.CRITICAL,
        N_("%(plate)s seen at %(checkpoint)s, which is not on its route"),
    ),
    tracking.Finding.WRONG_DIRECTION: (
        AlertKind.WRONG_DIRECTION,
        Severity.WARNING,
        N_("%(plate)s seen at %(checkpoint)s driving back along its route"),
    ),
    tracking.Finding.SPEEDING: (
        AlertKind.SPEEDING,
        Severity.WARNING,
        N_("%(plate)s drove %(speed)s km/h to %(checkpoint)s (limit %(limit)s km/h)"),
    ),
}


def record_sighting(station: Station, checkpoint: Checkpoint, seen: SightingIn) -> SightingOutcome:
    """Store one camera sighting and act on it, in one transaction. The same event id
    again (a station retrying) returns the first sighting and changes nothing."""
    check_station(station, checkpoint)
    existing = existing_sighting(checkpoint, seen.event_id)
    if existing is not None:
        return SightingOutcome(existing, created=False, alerts=[])
    try:
        outcome = _record(station, checkpoint, seen)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the same event stored meanwhile by a concurrent request
        again = existing_sighting(checkpoint, seen.event_id)
        if again is None:
            raise
        return SightingOutcome(again, created=False, alerts=[])
    return outcome


def check_station(station: Station, checkpoint: Checkpoint) -> None:
    """A checkpoint bound to a station takes sightings from that station only (403)."""
    if checkpoint.station_id is not None and checkpoint.station_id != station.id:
        raise SightingError(
            f"station {station.code} does not serve checkpoint {checkpoint.code}", 403
        )


def existing_sighting(checkpoint: Checkpoint, event_id: str) -> Sighting | None:
    """The sighting this camera event made before, if any (events are idempotent)."""
    return db.session.scalar(
        select(Sighting).where(
            Sighting.checkpoint_id == checkpoint.id, Sighting.event_id == event_id
        )
    )


def _record(station: Station, checkpoint: Checkpoint, seen: SightingIn) -> SightingOutcome:
    park_write_lock()
    sighting = Sighting(
        checkpoint_id=checkpoint.id,
        occurred_at=seen.at,
        plate_read=seen.plate[:20],
        plate_confidence=seen.confidence,
        plate_colour=seen.plate_colour,
        event_id=seen.event_id,
        station_id=station.id,
        image_path=seen.image_path,
    )
    db.session.add(sighting)
    presence = _presence_for(seen.plate)
    alerts: list[Alert] = []
    if presence is not None:
        sighting.vehicle_id = presence.vehicle_id
        sighting.booking_id = presence.booking_id
        alerts = _follow(presence, sighting, checkpoint)
    db.session.flush()
    audit.record(
        "sighting.received",
        entity_type="sighting",
        entity_id=sighting.id,
        details={"checkpoint": checkpoint.code, "plate": seen.plate, "event_id": seen.event_id},
    )
    return SightingOutcome(sighting, created=True, alerts=alerts)


def _presence_for(plate: str) -> Presence | None:
    """The vehicle inside that the plate names (tolerantly, as at the gate), locked;
    else a vehicle let in by its plate alone."""
    inside: list[int] = list(
        db.session.scalars(
            select(Presence.vehicle_id).where(
                Presence.kind == PresenceKind.VEHICLE,
                Presence.vehicle_id.is_not(None),
                Presence.passed_at.is_not(None),
            )
        )
    )
    vehicles = [v for v in candidate_vehicles([plate], also=inside) if v.id in set(inside)]
    match = match_plate(
        Reads(plate=plate, plate_confidence=1.0), [vehicle_record(v) for v in vehicles]
    )
    if match.vehicle is not None:
        condition = Presence.vehicle_id == match.vehicle.id
    else:
        condition = Presence.vehicle_id.is_(None) & (Presence.plate == plate)
    return db.session.scalar(
        select(Presence)
        .where(condition, Presence.passed_at.is_not(None))
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def route_of(presence: Presence) -> list[tracking.Stop]:
    booking = presence.booking
    if booking is None:
        return []
    return [
        tracking.Stop(
            position=stop.position,
            node=stop.node.code,
            checkpoint_id=stop.node.checkpoint_id,
            due_minutes=stop.due_within_minutes,
            dock=stop.node.dock_id is not None,
        )
        for stop in booking.route
    ]


def _node_code(*, checkpoint_id: int | None = None, gate_id: int | None = None) -> str | None:
    column = RoadNode.checkpoint_id if checkpoint_id is not None else RoadNode.gate_id
    return db.session.scalar(select(RoadNode.code).where(column == (checkpoint_id or gate_id)))


def _previous(presence: Presence) -> tracking.Seen | None:
    """Where the vehicle was last seen: its last checkpoint, or the gate it came in by."""
    if presence.last_checkpoint_id is not None and presence.last_seen_at is not None:
        node = _node_code(checkpoint_id=presence.last_checkpoint_id)
        return tracking.Seen(node, presence.last_seen_at) if node else None
    entry = presence.entry_passage_id
    if entry is None or presence.passed_at is None:
        return None
    gate_id = db.session.scalar(
        select(Lane.gate_id).join(Passage, Passage.lane_id == Lane.id).where(Passage.id == entry)
    )
    node = _node_code(gate_id=gate_id) if gate_id is not None else None
    return tracking.Seen(node, presence.passed_at) if node else None


def _follow(presence: Presence, sighting: Sighting, checkpoint: Checkpoint) -> list[Alert]:
    """Move the vehicle (and its crew) to the checkpoint's zone, advance its route and
    raise what the sighting shows. A late-arriving older sighting moves nothing."""
    if presence.last_seen_at is not None and sighting.occurred_at <= presence.last_seen_at:
        return []
    park = park_settings()
    node = _node_code(checkpoint_id=checkpoint.id)
    findings: list[tuple[tracking.Finding, dict[str, Any]]] = []
    if node is not None:
        speed, evidence = tracking.check_speed(
            _roads(), _previous(presence), node, sighting.occurred_at, park.speed_tolerance_percent
        )
        sighting.speed_kmh = speed
        if evidence is not None:
            findings.append((tracking.Finding.SPEEDING, evidence))
    route = route_of(presence)
    if route:
        placed = tracking.match_progress(route, checkpoint.id, presence.route_position)
        sighting.on_route = not any(f is tracking.Finding.OFF_ROUTE for f, _ in placed.findings)
        presence.route_position = placed.progress
        findings.extend(placed.findings)
    _move(presence, checkpoint, sighting.occurred_at)
    return [_alert_for(presence, sighting, checkpoint, f, e) for f, e in findings]


def _roads() -> list[Road]:
    return routes.roads()


def _move(presence: Presence, checkpoint: Checkpoint, at: datetime) -> None:
    """The vehicle, and with a booking all that came in with it (truck, trailer, driver,
    escort), was seen here now."""
    together = [presence]
    if presence.booking_id is not None:
        together += [
            row
            for row in db.session.scalars(
                select(Presence).where(
                    Presence.booking_id == presence.booking_id,
                    Presence.passed_at.is_not(None),
                    Presence.id != presence.id,
                )
            )
        ]
    for row in together:
        row.last_seen_at, row.last_checkpoint_id = at, checkpoint.id
        if row.kind is PresenceKind.VEHICLE:
            row.route_position = presence.route_position
        if checkpoint.zone_id is not None:
            row.zone_id = checkpoint.zone_id


def _alert_for(
    presence: Presence,
    sighting: Sighting,
    checkpoint: Checkpoint,
    finding: tracking.Finding,
    evidence: dict[str, Any],
) -> Alert:
    kind, severity, template = _FINDINGS[finding]
    params: dict[str, Any] = {"plate": presence.label, "checkpoint": checkpoint.code}
    if finding is tracking.Finding.SPEEDING:
        params |= {"speed": f"{evidence['speed_kmh']:g}", "limit": f"{evidence['limit_kmh']:g}"}
    alert = Alert.draft(
        Phrase(template, params),
        kind=kind,
        severity=severity,
        dedup_key=f"{finding.value}:{sighting.checkpoint_id}:{sighting.event_id}"[:160],
        vehicle_id=presence.vehicle_id,
        booking_id=presence.booking_id,
        evidence={
            **evidence,
            "checkpoint": checkpoint.code,
            "at": sighting.occurred_at.isoformat(),
        },
    )
    db.session.add(alert)
    return alert


def _zones() -> dict[int, Zone]:
    return {zone.id: zone for zone in db.session.scalars(select(Zone))}


def _time_findings(now: datetime) -> Iterator[AlertDraft]:
    park = park_settings()
    tolerance = timedelta(minutes=park.checkpoint_tolerance_minutes)
    parking = timedelta(minutes=park.parking_limit_minutes)
    zones = _zones()
    vehicles = db.session.scalars(
        select(Presence).where(
            Presence.kind == PresenceKind.VEHICLE, Presence.passed_at.is_not(None)
        )
    )
    for presence in vehicles:
        assert presence.passed_at is not None
        late = tracking.late_at(
            route_of(presence),
            presence.route_position,
            presence.last_seen_at or presence.passed_at,
            presence.unloaded_at,
            now,
            tolerance,
        )
        if late is not None:
            stop, evidence = late
            yield AlertDraft(
                AlertKind.ROUTE_DEVIATION,
                Severity.CRITICAL,
                phrase(
                    N_("%(plate)s not seen at %(checkpoint)s: %(minutes)s min late"),
                    plate=presence.label,
                    checkpoint=stop.node,
                    minutes=evidence["minutes_late"],
                ),
                # One trip per booking: truck and trailer are late together, once.
                f"late:{presence.booking_id}:{stop.position}",
                vehicle_id=presence.vehicle_id,
                booking_id=presence.booking_id,
                evidence=evidence,
            )
        zone = zones.get(presence.zone_id) if presence.zone_id else None
        if zone is None or not presence.hazard_classes or presence.unloaded_at:
            continue
        still = presence.last_seen_at or presence.passed_at
        evidence_parked = tracking.parked_illegally(
            presence.hazard_classes, zone.allowed_hazard_classes or [], still, now, parking
        )
        if evidence_parked is not None:
            yield AlertDraft(
                AlertKind.ILLEGAL_PARKING,
                Severity.WARNING,
                phrase(
                    N_("%(plate)s: %(minutes)s min in %(zone)s, where its cargo is not allowed"),
                    plate=presence.label,
                    zone=zone.code,
                    minutes=evidence_parked["minutes"],
                ),
                f"parking:{presence.id}:{zone.id}:{still.isoformat()}",
                vehicle_id=presence.vehicle_id,
                booking_id=presence.booking_id,
                evidence={**evidence_parked, "zone": zone.code},
            )


def check_routes(now: datetime | None = None) -> int:
    """Raise the time-based route alerts not raised before, then the blacklist proposals
    they complete; return how many are new."""
    now = now or utcnow()
    new = raise_new(_time_findings(now))
    return new + raise_new(_repeat_parkers(now)) if new else 0


def _repeat_parkers(now: datetime) -> Iterator[AlertDraft]:
    """A proposal to blacklist each vehicle not barred now that parked illegally the park's
    number of times within its days; raised again only after a further offence."""
    park = park_settings()
    if park.parking_offences_to_blacklist <= 0:
        return
    days = park.parking_offence_days
    offences = (
        select(Alert.vehicle_id, func.count(), func.min(Alert.created_at), func.max(Alert.id))
        .where(
            Alert.kind == AlertKind.ILLEGAL_PARKING,
            Alert.vehicle_id.is_not(None),
            Alert.created_at >= now - timedelta(days=days),
        )
        .group_by(Alert.vehicle_id)
        .having(func.count() >= park.parking_offences_to_blacklist)
    )
    today = local(now).date()
    for vehicle_id, count, first, latest in db.session.execute(offences):
        vehicle = db.session.get(Vehicle, vehicle_id)
        if vehicle is None or barred_on(vehicle.standing.value, vehicle.standing_until, today):
            continue
        yield AlertDraft(
            AlertKind.REPEATED_PARKING,
            Severity.WARNING,
            phrase(
                N_("%(plate)s parked illegally %(count)s times in %(days)s days: blacklist it?"),
                plate=vehicle.plate,
                count=count,
                days=days,
            ),
            f"repeat-parking:{vehicle_id}:{latest}",
            vehicle_id=vehicle_id,
            evidence={"offences": count, "since": local(first).date().isoformat()},
        )

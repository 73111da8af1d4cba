"""What happens at the gates and on park roads: passages, sightings, presence, alerts."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gatekeeper.domain.gate import Decision

__all__ = ["Decision"]  # re-exported by gatekeeper.models
from gatekeeper.domain.messages import Phrase
from gatekeeper.extensions import Model
from gatekeeper.models.types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from gatekeeper.models.auth import Station, User
    from gatekeeper.models.booking import Booking
    from gatekeeper.models.fleet import Person, Vehicle
    from gatekeeper.models.park import Checkpoint, Lane, Zone


class PassageDirection(enum.StrEnum):
    IN = "in"
    OUT = "out"


class ReadStatus(enum.StrEnum):
    """Where the camera reading of a passage stands."""

    PENDING = "pending"  # frames stored, OCR job queued or running
    DONE = "done"
    FAILED = "failed"
    NOT_NEEDED = "not_needed"  # e.g. a smart ANPR camera sent its own reading


class Passage(Model):
    """One gate event: what the cameras read, what was matched, what was decided and by whom."""

    __tablename__ = "passage"

    id: Mapped[int] = mapped_column(primary_key=True)
    lane_id: Mapped[int] = mapped_column(ForeignKey("lane.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    direction: Mapped[PassageDirection] = mapped_column(str_enum(PassageDirection, 3))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The station's event id: the same event sent twice makes one passage.
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    plate_read: Mapped[str | None] = mapped_column(String(20))
    plate_confidence: Mapped[float | None]
    hin_read: Mapped[str | None] = mapped_column(String(4))
    un_read: Mapped[str | None] = mapped_column(String(4))
    hazard_confidence: Mapped[float | None]
    # The full vision output (candidates, boxes, timings).
    reads: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    read_status: Mapped[ReadStatus] = mapped_column(
        str_enum(ReadStatus, 12), default=ReadStatus.NOT_NEEDED
    )
    read_error: Mapped[str | None] = mapped_column(String(500))
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"), index=True)
    # Indexed for a vehicle's file: its passages as motor vehicle or as trailer.
    trailer_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"), index=True)
    match_quality: Mapped[str | None] = mapped_column(String(20))
    decision: Mapped[Decision | None] = mapped_column(str_enum(Decision, 8))
    # [{"code": ..., "message": ..., "evidence": {...}}, ...]
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    override_reason: Mapped[str | None] = mapped_column(String(500))
    persons_count: Mapped[int | None]
    # Every check of the decision: [{"code", "outcome", "effect", "message", ...}, ...]
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The automatic decision before any guard action (decision holds the final one).
    system_decision: Mapped[Decision | None] = mapped_column(str_enum(Decision, 8))
    # What the guard recorded: driver/escort present, ID checked, waybill scanned.
    crew: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The guard typed or corrected the plate (plate_read then holds the guard's text).
    plate_confirmed: Mapped[bool] = mapped_column(default=False)
    plate_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # A held vehicle leaves the holding-lot queue: released into the park, or turned away.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The plate's colour as read (camera or pipeline): blue, yellow, green, yellow_green,
    # white, black; Chinese parks report it with every passage.
    plate_colour: Mapped[str | None] = mapped_column(String(12))
    # Called forward from the holding lot: by the receiving company, the park or the guard.
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    called_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    barrier_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lane: Mapped[Lane] = relationship()
    station: Mapped[Station | None] = relationship()
    vehicle: Mapped[Vehicle | None] = relationship(foreign_keys=[vehicle_id])
    trailer: Mapped[Vehicle | None] = relationship(foreign_keys=[trailer_id])
    booking: Mapped[Booking | None] = relationship()
    operator: Mapped[User | None] = relationship(foreign_keys=[operator_id])
    plate_confirmed_by: Mapped[User | None] = relationship(foreign_keys=[plate_confirmed_by_id])
    called_by: Mapped[User | None] = relationship(foreign_keys=[called_by_id])
    images: Mapped[list[PassageImage]] = relationship(
        back_populates="passage", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("lane_id", "idempotency_key"),
        CheckConstraint(
            "override_reason IS NULL OR operator_id IS NOT NULL", name="override_has_operator"
        ),
        # The holding lot's queue (read by every kiosk poll and the dashboard): a partial
        # index holds only the vehicles waiting, so it costs the same after years of history.
        Index(
            "ix_passage_waiting",
            "occurred_at",
            postgresql_where=text("decision = 'hold' AND released_at IS NULL"),
            sqlite_where=text("decision = 'hold' AND released_at IS NULL"),
        ),
        # Captures waiting for their reading (the minute's sweep for lost jobs).
        Index(
            "ix_passage_reading_pending",
            "occurred_at",
            postgresql_where=text("read_status = 'pending'"),
            sqlite_where=text("read_status = 'pending'"),
        ),
    )


class PassageImage(Model):
    __tablename__ = "passage_image"

    id: Mapped[int] = mapped_column(primary_key=True)
    passage_id: Mapped[int] = mapped_column(
        ForeignKey("passage.id", ondelete="CASCADE"), index=True
    )
    stored_path: Mapped[str] = mapped_column(String(255), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    width: Mapped[int | None]
    height: Mapped[int | None]
    sha256: Mapped[str] = mapped_column(String(64))

    passage: Mapped[Passage] = relationship(back_populates="images")


class Sighting(Model):
    """A vehicle seen by a checkpoint camera inside the park."""

    __tablename__ = "sighting"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoint.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    plate_read: Mapped[str] = mapped_column(String(20))
    plate_confidence: Mapped[float | None]
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"))
    on_route: Mapped[bool | None]
    image_path: Mapped[str | None] = mapped_column(String(255))
    # The camera's own id for the event: a station retrying sends the same one.
    event_id: Mapped[str | None] = mapped_column(String(100))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    plate_colour: Mapped[str | None] = mapped_column(String(12))
    # Speed over the road from the previous checkpoint (km/h), where both are known.
    speed_kmh: Mapped[float | None]

    checkpoint: Mapped[Checkpoint] = relationship()
    vehicle: Mapped[Vehicle | None] = relationship()

    __table_args__ = (UniqueConstraint("checkpoint_id", "event_id", name="uq_sighting_event"),)


class PresenceKind(enum.StrEnum):
    VEHICLE = "vehicle"
    PERSON = "person"


class Presence(Model):
    """Who and what is inside the park now; a row is added on entry and removed on exit.

    A row is written with the decision that lets a vehicle in, so that the place it will
    take counts against capacity at once (two lanes cannot both take the last one); it is
    *inside* only from ``passed_at``, when the barrier opened or the guard confirmed that it
    passed. A row that never passed is removed when the guard turns the vehicle away.
    """

    __tablename__ = "presence"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PresenceKind] = mapped_column(str_enum(PresenceKind, 8))
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"), unique=True)
    # A vehicle the guard let in without a registration: known by its plate only.
    plate: Mapped[str | None] = mapped_column(String(20))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), unique=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zone.id"), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"))
    entry_passage_id: Mapped[int | None] = mapped_column(ForeignKey("passage.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Classes of the dangerous goods on board (vehicles), for the "hazmat on site" view.
    hazard_classes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Where it was last seen inside (a checkpoint camera, or the lane it entered by).
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey("checkpoint.id"))
    # How far along its booked route (RouteStop.position of the last stop it was seen at).
    route_position: Mapped[int | None]
    # A dock marked the delivery unloaded: an empty tanker from then on.
    unloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The positioning card (or visitor badge) issued at entry, to be returned at exit.
    card_number: Mapped[str | None] = mapped_column(String(40))

    vehicle: Mapped[Vehicle | None] = relationship()
    person: Mapped[Person | None] = relationship()
    zone: Mapped[Zone | None] = relationship()
    booking: Mapped[Booking | None] = relationship()
    last_checkpoint: Mapped[Checkpoint | None] = relationship()
    goods: Mapped[list[GoodsOnSite]] = relationship(
        back_populates="presence", cascade="all, delete-orphan", order_by="GoodsOnSite.id"
    )

    __table_args__ = (
        CheckConstraint(
            "(kind = 'vehicle' AND (vehicle_id IS NOT NULL OR plate IS NOT NULL)"
            " AND person_id IS NULL)"
            " OR (kind = 'person' AND person_id IS NOT NULL AND vehicle_id IS NULL)",
            name="subject_matches_kind",
        ),
    )

    @property
    def is_hazmat(self) -> bool:
        return bool(self.hazard_classes)

    @property
    def label(self) -> str:
        """The plate or the name, for lists and the roll call."""
        if self.vehicle is not None:
            return self.vehicle.plate
        if self.person is not None:
            return self.person.full_name
        return self.plate or "?"


class AlertKind(enum.StrEnum):
    DOCUMENT_EXPIRING = "document_expiring"
    DOCUMENT_EXPIRED = "document_expired"
    OVERSTAY = "overstay"
    ROUTE_DEVIATION = "route_deviation"  # off its route, or not seen at the next checkpoint
    WRONG_DIRECTION = "wrong_direction"
    SPEEDING = "speeding"
    ILLEGAL_PARKING = "illegal_parking"  # stopped in a zone its cargo is not allowed in
    # Parked illegally the park's number of times: the blacklist is proposed (not an alarm
    # for the authorities' platform: the offences are).
    REPEATED_PARKING = "repeated_parking"
    EMERGENCY_LANE = "emergency_lane"
    GATE = "gate"

    @property
    def is_conduct(self) -> bool:
        """About how a vehicle or person behaved in the park (what a park blacklists for),
        not about a document or the gate."""
        return self in (
            AlertKind.OVERSTAY,
            AlertKind.ROUTE_DEVIATION,
            AlertKind.WRONG_DIRECTION,
            AlertKind.SPEEDING,
            AlertKind.ILLEGAL_PARKING,
            AlertKind.REPEATED_PARKING,
        )


class Severity(enum.StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class AlertStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"  # someone is on it
    RESOLVED = "resolved"  # handled, with a comment saying how


class Alert(Model):
    """Something a manager must see and handle: open, acknowledged, resolved (by whom,
    when, with a comment). The message is kept as English text and as its translatable
    template and parameters (see domain.messages)."""

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AlertKind] = mapped_column(str_enum(AlertKind, 24), index=True)
    severity: Mapped[Severity] = mapped_column(str_enum(Severity, 8))
    message: Mapped[str] = mapped_column(String(500))
    template: Mapped[str | None] = mapped_column(String(200))
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[AlertStatus] = mapped_column(
        str_enum(AlertStatus, 12), default=AlertStatus.OPEN, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Periodic checks raise each alert once: the key names what it is about.
    dedup_key: Mapped[str] = mapped_column(String(160), unique=True)
    # Indexed for a vehicle's and a person's files (their alerts).
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"))
    passage_id: Mapped[int | None] = mapped_column(ForeignKey("passage.id"))
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledge_comment: Mapped[str | None] = mapped_column(String(500))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(500))
    # What the alert rests on (times, checkpoints, distances), for the manager and the feed.
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    vehicle: Mapped[Vehicle | None] = relationship()
    person: Mapped[Person | None] = relationship()

    @classmethod
    def draft(cls, text: Phrase, **values: Any) -> Alert:
        """An alert whose message is a translatable phrase."""
        return cls(message=text.english()[:500], **text.to_dict_columns(), **values)


class GoodsOnSite(Model):
    """One line of dangerous goods inside the park now, on the vehicle that carries it.

    Kept incrementally: written from the booking's cargo when the vehicle's place is
    reserved, counted once it passed, moved with its vehicle's zone, deleted when a dock
    marks the delivery unloaded or the vehicle leaves. Never derived from history."""

    __tablename__ = "goods_on_site"

    id: Mapped[int] = mapped_column(primary_key=True)
    presence_id: Mapped[int] = mapped_column(ForeignKey("presence.id"), index=True)
    un_number: Mapped[str | None] = mapped_column(String(4), index=True)
    description: Mapped[str] = mapped_column(String(200))
    hazard_class: Mapped[str | None] = mapped_column(String(8))
    quantity: Mapped[float]
    unit: Mapped[str] = mapped_column(String(4))
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    presence: Mapped[Presence] = relationship(back_populates="goods")

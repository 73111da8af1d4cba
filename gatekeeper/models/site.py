"""People at the pedestrian lanes, visits, roll calls, the authority feed and reports."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gatekeeper.extensions import Model
from gatekeeper.models.passage import PassageDirection
from gatekeeper.models.types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from gatekeeper.models.auth import User
    from gatekeeper.models.fleet import Person
    from gatekeeper.models.park import Lane, Zone


class PersonPassage(Model):
    """A person through a pedestrian lane (or with a vehicle, as its driver or escort)."""

    __tablename__ = "person_passage"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    lane_id: Mapped[int] = mapped_column(ForeignKey("lane.id"))
    direction: Mapped[PassageDirection] = mapped_column(str_enum(PassageDirection, 3))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    allowed: Mapped[bool]
    # Translatable reasons ({"code", "template", "params"}) when refused.
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # "kiosk" (the guard's check-in page), "badge" (a reader through the API), "vehicle".
    method: Mapped[str] = mapped_column(String(12))
    card_number: Mapped[str | None] = mapped_column(String(40))
    event_id: Mapped[str | None] = mapped_column(String(100))
    vehicle_passage_id: Mapped[int | None] = mapped_column(ForeignKey("passage.id"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    person: Mapped[Person] = relationship()
    lane: Mapped[Lane] = relationship()
    operator: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("lane_id", "event_id", name="uq_person_passage_event"),)


class Visit(Model):
    """A visitor pre-registered by a host for a day; the host is told on arrival."""

    __tablename__ = "visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    expected_on: Mapped[date] = mapped_column(Date, index=True)
    purpose: Mapped[str] = mapped_column(String(200))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zone.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rules_acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled: Mapped[bool] = mapped_column(default=False)

    person: Mapped[Person] = relationship()
    host: Mapped[User] = relationship()
    zone: Mapped[Zone | None] = relationship()


class RollCallReason(enum.StrEnum):
    DRILL = "drill"
    EMERGENCY = "emergency"


class RollCall(Model):
    """An evacuation roll call: everyone inside when it started, marked as they are found."""

    __tablename__ = "roll_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[RollCallReason] = mapped_column(str_enum(RollCallReason, 10))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    started_by: Mapped[User] = relationship()
    entries: Mapped[list[RollCallEntry]] = relationship(
        back_populates="roll_call",
        cascade="all, delete-orphan",
        order_by="(RollCallEntry.muster_point, RollCallEntry.zone_label, RollCallEntry.label)",
    )


class RollCallEntry(Model):
    """One person on a roll call, with where and when last seen, and the mark."""

    __tablename__ = "roll_call_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    roll_call_id: Mapped[int] = mapped_column(ForeignKey("roll_call.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    label: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(12))
    zone_label: Mapped[str] = mapped_column(String(160))
    muster_point: Mapped[str] = mapped_column(String(120))
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_where: Mapped[str | None] = mapped_column(String(160))
    accounted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accounted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    roll_call: Mapped[RollCall] = relationship(back_populates="entries")
    accounted_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("roll_call_id", "person_id"),)


class FeedBatch(Model):
    """One push to the authorities' safety platform: its records are fixed when the batch
    is made (an id range per kind), so a retry sends the same batch, never a second copy."""

    __tablename__ = "feed_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # {"vehicle_passages": [from_id, to_id], ...}: what the batch covers.
    ranges: Mapped[dict[str, list[int]]] = mapped_column(JSON)
    counts: Mapped[dict[str, int]] = mapped_column(JSON)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))


class DailyReport(Model):
    """The PDF summary of a park day, made by the scheduled job."""

    __tablename__ = "daily_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    stored_path: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

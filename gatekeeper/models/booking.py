"""Bookings: one planned vehicle trip into the park, its cargo and its route."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gatekeeper.extensions import Model
from gatekeeper.models.types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from gatekeeper.models.auth import User
    from gatekeeper.models.dangerous_goods import DangerousGood
    from gatekeeper.models.fleet import Person, Vehicle
    from gatekeeper.models.org import Carrier, Company
    from gatekeeper.models.park import Dock, RoadNode


class BookingStatus(enum.StrEnum):
    """Requested (by a dispatcher or a carrier), accepted by the receiving company, then
    approved by the park; or rejected at either step with a reason."""

    REQUESTED = "requested"
    ACCEPTED = "accepted"  # by the receiving company; the park approves next
    REJECTED = "rejected"
    APPROVED = "approved"
    ARRIVED = "arrived"  # at the gate or in the holding lot, not yet inside
    INSIDE = "inside"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class TripDirection(enum.StrEnum):
    DELIVERY = "delivery"  # brings goods to the dock
    COLLECTION = "collection"  # picks goods up at the dock


class Packaging(enum.StrEnum):
    TANK = "tank"
    BULK = "bulk"
    PACKAGES = "packages"


class QuantityUnit(enum.StrEnum):
    KG = "kg"
    L = "l"


class Booking(Model):
    __tablename__ = "booking"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carrier.id"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), index=True)
    # Indexed for a vehicle's and a person's files (their trips), as vehicle_id is.
    trailer_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"), index=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    escort_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    dock_id: Mapped[int] = mapped_column(ForeignKey("dock.id"), index=True)
    direction: Mapped[TripDirection] = mapped_column(str_enum(TripDirection))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[BookingStatus] = mapped_column(
        str_enum(BookingStatus), default=BookingStatus.REQUESTED, index=True
    )
    waybill_number: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why the receiving company or the park rejected it, or why it was cancelled.
    decision_comment: Mapped[str | None] = mapped_column(String(500))

    carrier: Mapped[Carrier] = relationship()
    vehicle: Mapped[Vehicle] = relationship(foreign_keys=[vehicle_id])
    trailer: Mapped[Vehicle | None] = relationship(foreign_keys=[trailer_id])
    driver: Mapped[Person] = relationship(foreign_keys=[driver_id])
    escort: Mapped[Person | None] = relationship(foreign_keys=[escort_id])
    company: Mapped[Company] = relationship()
    dock: Mapped[Dock] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])
    cargo: Mapped[list[CargoLine]] = relationship(
        back_populates="booking", cascade="all, delete-orphan", order_by="CargoLine.id"
    )
    route: Mapped[list[RouteStop]] = relationship(
        back_populates="booking", cascade="all, delete-orphan", order_by="RouteStop.position"
    )

    __table_args__ = (
        CheckConstraint("window_start < window_end", name="window_order"),
        CheckConstraint("trailer_id IS NULL OR trailer_id <> vehicle_id", name="trailer_differs"),
        CheckConstraint("escort_id IS NULL OR escort_id <> driver_id", name="escort_differs"),
    )

    @property
    def dangerous_un_numbers(self) -> list[str]:
        return [line.un_number for line in self.cargo if line.un_number]

    def __str__(self) -> str:
        return self.reference


class CargoLine(Model):
    __tablename__ = "cargo_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("booking.id", ondelete="CASCADE"), index=True
    )
    # Null for goods that are not dangerous.
    un_number: Mapped[str | None] = mapped_column(ForeignKey("dangerous_good.un_number"))
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    unit: Mapped[QuantityUnit] = mapped_column(str_enum(QuantityUnit, 4))
    packaging: Mapped[Packaging] = mapped_column(str_enum(Packaging, 12))
    packing_group: Mapped[str | None] = mapped_column(String(3))
    # ADR 1.1.3.6 transport category (0-4) for the small-load points calculation.
    transport_category: Mapped[int | None]

    booking: Mapped[Booking] = relationship(back_populates="cargo")
    dangerous_good: Mapped[DangerousGood | None] = relationship()

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "transport_category IS NULL OR (transport_category >= 0 AND transport_category <= 4)",
            name="transport_category_range",
        ),
    )


class RouteStop(Model):
    """One node of a booking's planned route, in order: gate -> checkpoints -> dock -> gate."""

    __tablename__ = "route_stop"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("booking.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    node_id: Mapped[int] = mapped_column(ForeignKey("road_node.id"))
    # How long after entry the vehicle should reach this node, at the speed limits (travel
    # only: the time at the dock is not in it).
    due_within_minutes: Mapped[int | None]
    # The road from the previous stop: its length and its time at the speed limits.
    leg_m: Mapped[int | None]
    leg_s: Mapped[int | None]

    booking: Mapped[Booking] = relationship(back_populates="route")
    node: Mapped[RoadNode] = relationship()

    __table_args__ = (UniqueConstraint("booking_id", "position"),)

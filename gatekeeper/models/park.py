"""The park layout: zones, gates and lanes, checkpoints, docks and the road graph."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from gatekeeper.domain.messages import N_, SettingError, phrase
from gatekeeper.extensions import Model
from gatekeeper.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from gatekeeper.models.auth import User
    from gatekeeper.models.org import Company

HAZARD_CLASSES = ("1", "2", "3", "4.1", "4.2", "4.3", "5.1", "5.2", "6.1", "6.2", "7", "8", "9")


class ZoneKind(enum.StrEnum):
    PRODUCTION = "production"
    WAREHOUSE = "warehouse"
    HOLDING = "holding"  # the hazmat holding / parking lot
    PARKING = "parking"
    ROAD = "road"
    OFFICE = "office"


class LaneDirection(enum.StrEnum):
    IN = "in"
    OUT = "out"
    BOTH = "both"


class LaneKind(enum.StrEnum):
    GENERAL = "general"
    HAZMAT = "hazmat"
    WASTE = "waste"
    PEDESTRIAN = "pedestrian"
    EMERGENCY = "emergency"


class TunnelCategory(enum.StrEnum):
    B = "B"
    C = "C"
    D = "D"
    E = "E"


class NodeKind(enum.StrEnum):
    GATE = "gate"
    CHECKPOINT = "checkpoint"
    DOCK = "dock"
    JUNCTION = "junction"


def check_plate_formats(codes: Any) -> list[str]:
    """A park's plate formats: formats the reader does not know are refused when saved,
    not found out when a capture cannot be read."""
    from gatekeeper.vision.formats import FORMATS, unknown_formats

    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise SettingError(phrase(N_('plate formats: a list of format codes such as ["CN", "EU"]')))
    unknown = unknown_formats(codes)
    if unknown:
        raise SettingError(
            phrase(
                N_("unknown plate format(s): %(unknown)s; known: %(known)s"),
                unknown=", ".join(unknown),
                known=", ".join(sorted(FORMATS)),
            )
        )
    return codes


def hazmat_hours_fault(start: time | None, end: time | None) -> tuple[str, str] | None:
    """What is wrong with a park's hazmat entry hours, as (the field, the message): both
    are given or neither, and the first is before the second (the table checks it too)."""
    if (start is None) != (end is None):
        missing = "hazmat_hours_from" if start is None else "hazmat_hours_until"
        return missing, N_("both times, or neither for any time")
    if start is not None and end is not None and start >= end:
        return "hazmat_hours_until", N_("after the start")
    return None


def check_barrier(config: Any) -> dict[str, Any] | None:
    """A lane's barrier setting: one that names no usable adapter is refused when saved,
    not found out when a vehicle waits at the boom."""
    from gatekeeper.barriers import barrier_for

    if config is not None:
        if not isinstance(config, dict):
            raise SettingError(phrase(N_('barrier: a JSON object such as {"type": "simulated"}')))
        barrier_for(config)
        return config
    return None


class Park(Model):
    """The one park this installation runs, and the thresholds its rules use."""

    __tablename__ = "park"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    max_stay_minutes: Mapped[int] = mapped_column(default=360)
    early_tolerance_minutes: Mapped[int] = mapped_column(default=30)
    late_tolerance_minutes: Mapped[int] = mapped_column(default=60)
    escort_required_for_hazmat: Mapped[bool] = mapped_column(default=True)
    small_load_points_threshold: Mapped[int] = mapped_column(default=1000)
    # A carrier may not change a booking this close to its window (dispatchers still may).
    booking_freeze_minutes: Mapped[int] = mapped_column(default=120)
    plate_confidence_threshold: Mapped[float] = mapped_column(default=0.8)
    # Below this an orange-plate reading that contradicts the booking goes to the guard
    # instead of refusing the vehicle.
    hazard_confidence_threshold: Mapped[float] = mapped_column(default=0.6)
    # Hazmat vehicles allowed inside the park at once (null: no limit).
    hazmat_vehicle_capacity: Mapped[int | None] = mapped_column(default=20)
    # The guard checks driver and escort IDs at the barrier before a hazmat vehicle enters.
    crew_check_required_for_hazmat: Mapped[bool] = mapped_column(default=True)
    waybill_required_for_hazmat: Mapped[bool] = mapped_column(default=True)
    expiry_warning_days: Mapped[int] = mapped_column(default=30)
    # Plate formats the vision pipeline tries, in order of likelihood.
    plate_formats: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["CN", "EU"])
    # Route tracking: minutes of slack before a vehicle is late at its next checkpoint,
    # the share over a road's speed limit that is speeding, and how long a vehicle may stay
    # in a zone its cargo is not allowed in before that is illegal parking.
    checkpoint_tolerance_minutes: Mapped[int] = mapped_column(default=10)
    speed_tolerance_percent: Mapped[int] = mapped_column(default=20)
    parking_limit_minutes: Mapped[int] = mapped_column(default=15)
    # Repeated illegal parking is a year on the blacklist in many parks: this many illegal
    # parkings of one vehicle within the days given raise an alert proposing it (0: never).
    parking_offences_to_blacklist: Mapped[int] = mapped_column(default=3)
    parking_offence_days: Mapped[int] = mapped_column(default=90)
    # Positioning cards issued at the gate and returned at exit.
    uses_positioning_cards: Mapped[bool] = mapped_column(default=False)
    # The hours hazmat vehicles may enter, park-local, from before until (null: any time):
    # earlier they wait in the holding lot, later they are refused (no night entries).
    hazmat_hours_from: Mapped[time | None] = mapped_column(Time)
    hazmat_hours_until: Mapped[time | None] = mapped_column(Time)
    # A new token whenever a road or a road node changes (services/road_network.py): each
    # process keeps the road network the gate checks routes against, and loads it again
    # when this moves. A token rather than a counter: a restored or another database
    # never matches a network kept for the one before.
    roads_version: Mapped[str] = mapped_column(String(32), default=lambda: uuid.uuid4().hex)

    __table_args__ = (
        CheckConstraint("max_stay_minutes > 0", name="max_stay_positive"),
        CheckConstraint(
            "plate_confidence_threshold >= 0 AND plate_confidence_threshold <= 1",
            name="plate_confidence_range",
        ),
        CheckConstraint(
            "hazard_confidence_threshold >= 0 AND hazard_confidence_threshold <= 1",
            name="hazard_confidence_range",
        ),
        CheckConstraint("hazmat_vehicle_capacity >= 0", name="hazmat_capacity_nonneg"),
        CheckConstraint("parking_offences_to_blacklist >= 0", name="parking_offences_nonneg"),
        CheckConstraint("parking_offence_days > 0", name="parking_offence_days_positive"),
        CheckConstraint(
            "(hazmat_hours_from IS NULL) = (hazmat_hours_until IS NULL) "
            "AND (hazmat_hours_from IS NULL OR hazmat_hours_from < hazmat_hours_until)",
            name="hazmat_hours_order",
        ),
    )

    @classmethod
    def with_defaults(cls, name: str = "Park") -> Park:
        """A park with every threshold at its column default (before any flush)."""
        values: dict[str, object] = {}
        for column in cls.__table__.columns:
            default = column.default
            if default is None or column.primary_key:
                continue
            values[column.key] = default.arg(None) if default.is_callable else default.arg
        return cls(**{**values, "name": name})

    @validates("plate_formats")
    def _check_plate_formats(self, _key: str, codes: list[str]) -> list[str]:
        return check_plate_formats(codes)

    def __str__(self) -> str:
        return self.name


class Zone(Model):
    __tablename__ = "zone"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[ZoneKind] = mapped_column(str_enum(ZoneKind))
    capacity_people: Mapped[int | None]
    capacity_vehicles: Mapped[int | None]
    capacity_hazmat_vehicles: Mapped[int | None]
    allowed_hazard_classes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The hazmat parking lot keeps apart spaces for loaded and for empty tankers.
    capacity_loaded_tankers: Mapped[int | None]
    capacity_empty_tankers: Mapped[int | None]
    # Where the people of this zone gather in an evacuation (the roll call groups by it).
    muster_point: Mapped[str | None] = mapped_column(String(120))

    __table_args__ = (
        CheckConstraint("capacity_people >= 0", name="capacity_people_nonneg"),
        CheckConstraint("capacity_vehicles >= 0", name="capacity_vehicles_nonneg"),
        CheckConstraint("capacity_hazmat_vehicles >= 0", name="capacity_hazmat_nonneg"),
    )

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Gate(Model):
    __tablename__ = "gate"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # WGS-84 position, reported to the authorities' safety platform.
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    lanes: Mapped[list[Lane]] = relationship(back_populates="gate", order_by="Lane.code")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Lane(Model):
    __tablename__ = "lane"

    id: Mapped[int] = mapped_column(primary_key=True)
    gate_id: Mapped[int] = mapped_column(ForeignKey("gate.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    direction: Mapped[LaneDirection] = mapped_column(str_enum(LaneDirection))
    kind: Mapped[LaneKind] = mapped_column(str_enum(LaneKind))
    is_open: Mapped[bool] = mapped_column(default=True)
    # The zone a vehicle is in after passing this lane inwards.
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zone.id"))
    # Region of interest in the camera frame, as fractions [x, y, w, h]; null = whole frame.
    roi: Mapped[list[float] | None] = mapped_column(JSON)
    # The barrier: {"type": "simulated"} (null means the same) or
    # {"type": "http_relay", "url": ..., "token_env": ...}; see gatekeeper.barriers.
    barrier: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Why the lane was last closed or opened at the kiosk, when and by whom (services.lanes);
    # null: as set up.
    state_reason: Mapped[str | None] = mapped_column(String(255))
    state_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    gate: Mapped[Gate] = relationship(back_populates="lanes")
    zone: Mapped[Zone | None] = relationship()
    state_changed_by: Mapped[User | None] = relationship()

    @validates("barrier")
    def _check_barrier(self, _key: str, config: dict[str, Any] | None) -> dict[str, Any] | None:
        return check_barrier(config)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Checkpoint(Model):
    """A camera on a park road where vehicles are sighted."""

    __tablename__ = "checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zone.id"))
    # The station whose token may post this camera's sightings.
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))

    zone: Mapped[Zone | None] = relationship()

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Dock(Model):
    """An unloading / loading point of one of the park's companies."""

    __tablename__ = "dock"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"))
    slots_per_hour: Mapped[int] = mapped_column(default=2)

    company: Mapped[Company] = relationship()
    zone: Mapped[Zone] = relationship()

    __table_args__ = (CheckConstraint("slots_per_hour > 0", name="slots_positive"),)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RoadNode(Model):
    """A point of the road graph: a gate, a checkpoint, a dock or a plain junction."""

    __tablename__ = "road_node"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[NodeKind] = mapped_column(str_enum(NodeKind))
    gate_id: Mapped[int | None] = mapped_column(ForeignKey("gate.id"), unique=True)
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey("checkpoint.id"), unique=True)
    dock_id: Mapped[int | None] = mapped_column(ForeignKey("dock.id"), unique=True)

    gate: Mapped[Gate | None] = relationship()
    checkpoint: Mapped[Checkpoint | None] = relationship()
    # Position on the park map (SVG user units, 0-1000 across, 0-600 down); null: not
    # placed yet (the admin places it on the map page).
    x: Mapped[float | None]
    y: Mapped[float | None]

    dock: Mapped[Dock | None] = relationship()

    __table_args__ = (
        CheckConstraint(
            "(kind = 'gate' AND gate_id IS NOT NULL AND checkpoint_id IS NULL AND dock_id IS NULL)"
            " OR (kind = 'checkpoint' AND checkpoint_id IS NOT NULL"
            " AND gate_id IS NULL AND dock_id IS NULL)"
            " OR (kind = 'dock' AND dock_id IS NOT NULL AND gate_id IS NULL"
            " AND checkpoint_id IS NULL)"
            " OR (kind = 'junction' AND gate_id IS NULL AND checkpoint_id IS NULL"
            " AND dock_id IS NULL)",
            name="node_target_matches_kind",
        ),
    )

    def __str__(self) -> str:
        return self.code


class RoadEdge(Model):
    """A road segment between two nodes, with its restrictions."""

    __tablename__ = "road_edge"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_node_id: Mapped[int] = mapped_column(ForeignKey("road_node.id"), index=True)
    to_node_id: Mapped[int] = mapped_column(ForeignKey("road_node.id"), index=True)
    length_m: Mapped[int]
    speed_limit_kmh: Mapped[int] = mapped_column(default=20)
    two_way: Mapped[bool] = mapped_column(default=True)
    forbidden_hazard_classes: Mapped[list[str]] = mapped_column(JSON, default=list)
    tunnel_category: Mapped[TunnelCategory | None] = mapped_column(str_enum(TunnelCategory, 1))

    from_node: Mapped[RoadNode] = relationship(foreign_keys=[from_node_id])
    to_node: Mapped[RoadNode] = relationship(foreign_keys=[to_node_id])

    __table_args__ = (
        CheckConstraint("length_m > 0", name="length_positive"),
        CheckConstraint("speed_limit_kmh > 0", name="speed_positive"),
        CheckConstraint("from_node_id <> to_node_id", name="no_self_loop"),
    )

"""Fleet and people: vehicles and trailers, persons, their qualifications and documents."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from gatekeeper.domain.plates import normalize_plate, plate_skeleton
from gatekeeper.extensions import Model
from gatekeeper.models.types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from gatekeeper.models.auth import User
    from gatekeeper.models.org import Carrier, Company


class VehicleKind(enum.StrEnum):
    TRACTOR = "tractor"
    RIGID_TRUCK = "rigid_truck"
    TANKER = "tanker"
    BOX_TRUCK = "box_truck"
    VAN = "van"
    CAR = "car"
    TRAILER = "trailer"
    SEMI_TRAILER = "semi_trailer"
    TANK_TRAILER = "tank_trailer"

    @property
    def is_trailer(self) -> bool:
        return self in (VehicleKind.TRAILER, VehicleKind.SEMI_TRAILER, VehicleKind.TANK_TRAILER)


class AdrApproval(enum.StrEnum):
    """ADR certificate of approval types (ADR 9.1.3)."""

    EX_II = "EX/II"
    EX_III = "EX/III"
    FL = "FL"
    AT = "AT"
    MEMU = "MEMU"


class PlateColour(enum.StrEnum):
    """Chinese plates carry their class in their colour (recorded and reported with every
    passage): blue (small vehicles), yellow (trucks, trailers), green (new energy),
    yellow-green (large new-energy vehicles), white (police, military), black (foreign)."""

    BLUE = "blue"
    YELLOW = "yellow"
    GREEN = "green"
    YELLOW_GREEN = "yellow_green"
    WHITE = "white"
    BLACK = "black"


class ReviewStatus(enum.StrEnum):
    """The park's review of what a carrier registered: only approved vehicles and persons
    can be booked."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Standing(enum.StrEnum):
    """Whether the park lets a vehicle or person in at all."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    BLACKLISTED = "blacklisted"


class PersonKind(enum.StrEnum):
    DRIVER = "driver"
    ESCORT = "escort"
    EMPLOYEE = "employee"
    CONTRACTOR = "contractor"
    VISITOR = "visitor"


class IdDocumentType(enum.StrEnum):
    """The photo ID a person is known by. Only a keyed digest of its number and the last
    four characters are stored (enough to find duplicates and to recognise it masked)."""

    CN_RESIDENT_ID = "cn_resident_id"  # 居民身份证, 18 characters with a check digit
    PASSPORT = "passport"
    OTHER = "other"


class QualificationKind(enum.StrEnum):
    ADR_DRIVER = "adr_driver"  # ADR 8.2 driver training certificate (5 years)
    DG_DRIVER_CN = "dg_driver_cn"  # China: road dangerous-goods driver qualification
    ESCORT = "escort"  # China: dangerous-goods escort (supercargo) qualification
    INDUCTION = "induction"  # park safety induction
    INSURANCE = "insurance"  # contractor liability insurance
    FORKLIFT = "forklift"


class DocumentKind(enum.StrEnum):
    """What an uploaded file shows. Each kind belongs to a vehicle or to a person."""

    VEHICLE_LICENCE = "vehicle_licence"  # 行驶证
    ROAD_TRANSPORT_CERTIFICATE = "road_transport_certificate"  # 道路运输证
    ADR_CERTIFICATE = "adr_certificate"  # ADR certificate of approval
    TANK_INSPECTION = "tank_inspection"
    VEHICLE_PHOTO = "vehicle_photo"
    DRIVER_QUALIFICATION = "driver_qualification"
    ESCORT_QUALIFICATION = "escort_qualification"
    ID_CARD = "id_card"
    WAYBILL = "waybill"
    OTHER = "other"

    @property
    def for_vehicles(self) -> bool:
        return self in VEHICLE_DOCUMENTS

    @property
    def for_persons(self) -> bool:
        return self in PERSON_DOCUMENTS


VEHICLE_DOCUMENTS = (
    DocumentKind.VEHICLE_LICENCE,
    DocumentKind.ROAD_TRANSPORT_CERTIFICATE,
    DocumentKind.ADR_CERTIFICATE,
    DocumentKind.TANK_INSPECTION,
    DocumentKind.VEHICLE_PHOTO,
    DocumentKind.OTHER,
)
PERSON_DOCUMENTS = (
    DocumentKind.DRIVER_QUALIFICATION,
    DocumentKind.ESCORT_QUALIFICATION,
    DocumentKind.ID_CARD,
    DocumentKind.OTHER,
)


class Vehicle(Model):
    """A motor vehicle or a trailer; trailers have their own plate and documents."""

    __tablename__ = "vehicle"

    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(String(20))
    # Upper-case alphanumerics only: what plate matching compares.
    plate_normalized: Mapped[str] = mapped_column(String(20), index=True)
    # The plate with OCR-confusable characters folded (tolerant lookup).
    plate_skeleton: Mapped[str] = mapped_column(String(20), index=True)
    country: Mapped[str] = mapped_column(String(2))
    plate_colour: Mapped[PlateColour | None] = mapped_column(str_enum(PlateColour, 12))
    kind: Mapped[VehicleKind] = mapped_column(str_enum(VehicleKind))
    carrier_id: Mapped[int | None] = mapped_column(ForeignKey("carrier.id"), index=True)
    make_model: Mapped[str | None] = mapped_column(String(80))
    adr_approval: Mapped[AdrApproval | None] = mapped_column(str_enum(AdrApproval, 8))
    adr_certificate_number: Mapped[str | None] = mapped_column(String(64))
    adr_certificate_expiry: Mapped[date | None]
    dg_permit_number: Mapped[str | None] = mapped_column(String(64))
    dg_permit_expiry: Mapped[date | None]
    tank_code: Mapped[str | None] = mapped_column(String(16))
    tank_inspection_expiry: Mapped[date | None]
    # UN numbers or classes the tank is approved for (e.g. ["1203", "3"]).
    tank_approved: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Vehicle licence (行驶证) and its inspection.
    licence_number: Mapped[str | None] = mapped_column(String(64))
    licence_inspection_expiry: Mapped[date | None]
    review_status: Mapped[ReviewStatus] = mapped_column(
        str_enum(ReviewStatus, 10), default=ReviewStatus.APPROVED
    )
    review_comment: Mapped[str | None] = mapped_column(String(500))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    standing: Mapped[Standing] = mapped_column(str_enum(Standing), default=Standing.ACTIVE)
    standing_reason: Mapped[str | None] = mapped_column(String(255))
    standing_until: Mapped[date | None]
    # A park company's own vehicle (a van, a shuttle, a resident's car) comes in on a
    # registration the park renews every year, not on bookings: its owner and last day.
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True)
    registered_until: Mapped[date | None]

    carrier: Mapped[Carrier | None] = relationship()
    company: Mapped[Company | None] = relationship()
    documents: Mapped[list[Document]] = relationship(back_populates="vehicle")

    __table_args__ = (UniqueConstraint("plate_normalized", "country"),)

    @validates("plate")
    def _keep_normalized_plate(self, _key: str, plate: str) -> str:
        normalized = normalize_plate(plate)
        if not normalized:
            raise ValueError("a plate needs at least one letter or digit")
        self.plate_normalized = normalized
        self.plate_skeleton = plate_skeleton(normalized)
        return plate.strip().upper()

    @property
    def is_trailer(self) -> bool:
        return self.kind.is_trailer

    def __str__(self) -> str:
        return f"{self.plate} ({self.country})"


class Person(Model):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PersonKind] = mapped_column(str_enum(PersonKind))
    full_name: Mapped[str] = mapped_column(String(160))
    id_document_type: Mapped[IdDocumentType | None] = mapped_column(str_enum(IdDocumentType, 32))
    # HMAC-SHA256 of the normalised ID number (services.crew.id_digest): never the number.
    id_number_digest: Mapped[str | None] = mapped_column(String(64))
    # The last four characters, to show the number masked ("…1234").
    id_number_tail: Mapped[str | None] = mapped_column(String(4))
    nationality: Mapped[str | None] = mapped_column(String(2))
    phone: Mapped[str | None] = mapped_column(String(40))
    carrier_id: Mapped[int | None] = mapped_column(ForeignKey("carrier.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True)
    # Visitors are pre-registered with the name of their host.
    host_name: Mapped[str | None] = mapped_column(String(160))
    # The badge, staff card or positioning card the pedestrian lane's reader sends.
    badge_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    standing: Mapped[Standing] = mapped_column(str_enum(Standing), default=Standing.ACTIVE)
    standing_reason: Mapped[str | None] = mapped_column(String(255))
    # The last day of a blacklisting or suspension (None: until lifted).
    standing_until: Mapped[date | None]
    # The park's own people: the last day they work here (a leaver's badge stops opening the
    # gate); None: open-ended.
    registered_until: Mapped[date | None]
    review_status: Mapped[ReviewStatus] = mapped_column(
        str_enum(ReviewStatus, 10), default=ReviewStatus.APPROVED
    )
    review_comment: Mapped[str | None] = mapped_column(String(500))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    carrier: Mapped[Carrier | None] = relationship()
    company: Mapped[Company | None] = relationship()
    qualifications: Mapped[list[Qualification]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )
    documents: Mapped[list[Document]] = relationship(back_populates="person")

    # One person per ID within a carrier (a driver may work for two carriers).
    __table_args__ = (UniqueConstraint("carrier_id", "id_document_type", "id_number_digest"),)

    @property
    def id_masked(self) -> str | None:
        return f"…{self.id_number_tail}" if self.id_number_tail else None

    def __str__(self) -> str:
        return self.full_name


class Qualification(Model):
    """A certificate a person holds, with the hazard classes it covers and its expiry."""

    __tablename__ = "qualification"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[QualificationKind] = mapped_column(str_enum(QualificationKind))
    number: Mapped[str | None] = mapped_column(String(64))
    # Hazard classes covered (e.g. ["2", "3", "8"]); "tank" marks the ADR tank specialisation.
    classes: Mapped[list[str]] = mapped_column(JSON, default=list)
    valid_from: Mapped[date | None]
    expires_on: Mapped[date]

    person: Mapped[Person] = relationship(back_populates="qualifications")

    __table_args__ = (
        CheckConstraint("valid_from IS NULL OR valid_from <= expires_on", name="valid_range"),
    )

    def is_valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and day <= self.expires_on

    def __str__(self) -> str:
        return f"{self.number or '-'} ({self.expires_on})"


class Document(Model):
    """An uploaded file (certificate scan or photo, permit, ID) kept under the storage
    folder with a generated name; read by a background job and reviewed by the park."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind, 40))
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    carrier_id: Mapped[int | None] = mapped_column(ForeignKey("carrier.id"), index=True)
    # A document photographed at the barrier belongs to that passage (and its crew).
    passage_id: Mapped[int | None] = mapped_column(ForeignKey("passage.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_path: Mapped[str] = mapped_column(String(255), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(default=1)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The background reading: status, then what was read and how it compares.
    read_status: Mapped[str] = mapped_column(String(12), default="pending")
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_error: Mapped[str | None] = mapped_column(String(500))
    reading: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    review_status: Mapped[ReviewStatus] = mapped_column(
        str_enum(ReviewStatus, 10), default=ReviewStatus.PENDING
    )
    review_comment: Mapped[str | None] = mapped_column(String(500))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    vehicle: Mapped[Vehicle | None] = relationship(back_populates="documents")
    person: Mapped[Person | None] = relationship(back_populates="documents")
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])

    __table_args__ = (
        CheckConstraint(
            "vehicle_id IS NOT NULL OR person_id IS NOT NULL OR carrier_id IS NOT NULL"
            " OR passage_id IS NOT NULL",
            name="has_owner",
        ),
        CheckConstraint("size_bytes >= 0", name="size_nonneg"),
    )

    @property
    def owner_name(self) -> str:
        if self.vehicle is not None:
            return self.vehicle.plate
        if self.person is not None:
            return self.person.full_name
        return ""

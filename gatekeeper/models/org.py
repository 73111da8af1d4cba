"""Organisations: the park's companies and the carriers that drive in."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gatekeeper.extensions import Model
from gatekeeper.models.types import UTCDateTime, str_enum


class CarrierStatus(enum.StrEnum):
    """A carrier's account: applied on the sign-up page, approved or rejected by the park."""

    APPLIED = "applied"
    APPROVED = "approved"
    REJECTED = "rejected"


class Company(Model):
    """A company inside the park: consignee and/or consignor of loads, owner of docks."""

    __tablename__ = "company"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    is_consignee: Mapped[bool] = mapped_column(default=True)
    is_consignor: Mapped[bool] = mapped_column(default=False)

    def __str__(self) -> str:
        return self.name


class Carrier(Model):
    """A transport company whose vehicles and crews enter the park."""

    __tablename__ = "carrier"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    country: Mapped[str] = mapped_column(String(2))
    # Road transport operating licence (for dangerous goods where the country requires one).
    licence_number: Mapped[str | None] = mapped_column(String(64))
    licence_expiry: Mapped[date | None]
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_name: Mapped[str | None] = mapped_column(String(120))
    # Unified social credit code (China) or VAT number, normalised.
    registration_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    is_suspended: Mapped[bool] = mapped_column(default=False)
    status: Mapped[CarrierStatus] = mapped_column(
        str_enum(CarrierStatus, 10), default=CarrierStatus.APPROVED
    )
    review_comment: Mapped[str | None] = mapped_column(String(500))
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", use_alter=True)
    )

    def __str__(self) -> str:
        return self.name

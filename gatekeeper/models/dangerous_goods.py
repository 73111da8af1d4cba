"""The UN dangerous-goods list and the valid hazard identification numbers (Kemler codes)."""

from __future__ import annotations

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from gatekeeper.extensions import Model


class DangerousGood(Model):
    __tablename__ = "dangerous_good"

    un_number: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(String(600))
    hazard_class: Mapped[str] = mapped_column(String(8), index=True)
    classification_code: Mapped[str | None] = mapped_column(String(16))
    tunnel_code: Mapped[str | None] = mapped_column(String(16))
    # The HINs ADR gives this UN number (several where it depends on the packing group).
    hazard_id_numbers: Mapped[list[str]] = mapped_column(JSON, default=list)

    def __str__(self) -> str:
        return f"UN {self.un_number} {self.name[:60]}"


class HazardIdNumber(Model):
    __tablename__ = "hazard_id_number"

    code: Mapped[str] = mapped_column(String(4), primary_key=True)

    @property
    def reacts_with_water(self) -> bool:
        return self.code.startswith("X")

    def __str__(self) -> str:
        return self.code

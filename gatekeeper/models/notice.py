"""Notices: what a carrier or the park's staff should know (documents about to expire,
bookings that would fall after an expiry). Shown in the app, sent by e-mail where SMTP is
configured. Kept as English text and as a translatable template with parameters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gatekeeper.domain.messages import Phrase
from gatekeeper.extensions import Model
from gatekeeper.models.types import UTCDateTime, utcnow


class Notice(Model):
    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The carrier whose users see it; none: the park's staff (managers, dispatchers).
    carrier_id: Mapped[int | None] = mapped_column(ForeignKey("carrier.id"), index=True)
    message: Mapped[str] = mapped_column(String(500))
    template: Mapped[str | None] = mapped_column(String(200))
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    link: Mapped[str | None] = mapped_column(String(200))
    # Each notice is given once: the key names what and which threshold.
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @classmethod
    def draft(cls, text: Phrase, **values: Any) -> Notice:
        return cls(message=text.english()[:500], **text.to_dict_columns(), **values)


class FleetImport(Model):
    """A carrier's spreadsheet of vehicles or persons, imported by a background job: all
    rows or none; ``processed`` of ``total`` rows checked so far (the page's progress bar)."""

    __tablename__ = "fleet_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Null for a park dispatcher's import of bookings.
    carrier_id: Mapped[int | None] = mapped_column(ForeignKey("carrier.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    what: Mapped[str] = mapped_column(String(10))  # vehicles | persons | bookings
    original_name: Mapped[str] = mapped_column(String(255))
    stored_path: Mapped[str] = mapped_column(String(255))
    # queued, checking, done (all rows imported), failed (nothing imported: see errors)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    total: Mapped[int] = mapped_column(default=0)
    processed: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    # [{"row": 3, "field": "plate", "message": "...", "value": "..."}]
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 0

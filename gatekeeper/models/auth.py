"""Who may use the system: people (users with one role) and gate stations (machines)."""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gatekeeper.extensions import Model
from gatekeeper.models.types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from gatekeeper.models.org import Carrier, Company
    from gatekeeper.models.park import Lane

# RFC 9106's second recommendation (64 MiB, 3 passes): about 0.2 s of a core per hash.
_hasher = PasswordHasher()


def use_cheapest_password_hashing() -> None:
    """Hash new passwords with argon2's cheapest parameters (``env = "testing"`` only: a
    test suite creates thousands of users and would spend minutes hashing). A hash keeps
    its parameters, so every stored hash is still checked as it was made."""
    global _hasher
    _hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)


TOKEN_PREFIX = "gks_"  # noqa: S105 (a public marker that identifies station tokens)
USER_TOKEN_PREFIX = "gku_"  # noqa: S105 (a public marker that identifies users' API tokens)


class Role(enum.StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    DISPATCHER = "dispatcher"
    GUARD = "guard"
    CARRIER = "carrier"


class User(UserMixin, Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    # For messages through the park's SMS/WeChat gateway (a visitor arrived for this host).
    phone: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    # A carrier user sees and edits only its own carrier's fleet and crews.
    carrier_id: Mapped[int | None] = mapped_column(ForeignKey("carrier.id"), index=True)
    # A dispatcher may belong to a park company (or to the park's logistics office: null).
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"))
    locale: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session id: signing out draws a new one, so that a copied session
    # cookie stops working on the server, not only in the browser that signed out.
    session_epoch: Mapped[str | None] = mapped_column(String(16))

    carrier: Mapped[Carrier | None] = relationship(foreign_keys=[carrier_id])
    company: Mapped[Company | None] = relationship()

    __table_args__ = (
        CheckConstraint(
            "(role = 'carrier') = (carrier_id IS NOT NULL)", name="carrier_scope_matches_role"
        ),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """The session id carries a fragment of the password hash and the session epoch,
        so that a password change or a sign-out ends every session of this user."""
        return f"{self.id}:{self.password_hash[-12:]}:{self.session_epoch or ''}"

    def end_sessions(self) -> None:
        """Every session cookie issued so far stops working."""
        self.session_epoch = secrets.token_hex(8)

    def set_password(self, password: str) -> None:
        if len(password) < 8:
            raise ValueError("a password needs at least 8 characters")
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def __str__(self) -> str:
        return f"{self.display_name} ({self.username})"


station_lane = Table(
    "station_lane",
    Model.metadata,
    Column("station_id", ForeignKey("station.id", ondelete="CASCADE"), primary_key=True),
    Column("lane_id", ForeignKey("lane.id", ondelete="CASCADE"), primary_key=True),
)


def hash_token(token: str) -> str:
    """Station tokens are long random strings, so one SHA-256 is a sound hash for them."""
    return hashlib.sha256(token.encode()).hexdigest()


class Station(Model):
    """A gate station (lane computer) that talks to the API with a bearer token."""

    __tablename__ = "station"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_hint: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lanes: Mapped[list[Lane]] = relationship(secondary=station_lane)

    def issue_token(self) -> str:
        """Make a new token, keep only its hash, and return it (shown once)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        self.token_hint = token[: len(TOKEN_PREFIX) + 4]
        return token

    def serves(self, lane: Lane) -> bool:
        return any(own.id == lane.id for own in self.lanes)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ApiToken(Model):
    """A user's API token for ERP/TMS and carrier systems (``Authorization: Bearer gku_...``).
    Only its hash is kept; it acts as its user, with the user's role and scope."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        """A new token for the user: the row (hash only) and the token (shown once)."""
        token = USER_TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = cls(
            user=user,
            name=name[:80],
            token_hash=hash_token(token),
            token_hint=token[: len(USER_TOKEN_PREFIX) + 4],
        )
        return row, token

    @property
    def active(self) -> bool:
        return self.revoked_at is None

"""Carrier accounts: a company applies on the public sign-up page, a park admin approves
or rejects it, and an approved carrier invites its own users.

An applicant's first user is created inactive with the application and becomes active
when the park approves the company. An invited user is created inactive with no usable
password; the invitation link (signed, valid for a week, void once used) lets the invitee
choose a password. Without SMTP the inviter passes the link on.
"""

from __future__ import annotations

import re
import secrets
from datetime import date
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from gatekeeper.domain.messages import N_
from gatekeeper.extensions import db
from gatekeeper.models import Carrier, CarrierStatus, Role, User
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit
from gatekeeper.services.clock import park_today
from gatekeeper.services.fleet import FleetError

INVITATION_DAYS = 7
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VAT = re.compile(r"^[A-Z]{2}[0-9A-Z+*.]{2,13}$")


def uscc_valid(code: str) -> bool:
    """China's unified social credit code (GB 32100-2015): 18 characters of a 31-letter
    alphabet, the last a MOD 31 check character."""
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return False
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(code, _USCC_WEIGHTS, strict=False))
    return _USCC_CHARS[(31 - total % 31) % 31] == code[17]


def check_registration_number(country: str, number: str) -> str:
    """The company's registration number, normalised: a unified social credit code in
    China, a VAT number (with its country prefix) elsewhere."""
    number = re.sub(r"[\s-]", "", number).upper()
    if country == "CN":
        if not uscc_valid(number):
            raise FleetError(
                {"registration_number": N_("not a unified social credit code (18 characters)")}
            )
    elif not _VAT.match(number):
        raise FleetError(
            {"registration_number": N_("a VAT number with its country prefix, e.g. BE0123456789")}
        )
    return number


def apply(values: dict[str, Any]) -> tuple[Carrier, User]:
    """A carrier company's application and its first (inactive) user. No commit."""
    country = values["country"].upper()
    errors: dict[str, str] = {}
    try:
        number = check_registration_number(country, values["registration_number"])
    except FleetError as exc:
        errors.update(exc.errors)
        number = ""
    if number and db.session.scalar(
        select(Carrier.id).where(Carrier.registration_number == number)
    ):
        errors["registration_number"] = N_("this company has an account or an application already")
    expiry: date | None = values.get("licence_expiry")
    if expiry is not None and expiry < park_today():
        errors["licence_expiry"] = N_("already expired: enter the renewed document's expiry")
    username = values["username"].strip().lower()
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username)):
        errors["username"] = N_("this username is taken")
    if errors:
        raise FleetError(errors)
    carrier = Carrier(
        code=_new_code(),
        name=values["name"].strip(),
        country=country,
        registration_number=number,
        licence_number=(values.get("licence_number") or "").strip() or None,
        licence_expiry=expiry,
        contact_name=values["contact_name"].strip(),
        contact_email=values["email"].strip(),
        contact_phone=(values.get("phone") or "").strip() or None,
        status=CarrierStatus.APPLIED,
        applied_at=utcnow(),
    )
    user = User(
        username=username,
        display_name=values["contact_name"].strip(),
        email=values["email"].strip(),
        role=Role.CARRIER,
        carrier=carrier,
        active=False,
    )
    user.set_password(values["password"])
    db.session.add_all([carrier, user])
    db.session.flush()
    audit.record(
        "carrier.applied",
        entity_type="carrier",
        entity_id=carrier.id,
        details={"name": carrier.name, "registration_number": number, "username": username},
        actor="anonymous",
    )
    return carrier, user


def _new_code() -> str:
    while True:
        code = "C" + secrets.token_hex(3).upper()
        if not db.session.scalar(select(Carrier.id).where(Carrier.code == code)):
            return code


def review_application(carrier: Carrier, approve: bool, comment: str | None, user: User) -> None:
    """The park admin approves (the applicant's users become active) or rejects (with a
    reason) a carrier's application. No commit."""
    comment = (comment or "").strip()[:500] or None
    if not approve and comment is None:
        raise FleetError({"comment": N_("say why it is rejected")})
    carrier.status = CarrierStatus.APPROVED if approve else CarrierStatus.REJECTED
    carrier.review_comment = comment
    carrier.reviewed_at = utcnow()
    carrier.reviewed_by_id = user.id
    for member in db.session.scalars(select(User).where(User.carrier_id == carrier.id)):
        if member.password_hash:  # the applicant, not someone invited and not yet arrived
            member.active = approve
    audit.record(
        "carrier.reviewed",
        entity_type="carrier",
        entity_id=carrier.id,
        details={"status": carrier.status.value, "comment": comment},
        actor_user_id=user.id,
        actor=user.username,
    )


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="carrier-invitation")


def invite(inviter: User, values: dict[str, Any]) -> tuple[User, str]:
    """A new user of the inviter's carrier, inactive until the invitation is accepted.
    Returns the user and the invitation token (for the link). No commit."""
    carrier = inviter.carrier
    if carrier is None or carrier.status is not CarrierStatus.APPROVED:
        raise FleetError({"body": N_("only an approved carrier invites users")})
    username = values["username"].strip().lower()
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username)):
        raise FleetError({"username": N_("this username is taken")})
    user = User(
        username=username,
        display_name=values["display_name"].strip(),
        email=(values.get("email") or "").strip() or None,
        role=Role.CARRIER,
        carrier=carrier,
        active=False,
        password_hash="",  # no password: nobody signs in until the invitation is accepted
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "carrier.user_invited",
        entity_type="user",
        entity_id=user.id,
        details={"username": username, "carrier": carrier.code},
    )
    return user, invitation_token(user)


def invitation_token(user: User) -> str:
    return _serializer().dumps({"user": user.id})


def invited_user(token: str) -> User | None:
    """The user an invitation is for, while it is valid and not yet used."""
    try:
        data = _serializer().loads(token, max_age=INVITATION_DAYS * 86400)
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or user.password_hash or user.carrier is None:
        return None  # used already (a password is set), or not a carrier's user
    return user


def accept_invitation(user: User, password: str) -> None:
    """The invitee chooses a password; the account becomes active. No commit."""
    user.set_password(password)
    user.active = True
    audit.record(
        "carrier.invitation_accepted",
        entity_type="user",
        entity_id=user.id,
        actor_user_id=user.id,
        actor=user.username,
    )


def carrier_users(carrier_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.carrier_id == carrier_id).order_by(User.username)
        )
    )


COMPANY_FIELDS = (
    "contact_name",
    "contact_email",
    "contact_phone",
    "licence_number",
    "licence_expiry",
)


def change_company(carrier: Carrier, values: dict[str, Any]) -> list[str]:
    """The carrier's contact and licence, as its users keep them. Returns what changed.
    No commit."""
    expiry: date | None = values.get("licence_expiry")
    if expiry is not None and expiry < park_today() and expiry != carrier.licence_expiry:
        raise FleetError(
            {"licence_expiry": N_("already expired: enter the renewed document's expiry")}
        )
    changed = []
    for name in COMPANY_FIELDS:
        value = values.get(name)
        value = value.strip() or None if isinstance(value, str) else value
        if getattr(carrier, name) != value:
            setattr(carrier, name, value)
            changed.append(name)
    if changed:
        audit.record(
            "carrier.company_changed",
            entity_type="carrier",
            entity_id=carrier.id,
            details={"fields": changed},
        )
    return changed

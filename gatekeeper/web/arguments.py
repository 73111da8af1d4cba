"""A list page's query arguments and the park's companies its filters and forms offer. A
value no link sends is a bad request (400), not a default that hides the mistake."""

from __future__ import annotations

import enum
from typing import TypeVar

from flask import abort, request
from flask_babel import gettext
from sqlalchemy import select

from gatekeeper.extensions import db
from gatekeeper.models import Company
from gatekeeper.models.types import record_id

E = TypeVar("E", bound=enum.Enum)


def member(kind: type[E], value: str | None) -> E | None:
    """The member of ``kind`` named by ``value``; None when empty; 400 when unknown."""
    try:
        return kind(value) if value else None
    except ValueError:
        abort(400)


def company_arg() -> int | None:
    """The ``company`` argument: a company id, None when empty; 400 when no id."""
    text = request.args.get("company") or None
    company_id = record_id(text) if text else None
    if text and company_id is None:
        abort(400)
    return company_id


def companies() -> list[Company]:
    """The park's companies, by name."""
    return list(db.session.scalars(select(Company).order_by(Company.name)))


def company_choices() -> list[tuple[str, str]]:
    """A form's choice of the park's companies, none chosen first."""
    return [("", gettext("— choose —"))] + [(str(c.id), c.name) for c in companies()]

"""Paged lists: the page number from the request, kept to pages that exist (a page past the
end, say from an old link, shows the last one; an absurd number is no database error)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from gatekeeper.extensions import db

MAX_PAGE = 100_000


def page_number() -> int:
    """The ``page`` argument, 1 when absent or not a number, within 1..MAX_PAGE."""
    number = request.args.get("page", 1, type=int) or 1
    return min(max(number, 1), MAX_PAGE)


def paginate(query: Select[Any], per_page: int) -> Pagination:
    number = page_number()
    found = db.paginate(query, page=number, per_page=per_page, error_out=False)
    if found.pages and number > found.pages:
        found = db.paginate(query, page=found.pages, per_page=per_page, error_out=False)
    return found

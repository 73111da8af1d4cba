"""Paged lists: the page number from the request, kept to pages that exist (a page past the
end, say from an old link, shows the last one; an absurd number is no database error)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select

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


@dataclass(frozen=True)
class NewestPage:
    """A page of the newest ``cap`` rows of a history that may be long (a vehicle's passages
    over years): counting every row would cost as much as the history is long; past the cap
    the list says so and sends the reader to the reports. Offers what ``pager`` reads."""

    items: list[Any]
    page: int
    per_page: int
    total: int  # at most ``cap`` (+1 when there are more)
    cap: int

    @property
    def capped(self) -> bool:
        return self.total > self.cap

    @property
    def pages(self) -> int:
        return max(1, -(-min(self.total, self.cap) // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def paginate_newest(query: Select[Any], per_page: int, cap: int = 1000) -> NewestPage:
    """The page asked for of the first ``cap`` rows of ``query`` (ordered newest first)."""
    counted = query.order_by(None).limit(cap + 1).subquery()
    total = int(db.session.scalar(select(func.count()).select_from(counted)) or 0)
    shown = min(total, cap)
    pages = max(1, -(-shown // per_page))
    number = min(page_number(), pages)
    first = (number - 1) * per_page
    size = max(0, min(per_page, shown - first))  # the last page stops at the cap
    items = list(db.session.scalars(query.limit(size).offset(first))) if size else []
    return NewestPage(items, number, per_page, total, cap)

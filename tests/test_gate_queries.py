"""A decision loads what it needs in a fixed, small number of queries, whatever the
number of vehicles, bookings, cargo lines, crew certificates and route roads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select

from gatekeeper.extensions import db
from gatekeeper.models import Booking, BookingStatus, Passage
from gatekeeper.services import gate
from tests.factories import make_booking
from tests.gate_samples import LOX_PLATE, Demo

BUDGET = 12


@contextmanager
def _selects() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _evaluated(passage: Passage) -> int:
    db.session.expire_all()  # nothing cached from before: count what a decision loads
    passage = db.session.get(Passage, passage.id)
    assert passage is not None
    passage.lane  # noqa: B018 (the request handler has the lane loaded already)
    with _selects() as statements:
        gate.evaluate(passage)
    return len(statements)


def test_a_booked_tanker_is_decided_in_a_fixed_number_of_queries(client: Any, demo: Demo) -> None:
    body = demo.post_event(client, "G1-HAZ", event_id="q1", plate="QAKX769", hazard=LOX_PLATE).json
    passage = db.session.get(Passage, body["id"])
    assert passage is not None and passage.booking_id == demo.lox.id
    queries = _evaluated(passage)
    assert queries <= BUDGET
    # Twenty more bookings today (other vehicles, crews and cargo at the same dock), and
    # more cargo and a longer day for the tanker's own: the same number of queries.
    start = demo.lox.window_start
    for _ in range(20):
        make_booking(("1203", "1202"), dock=demo.lox.dock, window_start=start)
    make_booking(
        ("1073", "1203", "1202"),
        dock=demo.lox.dock,
        vehicle=demo.lox.vehicle,
        window_start=start + timedelta(hours=3),
        status=BookingStatus.REQUESTED,
    )
    db.session.commit()
    assert _evaluated(passage) == queries


def test_an_unknown_plate_is_decided_in_fewer(client: Any, demo: Demo) -> None:
    body = demo.post_event(client, "G1-IN", event_id="q2", plate="ZZ999ZZ").json
    passage = db.session.get(Passage, body["id"])
    assert passage is not None
    assert _evaluated(passage) <= BUDGET
    assert db.session.scalar(select(Booking.id).where(Booking.id == demo.lox.id))

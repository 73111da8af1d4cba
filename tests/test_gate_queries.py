"""A decision loads what it needs in a fixed, small number of queries, whatever the
number of vehicles, bookings, cargo lines, crew certificates and route roads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from gatekeeper.extensions import db
from gatekeeper.models import Booking, BookingStatus, Passage
from gatekeeper.services import audit, gate, locks
from gatekeeper.services.gate import apply
from tests.factories import make_booking
from tests.gate_samples import LOX_PLATE, Demo

# The park, the candidate vehicles, the matched vehicle's bookings with their crews, their
# cargo, their route stops, the park's lock and counts; the roads once per process.
BUDGET = 8


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


def test_an_unknown_plate_holds_the_park_lock_only_to_append_to_the_audit_chain(
    client: Any, demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock orders every lane's writes: a refused vehicle, which takes no place, must
    not hold the other lanes back while it is decided, only while the chain grows."""
    statements: list[str] = []
    locked_after: list[int] = []

    def spy() -> None:
        locked_after.append(len(statements))
        locks.park_write_lock()

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(" ".join(statement.split()))

    monkeypatch.setattr(apply, "park_write_lock", spy)
    monkeypatch.setattr(audit, "park_write_lock", spy)
    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        body = demo.post_event(client, "G1-IN", event_id="q3", plate="ZZ999ZZ").json
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert body["decision"] in ("deny", "review")
    assert len(locked_after) == 1, "one lock, at the end"
    held = [s for s in statements[locked_after[0] :] if "pg_advisory_xact_lock" not in s]
    assert held and all("audit_entry" in s for s in held), held
    assert any(s.startswith("UPDATE passage") for s in statements[: locked_after[0]])

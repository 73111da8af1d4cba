"""Inside the park under real concurrency, on the product as `make run` starts it
(gunicorn, 2 workers x 4 threads, the suite's backend), requests released at one instant.

Proves: the same checkpoint event sent many times at once is one sighting; people badging
in at two pedestrian lanes at once are inside once each (no double presence), and badging
out at once leaves nobody inside (no negative count); nothing answers 5xx."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from tests.live import Server, all_at_once, post_json, run_server, server_database

pytestmark = pytest.mark.embedded

STAFF = ("EMP-0001", "EMP-0002", "EMP-0003", "EMP-0004", "CTR-0001")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with run_server(tmp_path_factory.mktemp("inside-burst")) as running:
        yield running


def _at_once(calls: list[tuple[str, str, dict[str, Any]]], server: Server) -> list[tuple[int, Any]]:
    return all_at_once([lambda call=call: post_json(server, *call) for call in calls])


def test_the_same_checkpoint_event_fifteen_times_at_once_is_one_sighting(server: Server) -> None:
    body = {"event_id": "burst-cp", "plate": "ZZ1234", "confidence": 0.9}
    token = server.tokens["ST-ROAD"]
    answers = _at_once([("/api/v1/checkpoints/CP1/sightings", token, body)] * 15, server)
    assert Counter(status for status, _ in answers) == {201: 1, 200: 14}
    assert len({answer["id"] for _, answer in answers}) == 1
    with server_database(server) as db:
        assert db.execute(text("SELECT count(*) FROM sighting")).scalar() == 1


def _presence_rows(server: Server) -> list[tuple[str, int]]:
    with server_database(server) as db:
        return list(
            db.execute(
                text(
                    "SELECT p.badge_number, count(*) FROM presence r"
                    " JOIN person p ON p.id = r.person_id"
                    " WHERE p.badge_number IS NOT NULL GROUP BY p.badge_number"
                )
            ).all()
        )


def test_badging_in_at_two_lanes_at_once_is_inside_once_then_out_leaves_nobody(
    server: Server,
) -> None:
    g1, g2 = server.tokens["ST-G1"], server.tokens["ST-G2"]
    calls = [
        (f"/api/v1/lanes/{lane}/badges", token, {"event_id": f"in-{lane}-{badge}", "badge": badge})
        for badge in STAFF
        for lane, token in (("G1-PED", g1), ("G2-PED", g2))
    ]
    answers = _at_once(calls, server)
    assert {status for status, _ in answers} == {201}, answers
    allowed_in = Counter(
        body["person"] for _, body in answers if body["allowed"] and body["direction"] == "in"
    )
    # Each person is let in once; the other reader is refused ("already inside") or,
    # on the two-way lane after the entry, lets them out again.
    assert set(allowed_in.values()) == {1} and len(allowed_in) == len(STAFF)
    inside = dict(_presence_rows(server))
    assert set(inside.values()) <= {1}
    outs = sum(1 for _, body in answers if body["allowed"] and body["direction"] == "out")
    assert len(inside) == len(STAFF) - outs

    leaving = [
        ("/api/v1/lanes/G1-PED/badges", g1, {"event_id": f"out-{badge}", "badge": badge})
        for badge in inside
    ]
    answers = _at_once(leaving, server) if leaving else []
    assert {status for status, _ in answers} <= {201}, answers
    assert _presence_rows(server) == []
    with server_database(server) as db:
        people_inside = db.execute(
            text("SELECT count(*) FROM presence WHERE kind = 'person'")
        ).scalar()
    assert people_inside == 0

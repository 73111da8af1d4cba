"""The road network the gate checks routes against is kept per process and loaded again
whenever a road or a road node changes (the park's roads_version moves)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from gatekeeper.extensions import db
from gatekeeper.models import Park, Passage, RoadEdge
from gatekeeper.services import road_network
from gatekeeper.services.gate import evaluate
from tests.gate_samples import LOX_PLATE, Demo


def _statements(run: Any) -> tuple[Any, int]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        result = run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return result, len(seen)


def _park() -> Park:
    park = db.session.scalar(select(Park))
    assert park is not None
    return park


def test_the_network_is_loaded_once_per_version(demo: Demo, session: Any) -> None:
    road_network.forget()
    park = _park()
    first, queries = _statements(lambda: road_network.road_network(park))
    assert queries == 1 and first
    again, queries = _statements(lambda: road_network.road_network(park))
    assert queries == 0 and again is first


def test_a_road_changed_after_the_network_was_kept_is_seen_at_once(
    demo: Demo, session: Any
) -> None:
    road_network.forget()
    park = _park()
    edge = session.scalars(select(RoadEdge).order_by(RoadEdge.id)).first()
    assert edge is not None
    key = (edge.from_node_id, edge.to_node_id)
    before = road_network.road_network(park)[key]
    version = park.roads_version
    edge.forbidden_hazard_classes = ["2"]
    session.commit()
    assert _park().roads_version != version
    assert road_network.road_network(_park())[key].forbidden_hazard_classes == ("2",)
    assert before.forbidden_hazard_classes != ("2",)
    session.delete(edge)
    session.commit()
    assert key not in road_network.road_network(_park())


def test_the_booked_tankers_route_is_checked_against_a_road_closed_since(
    client: Any, demo: Demo, session: Any
) -> None:
    """The demo tanker's first decision keeps the network; a road of its route is then
    closed to class 2 (its liquid oxygen): the next decision sees it."""
    body = demo.post_event(client, "G1-HAZ", event_id="rn-1", plate="QAKX769", hazard=LOX_PLATE)
    passage = session.get(Passage, body.json["id"])
    assert passage is not None
    checks = {c["code"]: c for c in passage.checks}
    assert checks["route"]["outcome"] == "pass"
    first_leg = demo.lox.route[0].node_id, demo.lox.route[1].node_id
    edge = session.scalar(
        select(RoadEdge).where(
            ((RoadEdge.from_node_id == first_leg[0]) & (RoadEdge.to_node_id == first_leg[1]))
            | ((RoadEdge.from_node_id == first_leg[1]) & (RoadEdge.to_node_id == first_leg[0]))
        )
    )
    assert edge is not None
    edge.forbidden_hazard_classes = ["2"]
    session.commit()
    result = evaluate(session.get(Passage, passage.id)).result
    route = next(c for c in result.checks if c.code == "route")
    assert route.outcome.value == "fail"
    assert "forbids class 2" in route.to_dict()["message"]

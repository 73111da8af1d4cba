"""The router: the shortest way gate -> dock -> gate over the park's roads that the load may
take (forbidden classes, tunnel codes, one-way roads), the time of each leg at the speed
limits, and 'no route possible' when there is none."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from gatekeeper.domain.routing import Load, Road, best_route, closed_to, plan
from gatekeeper.extensions import db
from gatekeeper.models import RoadEdge, RoadNode
from gatekeeper.services import bookings
from tests.booking_samples import _data, _id

PETROL_TANK = Load(hazard_classes=("3",), tunnel_codes=("D/E",), tank_or_bulk=True)
PETROL_CANS = Load(hazard_classes=("3",), tunnel_codes=("D/E",), tank_or_bulk=False)
NOTHING = Load()

#        A ---100--- B ---100--- D (dock)
#        |                       |
#        +-------300--- C -------+      C-D runs through a tunnel
ROADS = (
    Road("A", "B", 100, 36),
    Road("B", "D", 100, 36, forbidden_classes=("2", "3")),
    Road("A", "C", 150, 36),
    Road("C", "D", 150, 36, tunnel_category="D"),
)


def test_the_shortest_way_is_taken_and_timed_at_the_speed_limit() -> None:
    route = plan(ROADS, ("A", "D", "A"), NOTHING)
    assert route is not None
    assert route.nodes == ("A", "B", "D", "B", "A")
    assert route.length_m == 400
    # 100 m at 36 km/h (10 m/s) is 10 s a leg.
    assert [leg.seconds for leg in route.legs] == [0, 10, 10, 10, 10]
    assert route.elapsed() == [0, 10, 20, 30, 40]


def test_a_road_forbidden_for_the_class_is_avoided() -> None:
    route = plan(ROADS, ("A", "D", "A"), PETROL_CANS)
    assert route is not None and route.nodes == ("A", "C", "D", "C", "A")


def test_a_division_is_closed_by_its_class() -> None:
    assert closed_to(Road("A", "B", 10, 30, forbidden_classes=("4",)), Load(("4.1",)))
    assert not closed_to(Road("A", "B", 10, 30, forbidden_classes=("4.1",)), Load(("4.3",)))


def test_a_tunnel_closed_by_the_tunnel_code_leaves_no_route() -> None:
    # Petrol in a tank (D/E): the D tunnel is closed, and B-D forbids class 3.
    assert plan(ROADS, ("A", "D", "A"), PETROL_TANK) is None


def test_tunnel_codes_depend_on_tank_or_packages() -> None:
    tunnel_d = Road("C", "D", 150, 36, tunnel_category="D")
    assert closed_to(tunnel_d, PETROL_TANK)  # D/E: D for tanks and bulk
    assert not closed_to(tunnel_d, PETROL_CANS)  # ... E otherwise
    assert closed_to(Road("C", "D", 1, 1, tunnel_category="E"), PETROL_CANS)
    assert not closed_to(Road("C", "D", 1, 1, tunnel_category="C"), PETROL_TANK)
    assert not closed_to(tunnel_d, Load(("3",), ("(-)",), True))  # no restriction


def test_one_way_roads_are_driven_one_way() -> None:
    roads = (Road("A", "D", 100, 36, two_way=False), Road("D", "E", 500, 36))
    assert plan(roads, ("A", "D"), NOTHING) is not None
    assert plan(roads, ("D", "A"), NOTHING) is None


def test_the_best_pair_of_gates_is_chosen() -> None:
    roads = (*ROADS, Road("D", "X", 50, 36))
    route = best_route(roads, ("A",), "D", ("A", "X"), NOTHING)
    assert route is not None and route.nodes[-1] == "X"


def test_a_booking_stores_its_route_with_checkpoints_and_times(park: dict[str, Any]) -> None:
    booking = bookings.create(_data(park), park["user"])
    db.session.commit()
    nodes = [stop.node.code for stop in booking.route]
    assert nodes[0] == "G1" and "D4" in nodes and nodes[-1] in ("G1", "G2")
    assert [stop.position for stop in booking.route] == list(range(len(nodes)))
    # CP1 is 250 m from G1 at 30 km/h: 30 s, due within a minute.
    cp1 = booking.route[1]
    assert (cp1.node.code, cp1.leg_m, cp1.leg_s, cp1.due_within_minutes) == ("CP1", 250, 30, 1)
    dues = [stop.due_within_minutes for stop in booking.route]
    assert dues == sorted(dues)
    route = bookings.booking_json(booking)["route"]
    assert route[1]["checkpoint"] == "CP1" and route[1]["leg_s"] == 30


def test_petrol_avoids_the_road_closed_to_class_3(park: dict[str, Any]) -> None:
    d3 = _id(RoadNode, code="D3").dock
    booking = bookings.create(_data(park, dock_id=d3.id), park["user"])
    nodes = [stop.node.code for stop in booking.route]
    assert "CP6" not in nodes and "CP3" in nodes


def test_no_route_possible_is_a_clear_error_at_the_dock(park: dict[str, Any]) -> None:
    d3 = _id(RoadNode, code="D3")
    for edge in db.session.scalars(
        select(RoadEdge).where((RoadEdge.to_node_id == d3.id) | (RoadEdge.from_node_id == d3.id))
    ):
        edge.forbidden_hazard_classes = ["3"]
    db.session.flush()
    with pytest.raises(bookings.BookingError) as refused:
        bookings.create(_data(park, dock_id=d3.dock_id), park["user"])
    assert "no route possible" in refused.value.errors["dock_id"].english()
    # Goods that are not dangerous still have their route.
    plain = [{"description": "Pallets", "quantity": "10", "unit": "kg", "packaging": "packages"}]
    booking = bookings.create(_data(park, dock_id=d3.dock_id, cargo=plain), park["user"])
    assert booking.route[-1].node.kind.value == "gate"


def test_the_admin_places_a_node_on_the_park_map(app: Any, park: dict[str, Any]) -> None:
    from gatekeeper.models import AuditEntry, Role
    from tests.conftest import csrf_token_from, login_as
    from tests.factories import make_user

    admin = login_as(app.test_client(), make_user(Role.ADMIN))
    page = admin.get("/manage/map").get_data(as_text=True)
    assert 'class="park-map placing"' in page and 'data-code="J1"' in page
    j1 = _id(RoadNode, code="J1")
    token = csrf_token_from(page)
    wrong = admin.post("/manage/map", data={"csrf_token": token, "node": j1.id, "x": 5000, "y": 3})
    assert wrong.status_code == 400
    db.session.refresh(j1)
    assert (j1.x, j1.y) == (500, 330)  # unchanged
    done = admin.post(
        "/manage/map", data={"csrf_token": token, "node": j1.id, "x": "512.5", "y": "301"}
    )
    assert done.status_code == 302
    db.session.refresh(j1)
    assert (j1.x, j1.y) == (512.5, 301)
    assert (
        db.session.scalar(select(AuditEntry).where(AuditEntry.action == "park.node_placed"))
        is not None
    )
    dispatcher = login_as(app.test_client(), make_user(Role.DISPATCHER))
    assert dispatcher.get("/manage/map").status_code == 403

"""A booking's planned route: the park's road graph read from the database, planned by
:mod:`gatekeeper.domain.routing`, stored as the booking's ordered stops with the length
and the time of each leg."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from gatekeeper.domain.routing import Load, Road, Route, best_route
from gatekeeper.extensions import db
from gatekeeper.models import (
    Booking,
    Gate,
    Lane,
    LaneDirection,
    LaneKind,
    NodeKind,
    Packaging,
    RoadEdge,
    RoadNode,
    RouteStop,
)


class NoRoute(ValueError):
    """No allowed way from a gate to the dock and out (the message says which part)."""


def roads() -> list[Road]:
    start, end = aliased(RoadNode), aliased(RoadNode)
    rows = db.session.execute(
        select(RoadEdge, start.code, end.code)
        .join(start, RoadEdge.from_node_id == start.id)
        .join(end, RoadEdge.to_node_id == end.id)
    ).all()
    return [
        Road(
            start=a,
            end=b,
            length_m=edge.length_m,
            speed_kmh=edge.speed_limit_kmh,
            two_way=edge.two_way,
            forbidden_classes=tuple(edge.forbidden_hazard_classes or ()),
            tunnel_category=edge.tunnel_category.value if edge.tunnel_category else None,
        )
        for edge, a, b in rows
    ]


def load_of(booking: Booking) -> Load:
    goods = [line.dangerous_good for line in booking.cargo if line.dangerous_good is not None]
    return Load(
        hazard_classes=tuple(sorted({g.hazard_class for g in goods if g.hazard_class})),
        tunnel_codes=tuple(sorted({g.tunnel_code for g in goods if g.tunnel_code})),
        tank_or_bulk=any(
            line.packaging in (Packaging.TANK, Packaging.BULK)
            for line in booking.cargo
            if line.un_number
        ),
    )


def _gate_nodes(inwards: bool, hazmat: bool) -> list[str]:
    """Gates on the road graph with an open vehicle lane for this way and this traffic
    (hazmat loads: hazmat lanes where the gate has them, else its general lanes)."""
    directions = (LaneDirection.IN if inwards else LaneDirection.OUT, LaneDirection.BOTH)
    rows = db.session.execute(
        select(RoadNode.code, Lane.kind)
        .join(Gate, RoadNode.gate_id == Gate.id)
        .join(Lane, Lane.gate_id == Gate.id)
        .where(
            RoadNode.kind == NodeKind.GATE,
            Lane.is_open,
            Lane.direction.in_(directions),
            Lane.kind.in_((LaneKind.GENERAL, LaneKind.HAZMAT)),
        )
        .order_by(RoadNode.code)
    ).all()
    wanted = LaneKind.HAZMAT if hazmat else LaneKind.GENERAL
    preferred = [code for code, kind in rows if kind is wanted]
    codes = preferred or [code for code, _kind in rows]
    return list(dict.fromkeys(codes))


def plan_for(booking: Booking) -> Route | None:
    """The booking's route, or None when the park has no road graph at all (nothing to
    plan). NoRoute when the graph exists and no allowed way reaches the dock and out."""
    graph = roads()
    if not graph:
        return None
    dock_node = db.session.scalar(select(RoadNode.code).where(RoadNode.dock_id == booking.dock_id))
    if dock_node is None:
        raise NoRoute("dock not on the road map")
    load = load_of(booking)
    hazmat = bool(load.hazard_classes)
    entries, exits = _gate_nodes(True, hazmat), _gate_nodes(False, hazmat)
    if not entries or not exits:
        raise NoRoute("no gate on the road map")
    route = best_route(graph, entries, dock_node, exits, load)
    if route is None:
        raise NoRoute("no allowed way")
    return route


def apply(booking: Booking, route: Route | None) -> None:
    """Store the route as the booking's stops (replacing any). No commit."""
    booking.route.clear()
    if route is None:
        return
    db.session.flush()
    nodes: dict[str, int] = {
        code: ident
        for code, ident in db.session.execute(
            select(RoadNode.code, RoadNode.id).where(RoadNode.code.in_(route.nodes))
        )
    }
    for position, (leg, elapsed) in enumerate(zip(route.legs, route.elapsed(), strict=True)):
        booking.route.append(
            RouteStop(
                position=position,
                node_id=nodes[leg.node],
                leg_m=leg.length_m,
                leg_s=leg.seconds,
                due_within_minutes=math.ceil(elapsed / 60) if position else 0,
            )
        )


def route_json(booking: Booking) -> list[dict[str, Any]]:
    """The planned stops for the API and the pages: every node, the checkpoints marked."""
    return [
        {
            "node": stop.node.code,
            "kind": stop.node.kind.value,
            "checkpoint": stop.node.checkpoint.code if stop.node.checkpoint else None,
            "leg_m": stop.leg_m,
            "leg_s": stop.leg_s,
            "due_within_minutes": stop.due_within_minutes,
        }
        for stop in booking.route
    ]

"""The park map: the road graph as the pages draw it (SVG, no tiles), and the admin's
placing of its nodes."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import select

from gatekeeper.extensions import db
from gatekeeper.models import RoadEdge, RoadNode, User
from gatekeeper.services import audit

WIDTH, HEIGHT = 1000, 600


@dataclass(frozen=True)
class MapNode:
    id: int
    code: str
    kind: str
    name: str
    x: float
    y: float
    placed: bool


@dataclass(frozen=True)
class MapEdge:
    start: MapNode
    end: MapNode
    length_m: int
    speed_kmh: int
    two_way: bool
    forbidden: tuple[str, ...]
    tunnel: str | None


@dataclass(frozen=True)
class ParkMap:
    nodes: list[MapNode]
    edges: list[MapEdge]

    @property
    def unplaced(self) -> list[MapNode]:
        return [node for node in self.nodes if not node.placed]


def _name(node: RoadNode) -> str:
    target = node.gate or node.checkpoint or node.dock
    return target.name if target is not None else node.code


def park_map() -> ParkMap:
    """Every node where the admin placed it; the ones not placed yet on a ring around
    the middle (marked, so the admin sees what is left to place)."""
    rows = list(db.session.scalars(select(RoadNode).order_by(RoadNode.code)))
    loose = [node for node in rows if node.x is None or node.y is None]
    nodes: dict[int, MapNode] = {}
    for node in rows:
        if node in loose:
            angle = 2 * math.pi * loose.index(node) / max(1, len(loose))
            x, y = WIDTH / 2 + 220 * math.cos(angle), HEIGHT / 2 + 220 * math.sin(angle)
        else:
            x, y = float(node.x or 0), float(node.y or 0)
        nodes[node.id] = MapNode(
            node.id, node.code, node.kind.value, _name(node), x, y, node not in loose
        )
    edges = [
        MapEdge(
            nodes[edge.from_node_id],
            nodes[edge.to_node_id],
            edge.length_m,
            edge.speed_limit_kmh,
            edge.two_way,
            tuple(edge.forbidden_hazard_classes or ()),
            edge.tunnel_category.value if edge.tunnel_category else None,
        )
        for edge in db.session.scalars(select(RoadEdge).order_by(RoadEdge.id))
        if edge.from_node_id in nodes and edge.to_node_id in nodes
    ]
    return ParkMap(list(nodes.values()), edges)


class PlacementError(ValueError):
    pass


def place(node_id: int, x: float, y: float, user: User) -> RoadNode:
    """Put a node on the map (audited). No commit."""
    node = db.session.get(RoadNode, node_id)
    if node is None:
        raise PlacementError("no such node")
    if not (0 <= x <= WIDTH and 0 <= y <= HEIGHT) or math.isnan(x) or math.isnan(y):
        raise PlacementError("outside the map")
    before = (node.x, node.y)
    node.x, node.y = round(x, 1), round(y, 1)
    audit.record(
        "park.node_placed",
        entity_type="road_node",
        entity_id=node.id,
        details={"code": node.code, "from": before, "to": (node.x, node.y)},
        actor_user_id=user.id,
        actor=user.username,
    )
    return node

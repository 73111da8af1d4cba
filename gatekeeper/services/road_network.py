"""The park's road network as the gate checks routes against it: kept per process and
loaded again when the park's ``roads_version`` moves, which every change of a road or a
road node does (an ORM flush that touches one gives the park a new token)."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, aliased

from gatekeeper.domain import gate as rules
from gatekeeper.extensions import db
from gatekeeper.models import Park, RoadEdge, RoadNode

EdgeMap = dict[tuple[int, int], rules.RouteEdgeRecord]

_START, _END = aliased(RoadNode), aliased(RoadNode)
_ROADS = (
    select(RoadEdge, _START.code, _END.code)
    .join(_START, RoadEdge.from_node_id == _START.id)
    .join(_END, RoadEdge.to_node_id == _END.id)
)
_KEPT = 4  # networks kept per process (a few parks, or the one before a change)
_networks: dict[str, EdgeMap] = {}
_lock = threading.Lock()


def load_network() -> EdgeMap:
    """Every road, both ways where it is two-way, in one query."""
    edges: EdgeMap = {}
    for edge, a, b in db.session.execute(_ROADS):
        record = rules.RouteEdgeRecord(
            name=f"{a}-{b}",
            tunnel_category=edge.tunnel_category.value if edge.tunnel_category else None,
            forbidden_hazard_classes=tuple(edge.forbidden_hazard_classes or ()),
        )
        edges[(edge.from_node_id, edge.to_node_id)] = record
        if edge.two_way:
            edges.setdefault((edge.to_node_id, edge.from_node_id), record)
    return edges


def road_network(park: Park) -> EdgeMap:
    """The network of the park's current ``roads_version``: from this process's memory,
    else loaded (a park not stored yet has no version: loaded every time)."""
    version = park.roads_version if park.id is not None else None
    if version is None:
        return load_network()
    with _lock:
        kept = _networks.get(version)
    if kept is not None:
        return kept
    network = load_network()
    with _lock:
        if len(_networks) >= _KEPT:
            _networks.pop(next(iter(_networks)))
        _networks[version] = network
    return network


def forget() -> None:
    """Drop every network kept (tests)."""
    with _lock:
        _networks.clear()


def _roads_changed(session: Session, _context: Any, _instances: Any) -> None:
    touched = (*session.new, *session.dirty, *session.deleted)
    if not any(isinstance(obj, RoadEdge | RoadNode) for obj in touched):
        return
    with session.no_autoflush:
        for park in session.scalars(select(Park)):
            park.roads_version = uuid.uuid4().hex


def init_app() -> None:
    if not event.contains(Session, "before_flush", _roads_changed):
        event.listen(Session, "before_flush", _roads_changed)

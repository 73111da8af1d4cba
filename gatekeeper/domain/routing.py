"""Route planning over the park's road graph: the shortest way from an entry gate to the
dock and on to an exit gate that a load may take.

A road edge is closed to a load when it forbids one of the load's hazard classes (or the
class's division: "4" closes 4.1, 4.2 and 4.3) or when it runs through a tunnel whose
category the load's ADR tunnel restriction code closes (``forbidden_tunnels``: "D/E"
closes D for tanks and bulk, E for packages). Among the allowed ways the shortest in
metres wins (then the quickest); the expected time of each leg is its length at the
edge's speed limit. Pure functions: records in, a route or ``None`` out.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from gatekeeper.domain.gate.adr import forbidden_tunnels


@dataclass(frozen=True)
class Road:
    """One road segment; ``two_way`` roads may be driven from ``end`` to ``start`` too."""

    start: str
    end: str
    length_m: int
    speed_kmh: int
    two_way: bool = True
    forbidden_classes: tuple[str, ...] = ()
    tunnel_category: str | None = None

    @property
    def seconds(self) -> float:
        return self.length_m / (self.speed_kmh / 3.6)


@dataclass(frozen=True)
class Load:
    """What the route must suit: the cargo's hazard classes and tunnel codes."""

    hazard_classes: tuple[str, ...] = ()
    tunnel_codes: tuple[str, ...] = ()
    tank_or_bulk: bool = False


@dataclass(frozen=True)
class Leg:
    """From the previous node to ``node``; the first leg of a route has no length."""

    node: str
    length_m: int
    seconds: int


@dataclass(frozen=True)
class Route:
    legs: tuple[Leg, ...]

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(leg.node for leg in self.legs)

    @property
    def length_m(self) -> int:
        return sum(leg.length_m for leg in self.legs)

    @property
    def seconds(self) -> int:
        return sum(leg.seconds for leg in self.legs)

    def elapsed(self) -> list[int]:
        """Seconds from the start to each node, at the speed limits."""
        total, out = 0, []
        for leg in self.legs:
            total += leg.seconds
            out.append(total)
        return out


def closed_to(road: Road, load: Load) -> bool:
    """Whether the load may not use this road (a forbidden class or a closed tunnel)."""
    forbidden = set(road.forbidden_classes)
    for hazard_class in load.hazard_classes:
        if {hazard_class, hazard_class.split(".")[0]} & forbidden:
            return True
    if road.tunnel_category:
        for code in load.tunnel_codes:
            if road.tunnel_category in forbidden_tunnels(code, load.tank_or_bulk):
                return True
    return False


def _adjacency(roads: Iterable[Road], load: Load) -> dict[str, list[tuple[str, Road]]]:
    out: dict[str, list[tuple[str, Road]]] = {}
    for road in roads:
        if closed_to(road, load):
            continue
        out.setdefault(road.start, []).append((road.end, road))
        if road.two_way:
            out.setdefault(road.end, []).append((road.start, road))
    return out


def shortest(
    adjacency: dict[str, list[tuple[str, Road]]], start: str, goal: str
) -> list[tuple[str, Road | None]] | None:
    """Dijkstra by (metres, seconds, node): the nodes from start to goal with the road
    that reached each, or None when the goal cannot be reached."""
    best: dict[str, tuple[float, float]] = {start: (0.0, 0.0)}
    came: dict[str, tuple[str, Road]] = {}
    heap: list[tuple[float, float, str]] = [(0.0, 0.0, start)]
    done: set[str] = set()
    while heap:
        metres, seconds, node = heapq.heappop(heap)
        if node in done:
            continue
        done.add(node)
        if node == goal:
            break
        for nxt, road in adjacency.get(node, ()):
            cost = (metres + road.length_m, seconds + road.seconds)
            if nxt not in done and cost < best.get(nxt, (math.inf, math.inf)):
                best[nxt] = cost
                came[nxt] = (node, road)
                heapq.heappush(heap, (cost[0], cost[1], nxt))
    if goal not in done:
        return None
    path: list[tuple[str, Road | None]] = []
    node = goal
    while node != start:
        previous, road = came[node]
        path.append((node, road))
        node = previous
    path.append((start, None))
    return path[::-1]


def fastest_legal(roads: Sequence[Road], start: str, goal: str) -> tuple[int, float] | None:
    """The shortest road distance between two nodes (metres) with the least time it can be
    driven in at the speed limits (seconds); None when they are the same or not connected."""
    if start == goal:
        return None
    path = shortest(_adjacency(roads, Load()), start, goal)
    if path is None:
        return None
    return (
        sum(road.length_m for _, road in path if road),
        sum(road.seconds for _, road in path if road),
    )


def plan(roads: Sequence[Road], waypoints: Sequence[str], load: Load) -> Route | None:
    """The shortest allowed route through the waypoints in order (gate, dock, gate), or
    None when one of its legs cannot be driven with this load."""
    if len(waypoints) < 2:
        return None
    adjacency = _adjacency(roads, load)
    legs = [Leg(waypoints[0], 0, 0)]
    for start, goal in pairwise(waypoints):
        if start == goal:
            continue
        path = shortest(adjacency, start, goal)
        if path is None:
            return None
        legs.extend(
            Leg(node, road.length_m, round(road.seconds)) for node, road in path[1:] if road
        )
    return Route(tuple(legs))


def best_route(
    roads: Sequence[Road],
    entries: Sequence[str],
    dock: str,
    exits: Sequence[str],
    load: Load,
) -> Route | None:
    """The shortest allowed route from any entry gate to the dock and on to any exit
    gate (ties: the first gates listed)."""
    found = [
        route
        for entry in entries
        for exit_ in exits
        if (route := plan(roads, (entry, dock, exit_), load)) is not None
    ]
    return min(found, key=lambda r: (r.length_m, r.seconds), default=None)

"""ADR helpers: the 1.1.3.6 small-load points, the certificate of approval a cargo needs,
and the tunnel categories a tunnel code closes."""

from __future__ import annotations

import math
from collections.abc import Sequence

from gatekeeper.domain.gate.records import CargoRecord


def small_load_points(cargo: Sequence[CargoRecord]) -> float:
    """ADR 1.1.3.6.4: quantity x 50 (category 1), x 3 (2), x 1 (3), x 0 (4); category 0
    or an unknown category can never be a small load (infinite points)."""
    factors = {1: 50, 2: 3, 3: 1, 4: 0}
    total = 0.0
    for line in cargo:
        if line.transport_category not in factors:
            return math.inf
        total += line.quantity * factors[line.transport_category]
    return total


def required_approval(cargo: Sequence[CargoRecord]) -> set[str] | None:
    """ADR 9.1.1.2: the certificate-of-approval types that suit the cargo, or None when
    none is needed. Flammable liquids and flammable gases in tanks need FL; other goods
    in tanks AT (an FL vehicle also meets AT); explosives EX/II or EX/III."""
    needed: set[str] | None = None
    for line in cargo:
        hazard_class = line.hazard_class or ""
        if hazard_class.startswith("1"):
            options = {"EX/II", "EX/III"}
        elif line.packaging != "tank":
            continue
        elif hazard_class == "3" or (
            hazard_class == "2" and "F" in (line.classification_code or "")
        ):
            options = {"FL"}
        else:
            options = {"AT", "FL"}
        needed = options if needed is None else needed & options or options
    return needed


_TUNNEL_ORDER = "BCDE"


def forbidden_tunnels(tunnel_code: str | None, tank_or_bulk: bool) -> set[str]:
    """The tunnel categories a load with this ADR tunnel restriction code may not pass:
    B forbids B-E, C forbids C-E, D forbids D-E, E forbids E; "D/E" means D for tanks
    and bulk, E otherwise. "(-)" or none: no restriction."""
    code = (tunnel_code or "").strip("() ")
    if not code or code == "-":
        return set()
    if "/" in code:
        first, second = code.split("/", 1)
        code = first if tank_or_bulk else second
    code = code[:1]
    if code not in _TUNNEL_ORDER:
        return set()
    return set(_TUNNEL_ORDER[_TUNNEL_ORDER.index(code) :])

"""Site rules: room in the park, the zone and the dock (else the holding lot), and the
planned route against tunnel codes and forbidden classes."""

from __future__ import annotations

from gatekeeper.domain.gate.adr import forbidden_tunnels
from gatekeeper.domain.gate.context import Context, hazard_classes
from gatekeeper.domain.gate.decision import Check, Decision, check_fail, check_na, check_pass
from gatekeeper.domain.messages import N_, english, phrase


def rule_capacity(c: Context) -> Check:
    if c.booking is None:
        return check_na("capacity", N_("No booking"))
    o = c.request.occupancy
    # (applies, in use, capacity, message, where): a limit reached sends to the holding lot.
    limits = (
        (c.hazmat, o.hazmat_inside, o.hazmat_capacity, N_("hazmat vehicles in the park"), ""),
        (True, o.zone_vehicles, o.zone_capacity, N_("zone %(where)s"), o.zone_code),
        (
            c.hazmat,
            o.zone_hazmat,
            o.zone_hazmat_capacity,
            N_("hazmat in zone %(where)s"),
            o.zone_code,
        ),
        (True, o.dock_in_use, o.dock_slots, N_("dock %(where)s"), o.dock_code),
    )
    full = [
        phrase(
            N_("%(limit)s %(n)s/%(capacity)s"),
            limit=phrase(name, where=where or "?"),
            n=in_use,
            capacity=capacity,
        )
        for applies, in_use, capacity, name, where in limits
        if applies and capacity is not None and in_use >= capacity
    ]
    if full:
        return check_fail(
            "capacity",
            Decision.HOLD,
            N_("Full: %(what)s; wait in the holding lot"),
            what=tuple(full),
        )
    classes = hazard_classes(c)
    if c.hazmat and o.zone_allowed_classes is not None:
        refused = sorted(classes - set(o.zone_allowed_classes))
        if refused:
            return check_fail(
                "capacity",
                Decision.DENY,
                N_("Zone %(zone)s does not admit class %(classes)s"),
                zone=o.zone_code or "?",
                classes=", ".join(refused),
            )
    return check_pass("capacity", N_("Room in the park, zone and dock"))


def rule_route(c: Context) -> Check:
    if c.booking is None or not c.dangerous:
        return check_na("route", N_("No dangerous goods on a route"))
    if not c.booking.route:
        return check_na("route", N_("No route planned"))
    classes = hazard_classes(c)
    tank_or_bulk = c.booking.in_tank_or_bulk
    problems = []
    for edge in c.booking.route:
        barred = classes & set(edge.forbidden_hazard_classes)
        if barred:
            problems.append(
                phrase(
                    N_("%(edge)s forbids class %(classes)s"),
                    edge=edge.name,
                    classes=", ".join(sorted(barred)),
                )
            )
        if edge.tunnel_category:
            for line in c.dangerous:
                if edge.tunnel_category in forbidden_tunnels(line.tunnel_code, tank_or_bulk):
                    problems.append(
                        phrase(
                            N_("%(edge)s: tunnel %(tunnel)s closed to UN %(un)s (%(code)s)"),
                            edge=edge.name,
                            tunnel=edge.tunnel_category,
                            un=line.un_number,
                            code=line.tunnel_code,
                        )
                    )
    if problems:
        return check_fail(
            "route",
            Decision.REVIEW,
            N_("Planned route not allowed: %(problems)s"),
            problems=tuple({english(p): p for p in sorted(problems, key=english)}.values()),
        )
    return check_pass("route", N_("Planned route allowed for this cargo"))

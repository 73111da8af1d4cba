"""Entry: every entry rule, in order, combined into one decision."""

from __future__ import annotations

from collections.abc import Callable

from gatekeeper.domain.gate.adr import small_load_points
from gatekeeper.domain.gate.context import Context, booking_for
from gatekeeper.domain.gate.decision import (
    Check,
    Decision,
    GateDecision,
    check_fail,
    check_na,
    check_pass,
    check_warn,
    combine,
)
from gatekeeper.domain.gate.records import EntryRequest, LaneKindValue
from gatekeeper.domain.gate.rules.booking import rule_booking, rule_hazmat_hours, rule_window
from gatekeeper.domain.gate.rules.cargo import rule_booking_pass, rule_orange_plate, rule_waybill
from gatekeeper.domain.gate.rules.crew import (
    rule_crew,
    rule_documents,
    rule_driver,
    rule_escort,
)
from gatekeeper.domain.gate.rules.documents import (
    rule_adr_approval,
    rule_dg_permit,
    rule_tank_inspection,
)
from gatekeeper.domain.gate.rules.identity import (
    match_plate,
    rule_lane,
    rule_plate_match,
    rule_plate_read,
    rule_standing,
)
from gatekeeper.domain.gate.rules.site import rule_capacity, rule_route
from gatekeeper.domain.messages import N_


def decide_entry(request: EntryRequest) -> GateDecision:
    """Every entry check of the park's gate rules, combined into one decision."""
    lane = request.lane
    match = match_plate(request.reads, request.vehicles)
    if lane.kind == LaneKindValue.EMERGENCY and lane.is_open:
        check = check_warn(
            "emergency_lane",
            N_("Emergency lane open: checks bypassed, the emergency is alerted"),
            {"lane": lane.code},
        )
        return GateDecision(Decision.ALLOW, (check,), match)
    booking = booking_for(match.vehicle, request.bookings)
    dangerous = booking.dangerous_cargo if booking else ()
    points = small_load_points(dangerous) if dangerous else 0.0
    small_load = bool(dangerous) and points < request.rules.small_load_points_threshold
    hazmat = (bool(dangerous) and not small_load) or request.reads.orange_plate_seen
    context = Context(request, match, booking, dangerous, small_load, points, hazmat)
    checks = [rule(context) for rule in ENTRY_RULES]
    crew_at = next(i for i, check in enumerate(checks) if check.code == "crew")
    if (
        checks[crew_at].failed
        and combine(checks[:crew_at] + checks[crew_at + 1 :]) is Decision.HOLD
    ):
        # The vehicle waits in the holding lot anyway: the crew is checked when it is
        # called to the barrier, not now.
        checks[crew_at] = check_na(
            "crew", N_("Crew is checked when the vehicle is called from the holding lot")
        )
    decision = combine(checks)
    if decision is Decision.HOLD:
        occupancy = request.occupancy
        if (
            occupancy.holding_capacity is not None
            and occupancy.holding_waiting >= occupancy.holding_capacity
        ):
            checks.append(
                check_fail(
                    "holding_lot",
                    Decision.REVIEW,
                    N_(
                        "The vehicle must wait but the holding lot is full (%(waiting)s of "
                        "%(capacity)s)"
                    ),
                    waiting=occupancy.holding_waiting,
                    capacity=occupancy.holding_capacity,
                )
            )
        else:
            checks.append(check_pass("holding_lot", N_("Holding lot has room")))
        decision = combine(checks)
    return GateDecision(decision, tuple(checks), match, booking, hazmat)


ENTRY_RULES: tuple[Callable[[Context], Check], ...] = (
    rule_lane,
    rule_plate_read,
    rule_plate_match,
    rule_standing,
    rule_booking,
    rule_window,
    rule_hazmat_hours,
    rule_dg_permit,
    rule_adr_approval,
    rule_tank_inspection,
    rule_driver,
    rule_escort,
    rule_crew,
    rule_documents,
    rule_waybill,
    rule_booking_pass,
    rule_orange_plate,
    rule_capacity,
    rule_route,
)

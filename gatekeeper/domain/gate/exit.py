"""Exit: the vehicle must be recorded inside; an overstay is flagged."""

from __future__ import annotations

from gatekeeper.domain.expiry import registration_holds
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
from gatekeeper.domain.gate.records import ExitRequest
from gatekeeper.domain.gate.rules.identity import match_plate, plate_read_check
from gatekeeper.domain.messages import N_


def decide_exit(request: ExitRequest) -> GateDecision:
    """Exit: the vehicle must be recorded inside; a stay beyond the maximum is flagged
    (the vehicle still leaves: keeping it in would not help)."""
    lane = request.lane
    reads = request.reads
    inside = {p.vehicle_id: p for p in request.presences}
    match = match_plate(reads, request.vehicles)
    checks: list[Check] = []
    if lane.direction == "in":
        checks.append(
            check_fail("lane", Decision.DENY, N_("Lane %(lane)s is an entry lane"), lane=lane.code)
        )
    elif not lane.is_open:
        checks.append(
            check_fail("lane", Decision.REVIEW, N_("Lane %(lane)s is closed"), lane=lane.code)
        )
    else:
        checks.append(check_pass("lane", N_("Exit lane %(lane)s"), lane=lane.code))
    checks.append(plate_read_check(reads, request.rules.plate_confidence_threshold))
    presence = inside.get(match.vehicle.id) if match.vehicle else None
    if match.vehicle is None:
        checks.append(
            check_fail(
                "inside",
                Decision.REVIEW,
                N_("Plate %(plate)s is not a registered vehicle"),
                match.to_dict(),
                plate=reads.plate or "?",
            )
        )
    elif presence is None:
        checks.append(
            check_fail(
                "inside",
                Decision.REVIEW,
                N_("%(plate)s is not recorded inside the park"),
                plate=match.vehicle.plate,
            )
        )
    else:
        checks.append(
            check_pass(
                "inside",
                N_("%(plate)s inside since %(since)s"),
                plate=match.vehicle.plate,
                since=request.rules.hhmm(presence.entered_at),
            )
        )
    if presence is not None:
        stay = request.now - presence.entered_at
        minutes = int(stay.total_seconds() // 60)
        until = match.vehicle.registered_until if match.vehicle else None
        # A park company's own vehicle stays the working day: no overstay while registered.
        at_home = registration_holds(until, request.rules.day(request.now))
        if stay > request.rules.max_stay and not at_home:
            checks.append(
                check_warn(
                    "stay",
                    N_("Overstay: %(minutes)s min inside (maximum %(limit)s min)"),
                    {"entered_at": presence.entered_at.isoformat()},
                    minutes=minutes,
                    limit=int(request.rules.max_stay.total_seconds() // 60),
                )
            )
        else:
            checks.append(check_pass("stay", N_("Stay %(minutes)s min"), minutes=minutes))
    else:
        checks.append(check_na("stay", N_("No recorded entry")))
    return GateDecision(combine(checks), tuple(checks), match)

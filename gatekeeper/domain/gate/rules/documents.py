"""Vehicle document rules: the dangerous-goods transport permit, the ADR certificate of
approval suited to the cargo, the tank inspection."""

from __future__ import annotations

from gatekeeper.domain.gate.adr import required_approval
from gatekeeper.domain.gate.context import Context, document_problem, hazmat_only
from gatekeeper.domain.gate.decision import Check, Decision, check_fail, check_na, check_pass
from gatekeeper.domain.messages import N_, phrase


@hazmat_only("dg_permit")
def rule_dg_permit(c: Context) -> Check:
    vehicle = c.units()[0] if c.units() else None
    if vehicle is None:
        return check_na("dg_permit", N_("No registered vehicle"))
    problem = document_problem(N_("permit"), vehicle.dg_permit_expiry, c.today, vehicle.plate)
    if problem:
        return check_fail(
            "dg_permit",
            Decision.DENY,
            N_("Dangerous-goods transport permit: %(problem)s"),
            {"expires": str(vehicle.dg_permit_expiry)},
            problem=problem,
        )
    return check_pass("dg_permit", N_("Dangerous-goods transport permit valid"))


@hazmat_only("adr_approval")
def rule_adr_approval(c: Context) -> Check:
    needed = required_approval(c.dangerous)
    if needed is None:
        return check_na("adr_approval", N_("No certificate of approval needed for this cargo"))
    problems = []
    for vehicle in c.units():
        if vehicle.is_trailer and vehicle.kind != "tank_trailer":
            continue
        if vehicle.adr_approval not in needed:
            problems.append(
                phrase(
                    N_("%(plate)s: %(held)s (needs %(needed)s)"),
                    plate=vehicle.plate,
                    held=vehicle.adr_approval or phrase(N_("no certificate")),
                    needed="/".join(sorted(needed)),
                )
            )
            continue
        problem = document_problem(
            N_("certificate"), vehicle.adr_certificate_expiry, c.today, vehicle.plate
        )
        if problem:
            problems.append(problem)
    if problems:
        return check_fail(
            "adr_approval",
            Decision.DENY,
            N_("ADR certificate of approval: %(problems)s"),
            {"needed": sorted(needed)},
            problems=tuple(problems),
        )
    return check_pass(
        "adr_approval",
        N_("ADR certificate of approval %(types)s valid"),
        types="/".join(sorted(needed)),
    )


@hazmat_only("tank_inspection")
def rule_tank_inspection(c: Context) -> Check:
    if not any(line.packaging == "tank" for line in c.dangerous):
        return check_na("tank_inspection", N_("Not carried in a tank"))
    units = c.units()
    tanks = [v for v in units if v.kind in ("tank_trailer", "tanker")] or units[-1:]
    problems = []
    for vehicle in tanks:
        problem = document_problem(
            N_("tank inspection"), vehicle.tank_inspection_expiry, c.today, vehicle.plate
        )
        if problem:
            problems.append(problem)
    if problems:
        return check_fail(
            "tank_inspection",
            Decision.DENY,
            N_("Tank inspection: %(problems)s"),
            problems=tuple(problems),
        )
    return check_pass("tank_inspection", N_("Tank inspection valid"))

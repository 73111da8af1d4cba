"""Cargo rules: the waybill against the booking, and the orange plate against the booked
UN numbers and their HIN."""

from __future__ import annotations

from gatekeeper.domain.gate.context import Context, hazmat_only
from gatekeeper.domain.gate.decision import Check, Decision, check_fail, check_na, check_pass
from gatekeeper.domain.messages import N_, phrase
from gatekeeper.domain.plates import MatchQuality, compare_plates


@hazmat_only("waybill")
def rule_waybill(c: Context) -> Check:
    assert c.booking is not None
    booking = c.booking
    if not booking.waybill_number:
        if c.rules.waybill_required_for_hazmat:
            return check_fail("waybill", Decision.REVIEW, N_("No waybill on the booking"))
        return check_na("waybill", N_("No waybill required"))
    scanned = c.request.waybill
    if scanned is None:
        return check_pass(
            "waybill", N_("Waybill %(number)s on the booking"), number=booking.waybill_number
        )
    problems = []
    if scanned.number.strip().upper() != booking.waybill_number.strip().upper():
        problems.append(
            phrase(
                N_("number %(number)s is not %(booked)s"),
                number=scanned.number,
                booked=booking.waybill_number,
            )
        )
    if scanned.plate and c.match.vehicle is not None:
        plates = [v.plate for v in c.units()] or [c.match.vehicle.plate]
        if all(compare_plates(scanned.plate, p) is MatchQuality.NONE for p in plates):
            problems.append(phrase(N_("plate %(plate)s"), plate=scanned.plate))
    if scanned.day is not None and scanned.day != c.today:
        problems.append(phrase(N_("dated %(day)s"), day=scanned.day.isoformat()))
    if scanned.destination and scanned.destination.strip().upper() != booking.destination.upper():
        problems.append(phrase(N_("destination %(destination)s"), destination=scanned.destination))
    if scanned.consignee and booking.consignee:
        names = {_folded(name) for name in booking.consignee}
        if _folded(scanned.consignee) not in names:
            problems.append(phrase(N_("consignee %(consignee)s"), consignee=scanned.consignee))
    booked_un = {line.un_number for line in c.dangerous}
    if scanned.un_numbers and set(scanned.un_numbers) != booked_un:
        problems.append(phrase(N_("goods UN %(un)s"), un=", ".join(scanned.un_numbers)))
    if problems:
        return check_fail(
            "waybill",
            Decision.DENY,
            N_("Waybill does not match the booking: %(problems)s"),
            problems=tuple(problems),
        )
    return check_pass(
        "waybill", N_("Waybill %(number)s matches the booking"), number=scanned.number
    )


def _folded(name: str) -> str:
    return "".join(name.split()).casefold()


def rule_booking_pass(c: Context) -> Check:
    """A booking pass scanned at the gate is evidence of the booking: genuine, this
    vehicle's booking, its plate, and valid now. Not scanning one is no fault."""
    scanned = c.request.booking_pass
    if scanned is None:
        return check_na("booking_pass", N_("No booking pass scanned"))
    if not scanned.genuine:
        return check_fail(
            "booking_pass",
            Decision.REVIEW,
            N_("The booking pass is not genuine: its signature does not verify"),
        )
    if c.booking is None or scanned.reference != c.booking.reference:
        return check_fail(
            "booking_pass",
            Decision.REVIEW,
            N_("The booking pass is for %(reference)s, not this vehicle's booking"),
            reference=scanned.reference or "?",
        )
    plates = [v.plate for v in c.units()]
    if (
        scanned.plate
        and plates
        and all(compare_plates(scanned.plate, p) is MatchQuality.NONE for p in plates)
    ):
        return check_fail(
            "booking_pass",
            Decision.REVIEW,
            N_("The booking pass is for %(plate)s"),
            plate=scanned.plate,
        )
    now = c.request.now
    if (scanned.valid_from and now < scanned.valid_from) or (
        scanned.valid_until and now > scanned.valid_until
    ):
        return check_fail(
            "booking_pass",
            Decision.REVIEW,
            N_("The booking pass %(reference)s is not valid now"),
            reference=scanned.reference,
        )
    return check_pass(
        "booking_pass",
        N_("Booking pass %(reference)s scanned: genuine and valid"),
        reference=scanned.reference,
    )


def rule_orange_plate(c: Context) -> Check:
    reads = c.request.reads
    if not c.dangerous:
        if reads.orange_plate_seen:
            return check_fail(
                "orange_plate",
                Decision.REVIEW,
                N_("Orange plate %(hin)s/%(un)s seen but no dangerous goods booked"),
                hin=reads.hin or "?",
                un=reads.un or "?",
            )
        if c.booking is None:
            return check_na("orange_plate", N_("No booking"))
        return check_pass("orange_plate", N_("No dangerous goods, no orange plate"))
    if c.small_load and not reads.orange_plate_seen:
        return check_pass(
            "orange_plate",
            N_("Small load (%(points)s points, under %(limit)s): no orange plate needed"),
            points=int(c.points),
            limit=c.rules.small_load_points_threshold,
        )
    if not c.request.reads.orange_plate_seen:
        if not c.booking or not c.booking.in_tank_or_bulk:
            # Packaged goods show a plain orange plate, which carries no numbers to read.
            return check_fail(
                "orange_plate",
                Decision.REVIEW,
                N_("Packaged dangerous goods: the guard confirms the plain orange plates"),
            )
        return check_fail(
            "orange_plate",
            Decision.REVIEW,
            N_("Dangerous goods booked but no orange plate seen"),
            {"booked_un": [line.un_number for line in c.dangerous]},
        )
    return _hazard_numbers(c)


def _hazard_numbers(c: Context) -> Check:
    reads = c.request.reads
    confident = reads.hazard_confidence >= c.rules.hazard_confidence_threshold
    effect = Decision.DENY if confident else Decision.REVIEW
    by_un = {line.un_number: line for line in c.dangerous}
    evidence = {
        "read": {"hin": reads.hin, "un": reads.un, "confidence": reads.hazard_confidence},
        "booked": {un: list(line.hazard_id_numbers) for un, line in by_un.items()},
    }
    if not reads.un:
        return check_fail(
            "orange_plate", Decision.REVIEW, N_("Orange plate seen, UN number not read"), evidence
        )
    line = by_un.get(reads.un)
    if line is None:
        return check_fail(
            "orange_plate",
            effect,
            N_("UN %(un)s on the orange plate is not booked (booked: %(booked)s)"),
            evidence,
            un=reads.un,
            booked=", ".join(sorted(str(u) for u in by_un)),
        )
    if line.hazard_id_numbers and reads.hin not in line.hazard_id_numbers:
        return check_fail(
            "orange_plate",
            effect,
            N_("HIN %(hin)s does not belong to UN %(un)s (expected %(expected)s)"),
            evidence,
            hin=reads.hin or "?",
            un=reads.un,
            expected="/".join(line.hazard_id_numbers),
        )
    return check_pass(
        "orange_plate",
        N_("Orange plate %(hin)s/%(un)s matches the booking"),
        hin=reads.hin or "-",
        un=reads.un,
    )

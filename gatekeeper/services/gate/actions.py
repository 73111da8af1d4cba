"""The guard's actions on a passage, each audited under the guard's name: decide (with a
reason when it overrides the rules), correct the plate, record the crew, release from the
holding lot, record a vehicle that passed a failed barrier. Flush, never commit."""

from __future__ import annotations

from typing import Any

from gatekeeper.domain.gate import Decision, GateDecision
from gatekeeper.domain.messages import N_
from gatekeeper.models import (
    Passage,
    Role,
    User,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit, passes
from gatekeeper.services.gate.apply import apply_decision, decide, record_passed, store_evaluation
from gatekeeper.services.gate.evaluation import evaluate
from gatekeeper.services.park import park_settings
from gatekeeper.services.plates import PlateError, check_typed_plate


class ActionError(ValueError):
    """A guard action that cannot be done as asked (shown to the guard)."""


class Action:
    OPEN = "open"
    REFUSE = "refuse"
    HOLD = "hold"

    DECISION = {OPEN: Decision.ALLOW, REFUSE: Decision.DENY, HOLD: Decision.HOLD}


def reason_required(passage: Passage, action: str) -> bool:
    """Opening needs a written reason unless the rules allowed the vehicle; refusing or
    holding needs one when it goes against an automatic allow, deny or hold (a review is
    the guard's to decide)."""
    chosen = Action.DECISION[action]
    system = passage.system_decision
    if chosen is Decision.ALLOW:
        return system is not Decision.ALLOW
    return system is not None and system is not Decision.REVIEW and system is not chosen


def guard_decides(passage: Passage, action: str, user: User, reason: str | None) -> None:
    """The guard's decision on a passage (no commit)."""
    if action not in Action.DECISION:
        raise ActionError(f"unknown action {action!r}")
    if passage.released_at is not None:
        raise ActionError(N_("this vehicle has already left the holding-lot queue"))
    _editable(passage)
    reason = (reason or "").strip()
    if reason_required(passage, action) and not reason:
        raise ActionError(N_("a written reason is required to override the rules"))
    decision = Action.DECISION[action]
    now = utcnow()
    evaluation = evaluate(passage, now)
    if not passage.checks:  # never decided (e.g. the reading failed): keep the checklist
        store_evaluation(passage, evaluation, now)
    was_held = passage.decision is Decision.HOLD
    passage.decision = decision
    passage.operator_id = user.id
    passage.override_reason = reason[:500] or None
    passage.decided_at = now
    if was_held and decision is not Decision.HOLD:
        passage.released_at = now  # left the holding-lot queue (let in or turned away)
    _record(
        passage,
        user,
        "gate.override" if passage.override_reason else "gate.guard_decision",
        {
            "lane": passage.lane.code,
            "decision": decision.value,
            "system_decision": passage.system_decision.value if passage.system_decision else None,
            "reason": passage.override_reason,
        },
    )
    apply_decision(passage, decision, evaluation, now)


def correct_plate(passage: Passage, text: str, user: User) -> GateDecision:
    """The guard types the plate (unreadable or misread): decide again on it. The barrier
    is not driven by this: if the rules now allow, the guard opens."""
    try:
        typed = check_typed_plate(text, list(park_settings().plate_formats))
    except PlateError as exc:
        raise ActionError(str(exc)) from exc
    _editable(passage)
    before = passage.plate_read
    passage.plate_read = typed
    passage.plate_confirmed = True
    passage.plate_confirmed_by_id = user.id
    _record(passage, user, "gate.plate_corrected", {"from": before, "to": passage.plate_read})
    return decide(passage)


def record_crew(
    passage: Passage,
    user: User,
    *,
    driver_present: bool,
    escort_present: bool,
    ids_checked: bool,
    persons: int,
    waybill: str | None = None,
) -> GateDecision:
    if not 1 <= persons <= 9:
        raise ActionError(N_("persons on board: 1 to 9"))
    _editable(passage)
    scanned = {k: v for k, v in (passage.crew or {}).items() if k in SCANNED_KEYS}
    passage.crew = {
        **scanned,
        "driver_present": driver_present,
        "escort_present": escort_present,
        "ids_checked": ids_checked,
        "persons": persons,
        "waybill": (waybill or "").strip()[:64] or None,
        "by": user.username,
    }
    passage.persons_count = persons
    _record(passage, user, "gate.crew_recorded", dict(passage.crew))
    return decide(passage)


# What a scanner put on the passage; kept when the guard records the crew.
SCANNED_KEYS = ("pass", "ewaybill")


def record_scan(passage: Passage, text: str, user: User | None) -> tuple[passes.Scan, GateDecision]:
    """A booking pass or a waybill scanned at the barrier (a keyboard-wedge scanner at the
    kiosk, or a QR code in the lane camera's frame): kept on the passage as evidence and
    the rules run again with it."""
    _editable(passage)
    try:
        scan = passes.classify(text)
    except passes.WaybillError as exc:
        raise ActionError(N_("Not a booking pass or a waybill")) from exc
    crew = dict(passage.crew or {})
    if scan.booking_pass is not None:
        crew["pass"] = scan.booking_pass.to_json()
    elif scan.kind == "ewaybill":
        crew["ewaybill"] = scan.waybill
    else:
        crew["waybill"] = (scan.waybill or {}).get("number")
    passage.crew = crew
    details: dict[str, Any] = {"lane": passage.lane.code, "kind": scan.kind}
    if scan.booking_pass is not None:
        details.update(genuine=scan.booking_pass.genuine, reference=scan.booking_pass.reference)
    elif scan.waybill:
        details["waybill"] = scan.waybill.get("number")
    if user is not None:
        _record(passage, user, "gate.scanned", details)
    else:
        audit.record(
            "gate.scanned",
            entity_type="passage",
            entity_id=passage.id,
            details=details,
            actor="station",
        )
    return scan, decide(passage)


def may_call(user: User, passage: Passage) -> bool:
    """Who calls a vehicle forward from the holding lot: the gate's guards and the park's
    managers and admins any; a receiving company's dispatcher only its own deliveries."""
    if user.role in (Role.GUARD, Role.MANAGER, Role.ADMIN):
        return True
    booking = passage.booking
    return (
        user.role is Role.DISPATCHER
        and booking is not None
        and (user.company_id is None or user.company_id == booking.company_id)
    )


def release(passage: Passage, user: User) -> GateDecision:
    """A held vehicle is called forward from the holding lot (by the guard, the park or
    the receiving company: one mechanism): decide again with today's counts; when the
    rules now allow, the lot's barrier opens for it. The driver is told by
    :func:`gatekeeper.services.holding.notify_called` once this is committed."""
    if passage.decision is not Decision.HOLD or passage.released_at is not None:
        raise ActionError(N_("this vehicle is not waiting in the holding lot"))
    if not may_call(user, passage):
        raise ActionError(N_("only the receiving company or the park calls this vehicle"))
    passage.called_at = utcnow()
    passage.called_by_id = user.id
    _record(
        passage,
        user,
        "gate.release_requested",
        {"lane": passage.lane.code, "by_role": user.role.value},
    )
    result = decide(passage)
    if result.decision is not Decision.HOLD and passage.released_at is None:
        passage.released_at = utcnow()
    return result


def confirm_passed(passage: Passage, user: User) -> None:
    """The barrier did not open but the guard saw the allowed vehicle pass (the boom was
    lifted by hand): it is inside, or its visit is closed. No commit."""
    if passage.decision is not Decision.ALLOW:
        raise ActionError(N_("only an allowed vehicle can be recorded as passed"))
    _editable(passage)
    now = utcnow()
    passage.barrier_opened_at = now
    record_passed(passage, now)
    _record(passage, user, "gate.passed_by_hand", {"lane": passage.lane.code})


def _record(passage: Passage, user: User, action: str, details: dict[str, Any]) -> None:
    """A guard's action on a passage, in the audit chain under the guard's name."""
    audit.record(
        action,
        entity_type="passage",
        entity_id=passage.id,
        details=details,
        actor_user_id=user.id,
        actor=user.username,
    )


def _editable(passage: Passage) -> None:
    if passage.barrier_opened_at is not None:
        raise ActionError(N_("the barrier was already opened for this vehicle"))

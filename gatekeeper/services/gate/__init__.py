"""Gate decisions on stored passages: gather the records, run the domain rules, store the
decision with its checklist, and apply what it means (presence, booking status, barrier,
alerts) in the same transaction as the passage. Guard actions live here too, each one
audited with the guard's name.

Transactions: the functions that change a passage flush but do not commit, so that the
caller commits the passage, its decision, the presence rows and the audit entry together.
The barrier is driven only after that commit (:func:`open_barrier`): a decision that was
not stored never lifts a boom.

Modules: ``evaluation`` (records -> domain request -> rules), ``apply`` (storing a decision
and its effects), ``actions`` (the guard's), ``barrier``, ``queue`` (the holding lot).
"""

from gatekeeper.services.gate.actions import (
    Action,
    ActionError,
    confirm_passed,
    correct_plate,
    guard_decides,
    reason_required,
    record_crew,
    record_scan,
    release,
)
from gatekeeper.services.gate.apply import (
    decide,
    guard_has_acted,
    lock_passage,
    record_passed,
)
from gatekeeper.services.gate.barrier import open_barrier, should_open
from gatekeeper.services.gate.evaluation import (
    BOOKING_REACH,
    Evaluation,
    candidate_vehicles,
    evaluate,
    holding_zone,
    park_day,
)
from gatekeeper.services.gate.queue import expire_held, holding_queue

__all__ = [
    "BOOKING_REACH",
    "Action",
    "ActionError",
    "Evaluation",
    "candidate_vehicles",
    "confirm_passed",
    "correct_plate",
    "decide",
    "evaluate",
    "expire_held",
    "guard_decides",
    "guard_has_acted",
    "holding_queue",
    "holding_zone",
    "lock_passage",
    "open_barrier",
    "park_day",
    "reason_required",
    "record_crew",
    "record_passed",
    "record_scan",
    "release",
    "should_open",
]

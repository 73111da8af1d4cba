"""Gate decisions: what the barrier does for one vehicle, and why.

Pure domain code. The caller (``gatekeeper.services.gate``) gathers the records into the
plain values below; :func:`decide_entry` and :func:`decide_exit` run every check of the
park's gate rules and combine them. Each check has a stable code, an outcome, the decision
a failure leads to, a message and the evidence it looked at, so that the guard's kiosk can
show the whole checklist and the passage keeps it as the record of why.

Layout: ``decision`` (the check and decision types), ``records`` (the input records),
``adr`` (ADR helpers), ``context`` (what every rule looks at), ``rules/`` (one module per
group of rules: identity, booking, documents, crew, cargo, site), ``entry`` and ``exit``
(each a list of rules, combined).

Combination: any failed check that denies -> ``deny``; else any that needs the guard ->
``review``; else any that sends the vehicle to the holding lot -> ``hold``; else ``allow``.
So a vehicle is allowed only when no check failed.
"""

from gatekeeper.domain.gate.adr import forbidden_tunnels, required_approval, small_load_points
from gatekeeper.domain.gate.context import booking_for
from gatekeeper.domain.gate.decision import (
    LOW_CONFIDENCE,
    Check,
    Decision,
    GateDecision,
    Outcome,
    PlateMatch,
    combine,
)
from gatekeeper.domain.gate.entry import ENTRY_RULES, decide_entry
from gatekeeper.domain.gate.exit import decide_exit
from gatekeeper.domain.gate.records import (
    BookingPass,
    BookingRecord,
    CargoRecord,
    Crew,
    DocumentRead,
    EntryRequest,
    ExitRequest,
    LaneInfo,
    Occupancy,
    PersonRecord,
    PresenceRecord,
    QualificationRecord,
    Reads,
    RouteEdgeRecord,
    Rules,
    VehicleRecord,
    Waybill,
)
from gatekeeper.domain.gate.rules.identity import match_plate

__all__ = [
    "ENTRY_RULES",
    "LOW_CONFIDENCE",
    "BookingPass",
    "BookingRecord",
    "CargoRecord",
    "Check",
    "Crew",
    "Decision",
    "DocumentRead",
    "EntryRequest",
    "ExitRequest",
    "GateDecision",
    "LaneInfo",
    "Occupancy",
    "Outcome",
    "PersonRecord",
    "PlateMatch",
    "PresenceRecord",
    "QualificationRecord",
    "Reads",
    "RouteEdgeRecord",
    "Rules",
    "VehicleRecord",
    "Waybill",
    "booking_for",
    "combine",
    "decide_entry",
    "decide_exit",
    "forbidden_tunnels",
    "match_plate",
    "required_approval",
    "small_load_points",
]

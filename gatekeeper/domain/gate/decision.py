"""The decision types: a check (code, outcome, message, evidence), the combined decision, and
the helpers every rule builds its check with."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gatekeeper.domain.gate.records import BookingRecord, VehicleRecord
from gatekeeper.domain.messages import N_, Phrase, english, serial
from gatekeeper.domain.plates import MatchQuality


class Decision(enum.StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    HOLD = "hold"  # wait in the holding lot
    REVIEW = "review"  # the guard decides

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


LOW_CONFIDENCE = N_(
    "Plate %(plate)s read with low confidence (%(confidence)s): the guard confirms it"
)
_SEVERITY = {Decision.ALLOW: 0, Decision.HOLD: 1, Decision.REVIEW: 2, Decision.DENY: 3}


class Outcome(enum.StrEnum):
    PASS = "pass"  # noqa: S105 (an outcome, not a password)
    FAIL = "fail"
    WARN = "warn"  # noted, does not stop the vehicle
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class Check:
    code: str
    outcome: Outcome
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)
    # What a failure leads to; None for checks that cannot fail.
    effect: Decision | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return english(Phrase(self.template, self.params))

    @property
    def failed(self) -> bool:
        return self.outcome is Outcome.FAIL

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "outcome": self.outcome.value,
            "effect": self.effect.value if self.effect else None,
            "message": self.message,
            "template": self.template,
            "params": {k: serial(v) for k, v in self.params.items()},
            "evidence": dict(self.evidence),
        }


# --- result ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlateMatch:
    vehicle: VehicleRecord | None
    quality: MatchQuality
    read: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "vehicle_id": self.vehicle.id if self.vehicle else None,
            "plate": self.vehicle.plate if self.vehicle else None,
            "quality": self.quality.value,
            "read": self.read,
        }


@dataclass(frozen=True)
class GateDecision:
    decision: Decision
    checks: tuple[Check, ...]
    match: PlateMatch
    booking: BookingRecord | None = None
    hazmat: bool = False

    @property
    def reasons(self) -> tuple[Check, ...]:
        """The failed checks, most severe first, then warnings."""
        failed = sorted(
            (c for c in self.checks if c.failed),
            key=lambda c: -(c.effect.severity if c.effect else 0),
        )
        return (*failed, *(c for c in self.checks if c.outcome is Outcome.WARN))

    def check(self, code: str) -> Check:
        return next(c for c in self.checks if c.code == code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision.value,
            "match": self.match.to_dict(),
            "booking": self.booking.reference if self.booking else None,
            "hazmat": self.hazmat,
            "reasons": [c.to_dict() for c in self.reasons],
            "checks": [c.to_dict() for c in self.checks],
        }


def combine(checks: Sequence[Check]) -> Decision:
    worst = Decision.ALLOW
    for check in checks:
        if check.failed:
            effect = check.effect or Decision.REVIEW  # a failure never lets a vehicle pass
            if effect is Decision.ALLOW:
                effect = Decision.REVIEW
            if effect.severity > worst.severity:
                worst = effect
    return worst


# --- helpers -----------------------------------------------------------------------------


def check_pass(code: str, template: str, **params: Any) -> Check:
    return Check(code, Outcome.PASS, template, params)


def check_na(code: str, template: str, **params: Any) -> Check:
    return Check(code, Outcome.NOT_APPLICABLE, template, params)


def check_fail(
    code: str,
    effect: Decision,
    template: str,
    evidence: Mapping[str, Any] | None = None,
    **params: Any,
) -> Check:
    return Check(code, Outcome.FAIL, template, params, effect, evidence or {})


def check_warn(
    code: str, template: str, evidence: Mapping[str, Any] | None = None, **params: Any
) -> Check:
    return Check(code, Outcome.WARN, template, params, None, evidence or {})

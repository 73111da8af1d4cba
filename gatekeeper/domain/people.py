"""Who may walk into the park: the checks of a person at a pedestrian lane. Pure: facts
in, the reasons against out (none: the person may pass)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from gatekeeper.domain.messages import N_, Code, Phrase, phrase


@dataclass(frozen=True)
class Certificate:
    kind: str  # QualificationKind value
    expires_on: date
    valid_from: date | None = None

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and day <= self.expires_on


@dataclass(frozen=True)
class PersonFacts:
    kind: str  # PersonKind value
    standing: str  # Standing value
    review_status: str  # ReviewStatus value
    certificates: Sequence[Certificate] = ()
    # Visitors: a visit registered by a host for the day, and the safety rules acknowledged.
    visit_today: bool = False
    rules_acknowledged: bool = False
    # Drivers and escorts on foot: named on a booking of the day.
    booked_today: bool = False
    inside: bool = False
    # A bar in force: why, and its last day (None: until lifted).
    standing_reason: str | None = None
    standing_until: date | None = None
    # Employees and contractors: the last day they work here (None: open-ended).
    registered_until: date | None = None


@dataclass(frozen=True)
class Refusal:
    code: str
    text: Phrase


# What a contractor must hold, valid on the day (safety induction, liability insurance).
CONTRACTOR_NEEDS = (("induction", N_("safety induction")), ("insurance", N_("insurance")))


def entry_refusals(facts: PersonFacts, day: date) -> list[Refusal]:
    """Why the person may not walk in today (empty: they may)."""
    out: list[Refusal] = []
    if facts.inside:
        out.append(Refusal("inside", phrase(N_("already inside the park"))))
    if facts.standing != "active":
        out.append(Refusal("standing", _barred(facts)))
    if facts.review_status != "approved":
        out.append(Refusal("review", phrase(N_("registration not approved yet"))))
    left = facts.registered_until
    if facts.kind in ("employee", "contractor") and left is not None and left < day:
        text = phrase(N_("works here no longer (until %(day)s)"), day=left.isoformat())
        out.append(Refusal("registered", text))
    if facts.kind == "contractor":
        for kind, label in CONTRACTOR_NEEDS:
            if not any(c.kind == kind and c.valid_on(day) for c in facts.certificates):
                out.append(
                    Refusal(kind, phrase(N_("no valid %(certificate)s"), certificate=Phrase(label)))
                )
    elif facts.kind == "visitor":
        if not facts.visit_today:
            out.append(Refusal("visit", phrase(N_("no visit registered by a host for today"))))
        elif not facts.rules_acknowledged:
            out.append(Refusal("rules", phrase(N_("the park's safety rules are not acknowledged"))))
    elif facts.kind in ("driver", "escort") and not facts.booked_today:
        out.append(Refusal("booking", phrase(N_("not on a booking of today"))))
    return out


# Refusals are stored with their template: the words of those stored before the reason and
# the last day were given stay in the catalogue, so that history reads in every language.
STORED_BEFORE = (N_("not allowed in (%(standing)s)"),)


def _barred(facts: PersonFacts) -> Phrase:
    standing = Code(facts.standing, "standing")
    why = facts.standing_reason or "-"
    if facts.standing_until is not None:
        return phrase(
            N_("not allowed in (%(standing)s until %(day)s): %(why)s"),
            standing=standing,
            day=facts.standing_until.isoformat(),
            why=why,
        )
    return phrase(N_("not allowed in (%(standing)s): %(why)s"), standing=standing, why=why)


def exit_refusals(inside: bool, card_issued: str | None, card_returned: bool) -> list[Refusal]:
    """Why the exit cannot be recorded as asked (empty: it can)."""
    if not inside:
        return [Refusal("not_inside", phrase(N_("not inside the park")))]
    if card_issued and not card_returned:
        return [
            Refusal("card", phrase(N_("positioning card %(card)s not returned"), card=card_issued))
        ]
    return []

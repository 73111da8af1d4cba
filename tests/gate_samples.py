"""The demo park ready for gate tests: station tokens, the LOX booking due now, a guard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from gatekeeper.barriers import SimulatedBarrier
from gatekeeper.extensions import db
from gatekeeper.models import Booking, Decision, Passage, Role
from gatekeeper.models.types import utcnow
from gatekeeper.services import gate
from gatekeeper.services.demo import seed_demo_park
from tests.factories import make_user

LOX_PLATE = {"hin": "225", "un": "1073", "confidence": 0.95}


@dataclass
class Demo:
    token: str  # station ST-G1: G1-IN, G1-HAZ, G1-OUT
    other_token: str  # station ST-G2
    lox: Booking
    guard: Any
    road_token: str = ""  # station ST-ROAD: the checkpoint cameras CP1-CP6

    def post_event(self, client: Any, lane: str, **body: Any) -> Any:
        body.setdefault("confidence", 0.97)
        response = client.post(
            f"/api/v1/lanes/{lane}/events",
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
        )
        db.session.expire_all()  # see what the request's own session wrote
        return response

    def enter_lox(self, client: Any, event_id: str = "e-in") -> Passage:
        """The LOX tanker through G1-HAZ, crew checked by the guard: inside."""
        body = self.post_event(
            client, "G1-HAZ", event_id=event_id, plate="QAKX769", hazard=LOX_PLATE
        ).json
        passage = db.session.get(Passage, body["id"])
        assert passage is not None
        gate.record_crew(
            passage,
            self.guard,
            driver_present=True,
            escort_present=True,
            ids_checked=True,
            persons=2,
        )
        db.session.commit()
        assert passage.decision is Decision.ALLOW
        assert gate.should_open(passage) and gate.open_barrier(passage, self.guard)
        db.session.expire_all()
        return passage

    def post_sighting(self, client: Any, checkpoint: str, **body: Any) -> Any:
        body.setdefault("confidence", 0.95)
        response = client.post(
            f"/api/v1/checkpoints/{checkpoint}/sightings",
            json=body,
            headers={"Authorization": f"Bearer {self.road_token}"},
        )
        db.session.expire_all()
        return response


@pytest.fixture
def demo(session: Any) -> Demo:
    summary = seed_demo_park()
    lox = session.scalar(select(Booking).where(Booking.reference.like("BK-%-001")))
    now = utcnow()
    lox.window_start, lox.window_end = now - timedelta(hours=1), now + timedelta(hours=2)
    session.flush()
    SimulatedBarrier.opened.clear()
    return Demo(
        summary.station_tokens["ST-G1"],
        summary.station_tokens["ST-G2"],
        lox,
        make_user(Role.GUARD),
        summary.station_tokens["ST-ROAD"],
    )

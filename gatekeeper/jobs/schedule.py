"""The one schedule of periodic jobs, with stable ids.

``flask scheduler`` runs it: through RQ's cron scheduler when Redis is configured (jobs go
to the workers), or in-process on a timer in embedded mode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gatekeeper.jobs import maintenance


@dataclass(frozen=True)
class PeriodicJob:
    id: str
    func: Callable[..., Any]
    every_seconds: int


SCHEDULE: tuple[PeriodicJob, ...] = (
    PeriodicJob("document-expiry", maintenance.check_document_expiry, every_seconds=3600),
    PeriodicJob("notices", maintenance.send_notices, every_seconds=3600),
    PeriodicJob("overstay", maintenance.check_overstay, every_seconds=300),
    PeriodicJob("route-deviation", maintenance.check_route_deviations, every_seconds=60),
    PeriodicJob("holding-expiry", maintenance.expire_holding_queue, every_seconds=300),
    PeriodicJob("audit-checkpoint", maintenance.sign_audit_checkpoint, every_seconds=300),
)

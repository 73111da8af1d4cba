"""The one schedule of periodic jobs, with stable ids.

``flask scheduler`` runs it: through RQ's cron scheduler when Redis is configured (jobs go
to the workers), or in-process on a timer in embedded mode.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gatekeeper.jobs import maintenance


@dataclass(frozen=True)
class PeriodicJob:
    id: str
    func: Callable[..., Any]
    every_seconds: int
    # An app config key that overrides the interval (a park setting of the operator's).
    setting: str | None = None

    def interval(self, config: Mapping[str, Any]) -> int:
        value = config.get(self.setting) if self.setting else None
        return int(value) if value else self.every_seconds


SCHEDULE: tuple[PeriodicJob, ...] = (
    PeriodicJob("document-expiry", maintenance.check_document_expiry, every_seconds=3600),
    PeriodicJob("notices", maintenance.send_notices, every_seconds=3600),
    PeriodicJob("overstay", maintenance.check_overstay, every_seconds=300),
    PeriodicJob("route-deviation", maintenance.check_route_deviations, every_seconds=60),
    PeriodicJob("holding-expiry", maintenance.expire_holding_queue, every_seconds=300),
    PeriodicJob("audit-checkpoint", maintenance.sign_audit_checkpoint, every_seconds=300),
    PeriodicJob(
        "authority-feed",
        maintenance.push_authority_feed,
        every_seconds=600,
        setting="GATEKEEPER_FEED_EVERY_SECONDS",
    ),
    PeriodicJob("daily-report", maintenance.make_daily_report, every_seconds=3600),
    PeriodicJob("retention", maintenance.purge_history, every_seconds=86400),
    PeriodicJob("requeue-captures", maintenance.requeue_captures, every_seconds=60),
)

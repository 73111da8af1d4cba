"""Jobs used by the job-layer tests (importable by name, as RQ needs)."""

from __future__ import annotations

from gatekeeper.extensions import db
from gatekeeper.jobs import job
from gatekeeper.models import Alert, AlertKind, Severity


@job("default")
def raise_alert(key: str) -> str:
    db.session.add(Alert(kind=AlertKind.GATE, severity=Severity.INFO, message=key, dedup_key=key))
    db.session.commit()
    return key.upper()


@job("default", retries=1)
def always_fails() -> None:
    raise RuntimeError("the camera feed is gone")

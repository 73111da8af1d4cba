"""Jobs used by the job-layer tests (importable by name, as RQ needs)."""

from __future__ import annotations

from rq import get_current_job

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


@job("default")
def wait_for_release(name: str) -> str:
    """Says it runs (``started:<name>``), then runs until the test releases it
    (``release:<name>``): a job the test can watch while it runs."""
    current = get_current_job()
    assert current is not None
    current.connection.rpush(f"started:{name}", 1)
    released = current.connection.blpop([f"release:{name}"], timeout=60)
    return "released" if released else "never released"

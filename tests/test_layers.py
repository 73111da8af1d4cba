"""The layers import in one direction: no cycles between the app and its job layer, the
capture service and the OCR job, or the server and the station's camera code."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from flask import Flask

from tests.live import ROOT


def _modules_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


@pytest.mark.parametrize(
    ("module", "must_not_load"),
    [
        ("gatekeeper.jobs", "gatekeeper.app"),
        ("gatekeeper.jobs.ocr", "gatekeeper.services.captures"),
        ("gatekeeper.services.captures", "camera_adapters.anpr_push"),
        ("gatekeeper.web.api.routes", "camera_adapters.anpr_push"),
        ("camera_adapters.wire", "cv2"),
        ("gatekeeper.domain.gate", "flask"),
    ],
)
def test_a_lower_layer_does_not_load_a_higher_one(module: str, must_not_load: str) -> None:
    assert must_not_load not in _modules_after_import(module)


def test_a_job_outside_the_app_says_how_to_run_workers() -> None:
    code = "from gatekeeper.jobs.maintenance import check_overstay; check_overstay()"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode != 0
    assert "run workers with 'flask worker' or 'rq worker -w gatekeeper.worker" in done.stderr


def test_the_bare_rq_worker_runs_each_job_in_the_app(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flask import current_app

    from gatekeeper import worker

    seen: list[Any] = []

    def perform(self: Any, job: Any, queue: Any, execution: Any) -> bool:
        seen.append(current_app._get_current_object())  # type: ignore[attr-defined]
        return True

    monkeypatch.setattr(worker.SimpleWorker, "perform_job", perform)
    monkeypatch.setattr(worker, "worker_app", lambda: app)
    assert worker.AppWorker.perform_job(object.__new__(worker.AppWorker), None, None, None)
    assert seen == [app]

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from gatekeeper.models import AuditEntry, Role, User
from tests.factories import make_carrier

pytestmark = pytest.mark.embedded


def test_user_create_makes_a_first_admin(runner: Any, session: Any) -> None:
    result = runner.invoke(
        args=["user", "create", "chief", "--role", "admin"],
        input="a long password\na long password\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "chief"))
    assert user.role is Role.ADMIN and user.check_password("a long password")
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "user.created"))


def test_user_create_refuses_bad_input_and_writes_nothing(runner: Any, session: Any) -> None:
    make_carrier(code="ACME")
    cases = [
        (["user", "create", "c1", "--role", "carrier", "--password", "long enough"], "--carrier"),
        (
            [
                "user",
                "create",
                "g1",
                "--role",
                "guard",
                "--carrier",
                "ACME",
                "--password",
                "long enough",
            ],
            "only carrier users",
        ),
        (["user", "create", "g2", "--role", "guard", "--password", "short"], "8 characters"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0
        assert message in result.output
    assert session.scalars(select(User)).all() == []
    ok = runner.invoke(
        args=[
            "user",
            "create",
            "c2",
            "--role",
            "carrier",
            "--carrier",
            "ACME",
            "--password",
            "long enough",
        ]
    )
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(
        args=["user", "create", "c2", "--role", "guard", "--password", "long enough"]
    )
    assert "exists already" in again.output


def test_refdata_load_is_idempotent(runner: Any) -> None:
    result = runner.invoke(args=["refdata", "load"])
    assert result.exit_code == 0
    assert "0 inserted, 0 updated" in result.output


def test_worker_needs_redis(runner: Any) -> None:
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "embedded mode" in result.output


@pytest.mark.parametrize(
    ("args", "warms"),
    [
        (["--queues", "ocr"], True),
        (["--queues", "default,ocr,maintenance"], True),
        (["--queues", "ocr", "--no-warm"], False),
        (["--queues", "default,maintenance"], False),  # reads nothing: loads nothing
    ],
)
def test_an_ocr_worker_warms_its_models_as_it_starts_unless_told_not_to(
    app: Any, runner: Any, monkeypatch: Any, args: list[str], warms: bool
) -> None:
    from gatekeeper.vision import warm
    from tests.test_jobs import redis_queues

    calls: list[bool] = []
    monkeypatch.setattr(warm, "warm_up_in_background", lambda: calls.append(True))
    with redis_queues() as layer:
        monkeypatch.setitem(app.extensions, "gatekeeper.jobs", layer)
        result = runner.invoke(args=["worker", "--burst", *args])
    assert result.exit_code == 0, result.output
    assert calls == ([True] if warms else [])

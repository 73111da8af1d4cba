"""The JSON API fuzzed from its own OpenAPI document (schemathesis, a bounded number of
examples per operation, against the demo park): no answer is a server error, and every
answer matches the document (status code, content type, body schema)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from gatekeeper.models import Role, User
from gatekeeper.services.tokens import issue_token
from gatekeeper.web.api.openapi import openapi_document
from gatekeeper.web.api.routes import API_VERSION
from tests.gate_samples import Demo
from tests.test_kiosk_browser import ARTIFACTS

schema = schemathesis.openapi.from_dict(openapi_document(API_VERSION))
SEEN: Counter[str] = Counter()  # answers by operation and status: test-artifacts/api-fuzz.json
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _token_for(operation: Any, demo: Demo, users: dict[str, str]) -> str:
    """The credential the operation asks for: a user's token (a carrier on the carrier
    API, a dispatcher on bookings) or the gate station's."""
    security = operation.definition.raw.get("security")
    if security and "userToken" in security[0]:
        return users["carrier" if operation.path.startswith("/carrier") else "dispatcher"]
    return demo.road_token if operation.path.startswith("/checkpoints") else demo.token


@pytest.fixture(scope="module", autouse=True)
def _answers_seen() -> Iterator[None]:
    yield
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "api-fuzz.json").write_text(json.dumps(dict(sorted(SEEN.items())), indent=1))


@pytest.fixture
def user_tokens(demo: Demo, session: Any) -> dict[str, str]:
    tokens = {}
    for name in ("carrier", "dispatcher"):
        user = session.scalar(select(User).where(User.role == Role(name)).limit(1))
        tokens[name] = issue_token(user, "fuzz")
    session.commit()
    return tokens


def _fuzz_test(label: str) -> Any:
    """The test of one operation. One test per operation (not ``schema.parametrize()``
    over the whole document): schemathesis gives every operation's test the same node id,
    and pytest-xdist's file scheduling (``make test`` runs two workers) keeps one of them."""
    method, path = label.split(" ", 1)

    @schema.include(method=method, path=path).parametrize()
    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    def test(case: Any, app: Flask, demo: Demo, user_tokens: dict[str, str]) -> None:
        token = _token_for(case.operation, demo, user_tokens)
        # The suite's client runs each request in its own app context, as a server does.
        response = case.call_and_validate(
            app=app,
            session=app.test_client(),
            headers={"Authorization": f"Bearer {token}"},
            checks=CHECKS,
        )
        SEEN[f"{case.operation.label} {response.status_code}"] += 1

    return test


OPERATIONS = [result.ok().label for result in schema.get_all_operations()]
for _label in OPERATIONS:
    _name = re.sub(r"[^a-z0-9]+", "_", _label.lower()).strip("_")
    globals()[f"test_{_name}_answers_as_documented_without_a_server_error"] = _fuzz_test(_label)


def test_every_operation_of_the_document_is_fuzzed() -> None:
    names = {name for name in globals() if name.endswith("_without_a_server_error")}
    assert len(OPERATIONS) >= 20 and len(names) == len(OPERATIONS)

"""Barrier adapters: what actually lifts the boom of a lane.

A lane's ``barrier`` setting picks the adapter: ``{"type": "simulated"}`` (also when
unset: the demo and the tests) or ``{"type": "http_relay", "url": ..., "token_env": ...,
"timeout_s": 3}`` for a network relay board or a barrier controller with an HTTP API.
The relay gets ``POST url`` with JSON ``{"lane", "passage", "action": "open"}`` and, when
``token_env`` names an environment variable, ``Authorization: Bearer <its value>``; any
2xx answer counts as opened. Credentials never live in the database or the repository.

The adapters never raise: a barrier that cannot be reached is reported in the result
(the caller logs it and the guard sees it), it must not undo the decision.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from gatekeeper.domain.messages import N_, SettingError, phrase


@dataclass(frozen=True)
class BarrierResult:
    opened: bool
    adapter: str
    detail: str = ""


class Barrier(Protocol):
    def open(self, lane_code: str, passage_id: int | None) -> BarrierResult: ...


class SimulatedBarrier:
    """Remembers the opens it was asked for (per process), for the demo and the tests."""

    _lock = threading.Lock()
    opened: list[tuple[str, int | None]] = []  # shared by every instance in the process

    def open(self, lane_code: str, passage_id: int | None) -> BarrierResult:
        with self._lock:
            SimulatedBarrier.opened.append((lane_code, passage_id))
        return BarrierResult(True, "simulated", "simulated barrier opened")


@dataclass(frozen=True)
class HttpRelayBarrier:
    url: str
    token_env: str | None = None
    timeout_s: float = 3.0

    def open(self, lane_code: str, passage_id: int | None) -> BarrierResult:
        body = json.dumps({"lane": lane_code, "passage": passage_id, "action": "open"}).encode()
        request = urllib.request.Request(  # noqa: S310 (the URL is the park's own setting)
            self.url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        if self.token_env:
            token = os.environ.get(self.token_env)
            if not token:
                return BarrierResult(False, "http_relay", f"${self.token_env} is not set")
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            return BarrierResult(False, "http_relay", f"relay answered HTTP {exc.code}")
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            return BarrierResult(False, "http_relay", f"relay unreachable: {reason}")
        if 200 <= status < 300:
            return BarrierResult(True, "http_relay", f"relay answered HTTP {status}")
        return BarrierResult(False, "http_relay", f"relay answered HTTP {status}")


class BarrierConfigError(SettingError):
    """A barrier setting that names no usable adapter."""


def barrier_for(config: dict[str, Any] | None) -> Barrier:
    """The adapter a lane's ``barrier`` setting names."""
    config = config or {"type": "simulated"}
    kind = config.get("type", "simulated")
    if kind == "simulated":
        return SimulatedBarrier()
    if kind == "http_relay":
        url = config.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise BarrierConfigError(phrase(N_("http_relay barrier needs an http(s) 'url'")))
        return HttpRelayBarrier(
            url=url,
            token_env=config.get("token_env"),
            timeout_s=float(config.get("timeout_s", 3.0)),
        )
    raise BarrierConfigError(phrase(N_("unknown barrier type %(type)s"), type=repr(kind)))

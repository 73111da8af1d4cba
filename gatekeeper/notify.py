"""Messages to drivers (called forward from the holding lot): an adapter, like the barriers.

``GATEKEEPER_NOTIFY_URL`` unset: the logging adapter writes each message to the log (and
keeps it in ``LoggingNotifier.sent`` for the demo and the tests). Set: the message is
POSTed as JSON ``{"to": phone, "text": ..., "reference": ...}`` to the park's SMS or
WeChat gateway, with ``Authorization: Bearer`` from the variable named by
``GATEKEEPER_NOTIFY_TOKEN_ENV``; any 2xx answer counts as sent. Adapters never raise: a
gateway that cannot be reached is reported (the guard still sees the call at the kiosk).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from flask import current_app

log = logging.getLogger("gatekeeper.notify")


@dataclass(frozen=True)
class Sent:
    delivered: bool
    adapter: str
    detail: str = ""


class Notifier(Protocol):
    def send(self, to: str | None, text: str, reference: str) -> Sent: ...


class LoggingNotifier:
    _lock = threading.Lock()
    sent: list[tuple[str | None, str, str]] = []  # per process, for the demo and the tests

    def send(self, to: str | None, text: str, reference: str) -> Sent:
        with self._lock:
            LoggingNotifier.sent.append((to, text, reference))
        log.info("message to %s (%s): %s", to or "no phone", reference, text)
        return Sent(True, "log", "written to the log")


@dataclass(frozen=True)
class HttpNotifier:
    url: str
    token_env: str | None = None
    timeout_s: float = 5.0

    def send(self, to: str | None, text: str, reference: str) -> Sent:
        if not to:
            return Sent(False, "http", "no phone number registered")
        body = json.dumps({"to": to, "text": text, "reference": reference}).encode()
        request = urllib.request.Request(  # noqa: S310 (the park's own gateway setting)
            self.url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        token = os.environ.get(self.token_env) if self.token_env else None
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:  # noqa: S310
                status = int(answer.status)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            return Sent(False, "http", f"gateway unreachable: {exc}")
        return Sent(200 <= status < 300, "http", f"HTTP {status}")


def notifier() -> Notifier:
    url = current_app.config.get("GATEKEEPER_NOTIFY_URL")
    if url:
        return HttpNotifier(url, current_app.config.get("GATEKEEPER_NOTIFY_TOKEN_ENV"))
    return LoggingNotifier()

"""The station's side of the wire: one capture posted to the central service with the
station's token, and what its answer means (delivered, refused for good, or worth another
try)."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("camera_adapters.client")

# (url, body, headers) -> (HTTP status, parsed JSON body); raises OSError on network failure.
Transport = Callable[[str, bytes, dict[str, str]], tuple[int, Any]]


class DeliveryError(RuntimeError):
    """The service refused the capture for good (4xx), or never answered."""


class RefusedError(DeliveryError):
    """The service refused the capture for good (4xx): sending it again will not help."""


def _answer(raw: bytes) -> Any:
    """The service answers JSON; a proxy in front of it (502, 504) may answer HTML."""
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return {"raw": raw[:200].decode(errors="replace")}


def urllib_transport(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (http/https only)
            return response.status, _answer(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _answer(exc.read())


def encode_multipart(
    fields: dict[str, str], files: Sequence[tuple[str, str, bytes]]
) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        disposition = f'Content-Disposition: form-data; name="{name}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    for name, filename, data in files:
        disposition = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"'
        header = f"--{boundary}\r\n{disposition}\r\nContent-Type: image/jpeg\r\n\r\n"
        parts.append(header.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class StationClient:
    server: str
    token: str
    transport: Transport = urllib_transport
    attempts: int = 6
    first_delay_s: float = 0.5
    sleep: Callable[[float], None] = time.sleep

    def try_capture(self, lane: str, event_id: str, jpegs: Sequence[bytes]) -> dict[str, Any]:
        """One attempt to deliver a capture. Returns the service's answer; raises
        :class:`RefusedError` for a refusal (4xx other than 408 and 429) and
        :class:`DeliveryError` for anything worth another try (network, 5xx, a proxy's
        HTML error page)."""
        body, content_type = encode_multipart(
            {"event_id": event_id},
            [("image", f"frame{i}.jpg", data) for i, data in enumerate(jpegs)],
        )
        url = f"{self.server.rstrip('/')}/api/v1/lanes/{lane}/captures"
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": content_type}
        try:
            status, answer = self.transport(url, body, headers)
        except OSError as exc:
            raise DeliveryError(f"network: {exc}") from exc
        if status < 300 and isinstance(answer, dict) and "raw" not in answer:
            return answer
        if 400 <= status < 500 and status not in (408, 429):
            raise RefusedError(f"refused ({status}): {answer}")
        raise DeliveryError(f"server answered {status}: {str(answer)[:200]}")

    def send_capture(self, lane: str, event_id: str, jpegs: Sequence[bytes]) -> dict[str, Any]:
        """Deliver one capture now; network failures and 5xx answers are retried with the
        same event id and growing pauses. Returns the service's JSON answer."""
        delay = self.first_delay_s
        problem = "no attempt made"
        for attempt in range(1, self.attempts + 1):
            try:
                return self.try_capture(lane, event_id, jpegs)
            except RefusedError:
                raise
            except DeliveryError as exc:
                problem = str(exc)
            log.warning("capture %s attempt %d failed (%s)", event_id, attempt, problem)
            if attempt < self.attempts:
                self.sleep(delay)
                delay = min(30.0, delay * 2)
        raise DeliveryError(f"capture {event_id} not delivered: {problem}")

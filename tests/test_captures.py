"""Station captures: stored, read by the OCR job, idempotent by event id, bad input refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from rq.job import JobStatus
from sqlalchemy import func, select

from gatekeeper.models import (
    AuditEntry,
    Passage,
    PassageDirection,
    PassageImage,
    ReadStatus,
    Role,
)
from tests.conftest import SHARED_DATA
from tests.factories import make_lane, make_station

pytestmark = pytest.mark.embedded

# Read with a wide margin (the next candidate far behind), whatever the formats.
BR_PHOTO = SHARED_DATA / "plates" / "br" / "PJU2853.jpg"


def _post(
    client: Any, lane: str, token: str, event_id: str | None, *images: tuple[bytes, str]
) -> Any:
    from io import BytesIO

    data: dict[str, Any] = {"image": [(BytesIO(content), name) for content, name in images]}
    if event_id is not None:
        data["event_id"] = event_id
    return client.post(
        f"/api/v1/lanes/{lane}/captures",
        data=data,
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
    )


@pytest.fixture
def lane_and_token(session: Any) -> tuple[Any, str]:
    lane = make_lane(code="G9-IN")
    _station, token = make_station(lane)
    return lane, token


def _stored_files(app: Flask) -> list[Path]:
    root = Path(app.config["GATEKEEPER"].files_dir) / "captures"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_capture_is_stored_read_and_reported(
    client: Any, app: Flask, session: Any, lane_and_token: tuple[Any, str]
) -> None:
    lane, token = lane_and_token
    before = len(_stored_files(app))
    response = _post(client, lane.code, token, "evt-001", (BR_PHOTO.read_bytes(), "front.jpg"))
    assert response.status_code == 202, response.json
    body = response.json
    assert body["event_id"] == "evt-001" and body["frames"] == 1
    # Embedded mode runs the OCR job in-process, so the reading is there already.
    status = client.get(body["status_url"], headers={"Authorization": f"Bearer {token}"}).json
    assert status["status"] == "done"
    # Not a registered vehicle: the guard decides.
    assert status["decision"] == "review"
    assert "plate_match" in [r["code"] for r in status["reasons"]]
    passage = session.get(Passage, body["id"])
    assert passage.read_status is ReadStatus.DONE
    assert passage.plate_read == status["reads"]["plate"]
    assert passage.plate_read == "PJU2853"  # formats: the park's (EU, CN)
    assert len(_stored_files(app)) == before + 1
    image = session.scalars(select(PassageImage).where(PassageImage.passage_id == passage.id)).one()
    assert (image.width, image.height) == (1280, 960)
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "capture.received"))


def test_the_same_event_twice_makes_one_capture(
    client: Any, app: Flask, session: Any, lane_and_token: tuple[Any, str]
) -> None:
    lane, token = lane_and_token
    first = _post(client, lane.code, token, "evt-dup", (BR_PHOTO.read_bytes(), "a.jpg"))
    files = len(_stored_files(app))
    second = _post(client, lane.code, token, "evt-dup", (BR_PHOTO.read_bytes(), "a.jpg"))
    assert (first.status_code, second.status_code) == (202, 200)
    assert first.json["id"] == second.json["id"]
    assert session.scalar(select(func.count(Passage.id))) == 1
    assert len(_stored_files(app)) == files


@pytest.mark.parametrize(
    ("event_id", "images", "status", "message"),
    [
        ("evt-x", [], 400, "no image"),
        ("evt-x", [(b"", "empty.jpg")], 400, "empty file"),
        ("evt-x", [(b"%PDF-1.4", "doc.pdf")], 400, "not a JPEG or PNG"),
        ("evt-x", [(b"\xff\xd8\xff\xe0" + b"\0" * 64, "cut.jpg")], 400, "corrupt"),
        (None, [(b"\xff\xd8", "a.jpg")], 400, "event_id"),
        ("bad id with spaces", [(b"\xff\xd8", "a.jpg")], 400, "event_id"),
        ("evt-x", [(b"\xff\xd8", f"{n}.jpg") for n in range(9)], 400, "too many images"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    client: Any,
    app: Flask,
    session: Any,
    lane_and_token: tuple[Any, str],
    event_id: str | None,
    images: list[tuple[bytes, str]],
    status: int,
    message: str,
) -> None:
    lane, token = lane_and_token
    files = len(_stored_files(app))
    response = _post(client, lane.code, token, event_id, *images)
    assert response.status_code == status
    assert message in response.json["message"]
    assert session.scalar(select(func.count(Passage.id))) == 0
    assert len(_stored_files(app)) == files


def test_one_bad_frame_among_good_ones_refuses_the_whole_capture(
    client: Any, app: Flask, session: Any, lane_and_token: tuple[Any, str]
) -> None:
    lane, token = lane_and_token
    files = len(_stored_files(app))
    response = _post(
        client,
        lane.code,
        token,
        "evt-mixed",
        (BR_PHOTO.read_bytes(), "ok.jpg"),
        (b"garbage", "bad.jpg"),
    )
    assert response.status_code == 400
    assert "image 2 (bad.jpg)" in response.json["message"]
    assert session.scalar(select(func.count(Passage.id))) == 0
    assert len(_stored_files(app)) == files


def test_a_station_may_post_only_to_its_own_lanes(
    client: Any, session: Any, lane_and_token: tuple[Any, str]
) -> None:
    lane, _token = lane_and_token
    _other, other_token = make_station(make_lane())
    response = _post(client, lane.code, other_token, "evt-1", (BR_PHOTO.read_bytes(), "a.jpg"))
    assert response.status_code == 403
    assert _post(client, "NO-LANE", other_token, "evt-1", (b"x", "a.jpg")).status_code == 404


def test_captures_are_visible_to_their_station_and_staff_only(
    client: Any, as_role: Any, session: Any, lane_and_token: tuple[Any, str]
) -> None:
    lane, token = lane_and_token
    created = _post(client, lane.code, token, "evt-2", (BR_PHOTO.read_bytes(), "a.jpg")).json
    _other, other_token = make_station(make_lane())
    url = created["status_url"]
    assert client.get(url, headers={"Authorization": f"Bearer {other_token}"}).status_code == 404
    assert as_role(Role.GUARD).get(url).status_code == 200
    assert as_role(Role.CARRIER).get(url).status_code == 403
    assert client.get(url).status_code == 401


def test_ocr_job_runs_on_a_redis_worker(
    app: Flask, client: Any, session: Any, monkeypatch: Any, lane_and_token: tuple[Any, str]
) -> None:
    from rq import SimpleWorker

    from tests.test_jobs import redis_queues

    lane, token = lane_and_token
    with redis_queues() as layer:
        monkeypatch.setitem(app.extensions, "gatekeeper.jobs", layer)
        body = _post(client, lane.code, token, "evt-redis", (BR_PHOTO.read_bytes(), "a.jpg")).json
        assert body["status"] == "pending"  # queued: no worker has run yet
        assert layer.queue("ocr").count == 1
        SimpleWorker([layer.queue("ocr")], connection=layer.connection).work(burst=True)
        status = client.get(body["status_url"], headers={"Authorization": f"Bearer {token}"}).json
        assert status["status"] == "done"
        assert status["reads"]["plate"]


def test_a_reading_that_keeps_failing_is_marked_failed_with_its_reason(
    app: Flask, client: Any, session: Any, monkeypatch: Any, lane_and_token: tuple[Any, str]
) -> None:
    import gatekeeper.jobs.ocr as ocr_job

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("model crashed")

    monkeypatch.setattr(ocr_job, "read_vehicle", broken)
    lane, token = lane_and_token
    response = _post(client, lane.code, token, "evt-broken", (BR_PHOTO.read_bytes(), "a.jpg"))
    # The capture itself is kept: the frames are evidence even when reading fails.
    assert response.status_code == 202
    status = client.get(
        response.json["status_url"], headers={"Authorization": f"Bearer {token}"}
    ).json
    assert status["status"] == "failed"
    assert "model crashed" in status["error"]


def test_a_missing_stored_frame_fails_without_retrying(
    app: Flask, session: Any, lane_and_token: tuple[Any, str]
) -> None:
    from gatekeeper.jobs.ocr import read_capture
    from gatekeeper.models import PassageDirection

    lane, _token = lane_and_token
    passage = Passage(
        lane=lane,
        direction=PassageDirection.IN,
        read_status=ReadStatus.PENDING,
        images=[
            PassageImage(
                stored_path="captures/gone.jpg", content_type="image/jpeg", sha256="0" * 64
            )
        ],
    )
    session.add(passage)
    session.flush()
    assert read_capture(passage.id) == "failed"
    assert passage.read_status is ReadStatus.FAILED
    assert "stored frame unreadable" in passage.read_error


def test_capture_is_kept_and_marked_failed_when_the_queue_is_down(
    app: Flask, client: Any, session: Any, monkeypatch: Any, lane_and_token: tuple[Any, str]
) -> None:
    from gatekeeper import jobs

    unreachable = jobs.JobQueues("redis://127.0.0.1:1/0", default_timeout=60, default_retries=0)
    monkeypatch.setitem(app.extensions, "gatekeeper.jobs", unreachable)
    lane, token = lane_and_token
    response = _post(client, lane.code, token, "evt-noqueue", (BR_PHOTO.read_bytes(), "a.jpg"))
    assert response.status_code == 202
    assert response.json["status"] == "failed"
    assert "could not queue the reading" in response.json["error"]
    assert session.scalar(select(func.count(Passage.id))) == 1


def test_captures_stored_while_redis_was_down_are_read_when_it_returns(
    app: Flask, client: Any, session: Any, monkeypatch: Any, lane_and_token: tuple[Any, str]
) -> None:
    from gatekeeper import jobs
    from gatekeeper.jobs import maintenance

    working = app.extensions["gatekeeper.jobs"]
    unreachable = jobs.JobQueues("redis://127.0.0.1:1/0", default_timeout=60, default_retries=0)
    monkeypatch.setitem(app.extensions, "gatekeeper.jobs", unreachable)
    lane, token = lane_and_token
    response = _post(client, lane.code, token, "evt-later", (BR_PHOTO.read_bytes(), "a.jpg"))
    assert response.json["status"] == "failed"
    assert maintenance.requeue_captures() == 0  # still down: stays as it is, for the next run
    passage = session.get(Passage, response.json["id"])
    assert passage.read_status is ReadStatus.FAILED
    monkeypatch.setitem(app.extensions, "gatekeeper.jobs", working)  # Redis is back
    assert maintenance.requeue_captures() == 1
    session.refresh(passage)
    # Embedded mode reads in-process: the frames were read and the vehicle decided.
    assert passage.read_status is ReadStatus.DONE and passage.plate_read == "PJU2853"
    assert passage.decision is not None
    assert maintenance.requeue_captures() == 0  # nothing read twice


def test_captures_whose_reading_job_redis_lost_are_queued_again_and_ended_ones_marked_failed(
    app: Flask, session: Any, monkeypatch: Any, lane_and_token: tuple[Any, str]
) -> None:
    """Redis restarted without its data, a worker that died after taking a job and
    before starting it, a job that failed for good: the minute's sweep finds each
    capture still pending, and leaves alone those whose job is waiting or just queued."""
    from datetime import timedelta

    from gatekeeper.jobs import maintenance
    from gatekeeper.jobs.ocr import read_capture
    from gatekeeper.models.types import utcnow
    from gatekeeper.services import captures
    from tests.test_jobs import redis_queues

    lane, _token = lane_and_token
    old = utcnow() - captures.LOST_AFTER - timedelta(minutes=1)

    def pending(at: Any = old) -> Passage:
        passage = Passage(
            lane=lane, direction=PassageDirection.IN, occurred_at=at, read_status=ReadStatus.PENDING
        )
        session.add(passage)
        session.commit()
        return passage

    with redis_queues() as layer:
        monkeypatch.setitem(app.extensions, "gatekeeper.jobs", layer)
        ocr = layer.queue("ocr")
        missing, waiting, taken, failed, recent = (pending() for _ in range(5))
        recent.occurred_at = utcnow()
        session.commit()
        for passage in (waiting, taken, failed):
            layer.enqueue(read_capture, passage.id, job_id=f"read-capture-{passage.id}")
        ocr.remove(f"read-capture-{taken.id}")  # dequeued by a worker that died at once
        dead = layer.fetch(f"read-capture-{failed.id}")
        assert dead is not None
        ocr.remove(dead.id)
        dead.set_status(JobStatus.FAILED)
        assert layer.lost(layer.fetch(f"read-capture-{waiting.id}")) is None
        assert layer.lost(layer.fetch(f"read-capture-{taken.id}")) == "never started"
        assert layer.lost(layer.fetch(f"read-capture-{missing.id}")) == "missing"

        assert maintenance.requeue_captures() == 2
        queued = set(ocr.get_job_ids())
        assert queued == {f"read-capture-{p.id}" for p in (waiting, taken, missing)}
        session.refresh(failed)
        assert failed.read_status is ReadStatus.FAILED
        assert failed.read_error == "reading job failed without a result"
        assert layer.fetch(f"read-capture-{recent.id}") is None  # may be queued any moment
        assert maintenance.requeue_captures() == 0  # nothing queued twice
        assert ocr.count == 3

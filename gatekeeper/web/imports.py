"""The upload step of the import pages (a carrier's fleet, the park's bookings): the file
is kept and its job queued, or the reason it cannot be imported is shown beside the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from gatekeeper.extensions import db
from gatekeeper.models import FleetImport
from gatekeeper.services.imports import ImportError_


def upload(
    form: Any,
    start: Callable[[str, bytes], FleetImport],
    queue: Callable[[FleetImport], None],
) -> tuple[ResponseReturnValue | None, int]:
    """(the redirect to the new import's page, 302) when started; else (None, status)."""
    if not form.validate_on_submit():
        return None, 400 if form.is_submitted() else 200
    file = form.file.data
    try:
        job = start(file.filename or "", file.read())
    except ImportError_ as exc:
        db.session.rollback()
        form.file.errors = [*form.file.errors, gettext(str(exc))]
        return None, 400
    db.session.commit()
    queue(job)
    return redirect(url_for(".import_status", import_id=job.id)), 302

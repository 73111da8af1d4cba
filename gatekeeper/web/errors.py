"""Error pages: JSON for the API and for clients that ask for it, HTML otherwise.

Every handler rolls the database session back before it renders: a failed transaction
(PostgreSQL refuses every statement after an error) must not make the error page fail
too, and nothing half-done may be committed by a later statement of the same request.
A database that is busy (SQLite's lock not had within the busy timeout, a PostgreSQL
deadlock or serialisation failure) or unreachable answers 503 with ``Retry-After``:
the client may send the same request again (stations do, with the same event id).
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

from gatekeeper.access import wants_json
from gatekeeper.extensions import db

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2

_TITLES = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    413: _l("Upload too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
    503: _l("Busy: please try again"),
}


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection itself is gone: nothing to undo
        log.warning("rollback before the error page failed", exc_info=True)


def _render(code: int, name: str, description: str | None) -> Response:
    if wants_json():
        response = jsonify(error=name.lower().replace(" ", "_"), message=description)
        response.status_code = code
        return response
    title = _TITLES.get(code, name)
    try:
        return Response(render_template("error.html", code=code, title=title), status=code)
    except Exception:  # the page needs the database (the signed-in user) and it is down
        log.warning("error page could not be rendered", exc_info=True)
        return Response(f"{code} {title}", status=code, mimetype="text/plain")


def _handle(error: HTTPException) -> ResponseReturnValue:
    _rollback()
    return _render(error.code or 500, error.name, error.description)


def _handle_busy(error: Exception) -> ResponseReturnValue:
    _rollback()
    log.warning("database busy or unreachable: %s", error)
    response = _render(503, "Service unavailable", "the database is busy: retry shortly")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _handle_unexpected(error: InternalServerError) -> ResponseReturnValue:
    _rollback()
    return _render(500, "Internal server error", "an unexpected error; it was logged")


def init_app(app: Flask) -> None:
    app.register_error_handler(OperationalError, _handle_busy)
    app.register_error_handler(PoolTimeoutError, _handle_busy)
    app.register_error_handler(InternalServerError, _handle_unexpected)
    app.register_error_handler(HTTPException, _handle)

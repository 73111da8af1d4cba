"""Error pages: JSON for the API and for clients that ask for it, HTML otherwise."""

from __future__ import annotations

from flask import Flask, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from gatekeeper.access import wants_json

_TITLES = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    413: _l("Upload too large"),
    429: _l("Too many attempts"),
}


def _handle(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    if wants_json():
        response = jsonify(error=error.name.lower().replace(" ", "_"), message=error.description)
        return response, code
    title = _TITLES.get(code, error.name)
    return render_template("error.html", code=code, title=title), code


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle)

"""Access control, deny by default.

Every request is checked before its view runs. A view is reachable only if it (or its
blueprint) declares who may use it: ``@public``, ``@roles_required(...)``,
``@station_required`` or ``@station_or_roles(...)``. A view that declares nothing answers
403 to everybody, so a forgotten decorator fails closed.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from flask import (
    Flask,
    Request,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload

from gatekeeper.extensions import db, login_manager
from gatekeeper.models.auth import USER_TOKEN_PREFIX, ApiToken, Role, Station, User, hash_token
from gatekeeper.models.types import utcnow

F = TypeVar("F", bound=Callable[..., Any])
ALL_ROLES = frozenset(Role)
STAFF_ROLES = frozenset({Role.ADMIN, Role.MANAGER})
_BLUEPRINT_RULES = "gatekeeper.access.blueprints"


@dataclass(frozen=True)
class Rule:
    public: bool = False
    station: bool = False
    roles: frozenset[Role] = field(default_factory=frozenset)


def _mark(rule: Rule) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        view._gk_access = rule  # type: ignore[attr-defined]
        return view

    return decorate


public = _mark(Rule(public=True))
station_required = _mark(Rule(station=True))


def roles_required(*roles: Role) -> Callable[[F], F]:
    return _mark(Rule(roles=frozenset(roles)))


def station_or_roles(*roles: Role) -> Callable[[F], F]:
    return _mark(Rule(station=True, roles=frozenset(roles)))


def protect_blueprint(app: Flask, blueprint_name: str, roles: Iterable[Role]) -> None:
    """Give every view of a blueprint (e.g. one of Flask-Admin's) a role rule."""
    app.extensions[_BLUEPRINT_RULES][blueprint_name] = Rule(roles=frozenset(roles))


def rule_for(app: Flask, endpoint: str) -> Rule | None:
    if endpoint == "static":
        return Rule(public=True)
    view = app.view_functions.get(endpoint)
    rule = getattr(view, "_gk_access", None)
    if isinstance(rule, Rule):
        return rule
    blueprint = endpoint.rpartition(".")[0]
    result: Rule | None = app.extensions[_BLUEPRINT_RULES].get(blueprint)
    return result


def init_app(app: Flask) -> None:
    app.extensions[_BLUEPRINT_RULES] = {}
    app.before_request(_refuse_nul_characters)
    app.before_request(_enforce)
    app.after_request(_no_store)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)
    login_manager.request_loader(_load_user_from_token)
    login_manager.unauthorized_handler(_unauthorized)


def _refuse_nul_characters() -> None:
    """No text a person or a system sends holds a NUL character; PostgreSQL refuses one in
    any text value, so a search or a field with one is a bad request here, not an error
    in whatever query it reaches."""
    values: list[str] = list(request.args.values())
    if request.method in ("POST", "PUT", "PATCH"):
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values += request.form.values()
        elif request.is_json:
            with contextlib.suppress(RecursionError):  # nested too deeply: the route says so
                values += _strings(request.get_json(silent=True))
    if any("\x00" in value for value in values):
        abort(400, description="a NUL character in the request")


def _strings(value: object) -> list[str]:
    """Every string in a JSON document, keys included (without recursion)."""
    found, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            stack += item
    return found


def _enforce() -> ResponseReturnValue | None:
    if request.endpoint is None:  # no route matched: let Flask answer 404/405
        return None
    rule = rule_for(current_app, request.endpoint)
    if rule is None:
        current_app.logger.warning("endpoint %s declares no access rule", request.endpoint)
        abort(403)
    if rule.public:
        return None
    if current_user.is_authenticated and g.get("api_token") is None and _idle_too_long():
        logout_user()
        session.clear()
        return _unauthorized()
    if rule.station and _authenticate_station():
        return None
    if rule.roles and current_user.is_authenticated:
        if current_user.role in rule.roles:
            return None
        abort(403)
    return _unauthorized()


def _idle_too_long() -> bool:
    """The signed session records when it was last used; a session unused for longer than
    the idle limit is refused (a copied cookie too: the time is inside the signature)."""
    now = int(time.time())
    seen = session.get("seen")
    limit = current_app.config["GATEKEEPER"].session_idle_minutes * 60
    if not isinstance(seen, int) or now - seen > limit:
        return True
    if now - seen >= 15:  # refresh the cookie at most every 15 s, not on every poll
        session["seen"] = now
    return False


def _no_store(response: Response) -> Response:
    """Signed-in pages are never kept by the browser or a proxy (a shared kiosk's back
    button must not show the last guard's screens). Answers that set their own caching
    (the kiosk's ETag fragments, frame images) keep it."""
    if "_user_id" in session and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def _bearer_token(from_request: Request) -> str:
    """The token of an ``Authorization: Bearer ...`` header, or ""."""
    scheme, _, token = from_request.headers.get("Authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" else ""


def _note_use(row: Station | ApiToken, column: str) -> None:
    """Record when a token was last used, at most once a minute (a commit)."""
    now = utcnow()
    last = getattr(row, column)
    if last is not None and now - last <= timedelta(minutes=1):
        return
    setattr(row, column, now)
    try:
        db.session.commit()
    except OperationalError:
        # A reading request's transaction cannot always become a writing one on SQLite
        # (see app._may_write): the time waits for the token's next use.
        db.session.rollback()


# A station by its token, with its lanes: nearly every station request asks whether it
# serves a lane. Built once per process (building it cost about a quarter of a
# millisecond on every camera event, a fifth of running it).
_STATION_BY_TOKEN = (
    select(Station)
    .where(Station.token_hash == bindparam("token_hash"))
    .options(joinedload(Station.lanes))
)


def _authenticate_station() -> bool:
    token = _bearer_token(request)
    if not token:
        return False
    station = (
        db.session.scalars(_STATION_BY_TOKEN, {"token_hash": hash_token(token)})
        .unique()
        .one_or_none()
    )
    if station is None or not station.active:
        return False
    g.station = station
    _note_use(station, "last_seen_at")
    return True


def wants_json() -> bool:
    """API paths, and clients that ask for JSON, get JSON answers (errors included)."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _unauthorized() -> ResponseReturnValue:
    if wants_json():
        response = jsonify(error="unauthorized", message="a valid station token or login is needed")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="gatekeeper"'
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _load_user_from_token(request: Request) -> User | None:
    """A user's API token (``Authorization: Bearer gku_...``) on the API: the request acts
    as that user, with the user's role and scope; no session is made."""
    if not request.path.startswith("/api/"):
        return None
    token = _bearer_token(request)
    if not token.startswith(USER_TOKEN_PREFIX):
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or not row.active or not row.user.active:
        return None
    g.api_token = row
    _note_use(row, "last_used_at")
    return row.user


def _load_user(session_id: str) -> User | None:
    raw_id = session_id.partition(":")[0]
    if not raw_id.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.active or user.get_id() != session_id:
        return None
    return user

"""Signing in and out."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from gatekeeper.access import ALL_ROLES, public, roles_required
from gatekeeper.extensions import db, limiter
from gatekeeper.models import User
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit, tokens
from gatekeeper.web.auth.forms import LocaleForm, LoginForm, TokenForm

bp = Blueprint("auth", __name__, template_folder="templates")


def _login_limit() -> str:
    return str(current_app.config["GATEKEEPER"].login_rate_limit)


def _username_key() -> str:
    """Attempts on one account from any number of addresses count together."""
    return "login-user:" + (request.form.get("username") or "").strip().lower()[:64]


def _safe_next(target: str | None) -> str:
    """Only local paths: an attacker's link must not turn the login into a redirector."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_username_key)
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data))
        if user is not None and user.active and user.check_password(form.password.data or ""):
            login_user(user)
            session["seen"] = int(time.time())
            user.last_login_at = utcnow()
            audit.record("auth.login", entity_type="user", entity_id=user.id)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        audit.record(
            "auth.login_failed",
            details={"username": (form.username.data or "")[:64]},
            actor="anonymous",
        )
        db.session.commit()
        flash(_("Wrong username or password."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@roles_required(*ALL_ROLES)
def logout() -> ResponseReturnValue:
    audit.record("auth.logout", entity_type="user", entity_id=current_user.id)
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/locale", methods=["POST"])
@roles_required(*ALL_ROLES)
def locale() -> ResponseReturnValue:
    """The signed-in user's language, kept on the account (each guard has their own)."""
    form = LocaleForm()
    if form.validate_on_submit():
        current_user.locale = form.locale.data
        audit.record(
            "user.locale",
            entity_type="user",
            entity_id=current_user.id,
            details={"locale": form.locale.data},
        )
        db.session.commit()
    else:
        flash(_("Unknown language."), "error")
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/account")
@roles_required(*ALL_ROLES)
def account() -> ResponseReturnValue:
    """The signed-in user's account: API tokens for their systems (ERP, TMS, carrier
    software), created here (shown once) and revoked here."""
    return render_template(
        "auth/account.html",
        tokens=tokens.tokens_of(current_user),
        form=TokenForm(),
        button=FlaskForm(),
    )


@bp.route("/account/tokens", methods=["POST"])
@roles_required(*ALL_ROLES)
def create_token() -> ResponseReturnValue:
    form = TokenForm()
    if not form.validate_on_submit():
        return render_template(
            "auth/account.html",
            tokens=tokens.tokens_of(current_user),
            form=form,
            button=FlaskForm(),
        ), 400
    token = tokens.issue_token(current_user, form.name.data)
    db.session.commit()
    flash(_("Your new API token (shown once, copy it now): %(token)s", token=token), "ok")
    return redirect(url_for(".account"))


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@roles_required(*ALL_ROLES)
def revoke_token(token_id: int) -> ResponseReturnValue:
    if not FlaskForm().validate_on_submit():
        abort(400)
    if not tokens.revoke_token(current_user, token_id):
        abort(404)
    db.session.commit()
    flash(_("Token revoked: it no longer works."), "ok")
    return redirect(url_for(".account"))

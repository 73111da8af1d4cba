"""Signing in and out."""

from __future__ import annotations

import time

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
from gatekeeper.models import CarrierStatus, User
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit, carriers, tokens
from gatekeeper.services.fleet import FleetError
from gatekeeper.web.auth.forms import (
    AcceptInvitationForm,
    CarrierApplicationForm,
    ChangePasswordForm,
    LocaleForm,
    LoginForm,
    TokenForm,
)
from gatekeeper.web.form_errors import show_errors
from gatekeeper.web.navigation import local_next

bp = Blueprint("auth", __name__, template_folder="templates")


def _login_limit() -> str:
    return str(current_app.config["GATEKEEPER"].login_rate_limit)


def _username_key() -> str:
    """Attempts on one account from any number of addresses count together."""
    return "login-user:" + (request.form.get("username") or "").strip().lower()[:64]


def _safe_next(target: str | None) -> str:
    """Only local paths: an attacker's link must not turn the login into a redirector."""
    return local_next(target, url_for("home.index"))


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
        if (
            user is not None
            and user.carrier is not None
            and user.carrier.status is not CarrierStatus.APPROVED
            and user.check_password(form.password.data or "")
        ):
            # Only with the right password: the page tells nobody else the account exists.
            flash(
                _("Your company's application is waiting for the park's approval.")
                if user.carrier.status is CarrierStatus.APPLIED
                else _(
                    "The park rejected your company's application: %(reason)s",
                    reason=user.carrier.review_comment or "–",
                ),
                "error",
            )
        else:
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
@public
def locale() -> ResponseReturnValue:
    """The signed-in user's language, kept on the account (each guard has their own);
    before signing in (sign-up, invitation), kept in the session."""
    form = LocaleForm()
    if form.validate_on_submit() and not current_user.is_authenticated:
        session["locale"] = form.locale.data
    elif form.validate_on_submit():
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
    """The signed-in user's account: the password, and API tokens for their systems (ERP,
    TMS, carrier software), created here (shown once) and revoked here."""
    return _account_page()


def _account_page(
    form: TokenForm | None = None, password_form: ChangePasswordForm | None = None
) -> str:
    return render_template(
        "auth/account.html",
        tokens=tokens.tokens_of(current_user),
        form=form or TokenForm(formdata=None),
        password_form=password_form or ChangePasswordForm(formdata=None),
        button=FlaskForm(),
    )


@bp.route("/account/password", methods=["POST"])
@roles_required(*ALL_ROLES)
@limiter.limit("10 per hour")
def change_password() -> ResponseReturnValue:
    """A new password after the current one: every other session of the user ends (the
    session id carries the password's hash), this one goes on."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        new = form.password.data or ""
        user: User = current_user._get_current_object()  # the user, not the proxy to it
        if not user.check_password(form.current.data or ""):
            form.current.errors = [_("not your current password")]
        elif user.check_password(new):
            form.password.errors = [_("choose a password other than the current one")]
        else:
            user.set_password(new)
            user.end_sessions()
            audit.record("user.password_changed", entity_type="user", entity_id=user.id)
            db.session.commit()
            login_user(user)  # this session, under the new id
            flash(_("Your password is changed; you stay signed in here, elsewhere not."), "ok")
            return redirect(url_for(".account"))
    return _account_page(password_form=form), 400


@bp.route("/account/tokens", methods=["POST"])
@roles_required(*ALL_ROLES)
def create_token() -> ResponseReturnValue:
    form = TokenForm()
    if not form.validate_on_submit():
        return _account_page(form=form), 400
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


# --- carriers: applying for an account, accepting an invitation ------------------------------


@bp.route("/carriers/apply", methods=["GET", "POST"])
@public
@limiter.limit("20 per hour", methods=["POST"])
def apply() -> ResponseReturnValue:
    """A carrier company applies for an account; the park approves it."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = CarrierApplicationForm()
    if form.validate_on_submit():
        try:
            carrier, _user = carriers.apply(form.data)
        except FleetError as exc:
            db.session.rollback()
            show_errors(form, {name: _(message) for name, message in exc.errors.items()})
        else:
            db.session.commit()
            return render_template("auth/applied.html", carrier=carrier)
    status = 400 if form.is_submitted() else 200
    return render_template("auth/apply.html", form=form), status


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
@limiter.limit("20 per hour", methods=["POST"])
def invitation(token: str) -> ResponseReturnValue:
    """An invited carrier user chooses a password."""
    user = carriers.invited_user(token)
    if user is None:
        return render_template("auth/invitation.html", user=None, form=None), 404
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        carriers.accept_invitation(user, form.password.data or "")
        db.session.commit()
        flash(_("Your password is set: sign in."), "ok")
        return redirect(url_for(".login"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/invitation.html", user=user, form=form), status

"""The park's rules for its safety office (``services.park_rules``): set on one page without
the admin area, each with its range, and the latest changes listed with who made them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from gatekeeper.access import STAFF_ROLES, roles_required
from gatekeeper.extensions import db
from gatekeeper.models import Park
from gatekeeper.services import park_rules
from gatekeeper.web.form_errors import save_form
from gatekeeper.web.labels import clause_separator
from gatekeeper.web.rules.forms import RulesForm, format_names

bp = Blueprint("rules", __name__, template_folder="templates", url_prefix="/manage")


def _park() -> Park:
    """The park, or (none set up yet) one with the default rules, saved with the first
    change."""
    park = db.session.scalar(select(Park).order_by(Park.id).limit(1))
    return park if park is not None else Park.with_defaults(gettext("Park"))


@bp.route("/rules", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def edit() -> ResponseReturnValue:
    park = _park()
    form = RulesForm(data=park_rules.current(park) if request.method == "GET" else None)
    changed = save_form(
        form,
        lambda: park_rules.change(park, form.data_for_service(), current_user),
        park_rules.RulesError,
    )
    if changed is not None:
        if changed:
            flash(gettext("The park's rules are saved; the gates use them from now on."), "ok")
        else:
            flash(gettext("Nothing changed"), "ok")
        return redirect(url_for(".edit"))
    if form.is_submitted() and any(field.errors for field in form):
        flash(gettext("Not saved: see the marked fields."), "error")
    return render_template(
        "rules/edit.html",
        form=form,
        park=park,
        history=park_rules.history(park),
        shown=_shown,
        label_for=lambda name: _label_for(form, name),
    )


def _label_for(form: RulesForm, column: str) -> str:
    """A stored rule's name as the page labels it."""
    field = {v: k for k, v in park_rules.PERCENT.items()}.get(column, column)
    if column == "plate_formats":
        return str(gettext("Plate formats"))
    return str(form[field].label.text) if field in form else column


def _shown(column: str, value: Any) -> str:
    """A rule's value as a person reads it in the list of changes."""
    if value is None or value == "":
        return str(gettext("no limit")) if column == "hazmat_vehicle_capacity" else "–"
    if isinstance(value, bool):
        return str(gettext("yes") if value else gettext("no"))
    if column in park_rules.PERCENT.values():
        try:
            return f"{round(float(value) * 100)} %"
        except (TypeError, ValueError):
            return str(value)
    if column == "plate_formats":
        codes = value if isinstance(value, list) else [str(value)]
        names = format_names()
        return clause_separator().join(str(names.get(c, c)) for c in codes)
    return str(value)

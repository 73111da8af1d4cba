"""The park's rules and zones for its safety office (``services.park_rules``,
``services.zones``): set on the manager's pages without the admin area, each value with its
range, and the latest changes listed with who made them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from gatekeeper.access import STAFF_ROLES, roles_required
from gatekeeper.extensions import db
from gatekeeper.models import Zone
from gatekeeper.services import park_rules, zones
from gatekeeper.services.park import park_settings
from gatekeeper.web.form_errors import save_form, saved_message
from gatekeeper.web.labels import clause_separator
from gatekeeper.web.rules.forms import RulesForm, ZoneForm, format_names

bp = Blueprint("rules", __name__, template_folder="templates", url_prefix="/manage")


@bp.route("/rules", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def edit() -> ResponseReturnValue:
    # The park, or (none set up yet) one with the default rules, saved with the first change.
    park = park_settings()
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
        if column in park_rules.HOURS:
            return str(gettext("any time"))
        return str(gettext("no limit")) if column == "hazmat_vehicle_capacity" else "–"
    if isinstance(value, bool):
        return str(gettext("yes") if value else gettext("no"))
    if column in park_rules.PERCENT.values():
        try:
            return f"{round(float(value) * 100)} %"
        except (TypeError, ValueError):
            return str(value)
    if column in park_rules.HOURS:
        return str(value)[:5]  # kept as HH:MM:SS
    if column == "plate_formats":
        codes = value if isinstance(value, list) else [str(value)]
        names = format_names()
        return clause_separator().join(str(names.get(c, c)) for c in codes)
    return str(value)


# --- zones --------------------------------------------------------------------------------


@bp.route("/zones")
@roles_required(*STAFF_ROLES)
def zones_page() -> ResponseReturnValue:
    from gatekeeper.services import dashboard, holding

    # The occupancy page's figures: the holding lot counts the vehicles waiting in it.
    counts = {row["code"]: row for row in dashboard.occupancy(holding.lot_state().waiting)}
    found = list(db.session.scalars(select(Zone).order_by(Zone.code)))
    return render_template("rules/zones.html", zones=found, counts=counts)


@bp.route("/zones/<int:zone_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def zone_edit(zone_id: int) -> ResponseReturnValue:
    zone = db.session.get(Zone, zone_id)
    if zone is None:
        abort(404)
    form = ZoneForm(data=zones.current(zone) if request.method == "GET" else None)
    changed = save_form(
        form, lambda: zones.change(zone, form.data_for_service(), current_user), zones.ZoneError
    )
    if changed is not None:
        flash(saved_message(f"{zone.code} {zone.name}", changed), "ok")
        for field, count, limit in zones.over_capacity(zone):
            flash(
                gettext(
                    "%(what)s: %(count)s inside now, over the new capacity of %(limit)s; "
                    "nobody is sent out, newcomers wait",
                    what=form[field].label.text,
                    count=count,
                    limit=limit,
                ),
                "error",
            )
        return redirect(url_for(".zones_page"))
    return render_template("rules/zone_form.html", form=form, zone=zone, inside=zones.inside(zone))

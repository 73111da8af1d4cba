"""``/carrier``: a carrier's own vehicles, registered and changed here (not in the admin
area); the park reviews each registration and change."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user

from gatekeeper.access import roles_required
from gatekeeper.extensions import db
from gatekeeper.models import Role, Vehicle
from gatekeeper.services import fleet
from gatekeeper.web.carrier.forms import VehicleForm

bp = Blueprint("carrier", __name__, url_prefix="/carrier", template_folder="templates")


def _carrier_id() -> int:
    if current_user.carrier_id is None:  # the schema forbids this; fail closed anyway
        abort(403)
    return int(current_user.carrier_id)


def _own(vehicle_id: int) -> Vehicle:
    vehicle = fleet.carrier_vehicle(_carrier_id(), vehicle_id)
    if vehicle is None:
        abort(404)  # another carrier's vehicle is not revealed
    return vehicle


def _show_errors(form: VehicleForm, exc: fleet.FleetError) -> None:
    for name, message in exc.errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, gettext(message)]
        else:
            flash(gettext(message), "error")


def _render(form: VehicleForm, vehicle: Vehicle | None, status: int = 200) -> ResponseReturnValue:
    page = render_template("carrier/vehicle_form.html", form=form, vehicle=vehicle)
    return page, status


@bp.route("/vehicles/new", methods=["GET", "POST"])
@roles_required(Role.CARRIER)
def vehicle_new() -> ResponseReturnValue:
    _carrier_id()
    form = VehicleForm()
    if not form.validate_on_submit():
        return _render(form, None, 400 if form.is_submitted() else 200)
    try:
        vehicle = fleet.register_vehicle(current_user.carrier, form.values())
    except fleet.FleetError as exc:
        db.session.rollback()
        _show_errors(form, exc)
        return _render(form, None, 400)
    db.session.commit()
    flash(gettext("%(plate)s registered: the park reviews it", plate=vehicle.plate), "ok")
    return redirect(url_for("home.fleet"))


@bp.route("/vehicles/<int:vehicle_id>/edit", methods=["GET", "POST"])
@roles_required(Role.CARRIER)
def vehicle_edit(vehicle_id: int) -> ResponseReturnValue:
    vehicle = _own(vehicle_id)
    # On a POST the form shows what was sent, never the stored values under it.
    form = VehicleForm(data=None if request.method == "POST" else _form_values(vehicle))
    if not form.validate_on_submit():
        return _render(form, vehicle, 400 if form.is_submitted() else 200)
    try:
        changed = fleet.change_vehicle(vehicle, form.values())
    except fleet.FleetError as exc:
        db.session.rollback()
        _show_errors(form, exc)
        return _render(form, vehicle, 400)
    db.session.commit()
    flash(
        gettext("%(plate)s changed: the park reviews it again", plate=vehicle.plate)
        if changed
        else gettext("Nothing changed"),
        "ok",
    )
    return redirect(url_for("home.fleet"))


def _form_values(vehicle: Vehicle) -> dict[str, Any]:
    """A vehicle's stored values as the form shows them (dates as YYYY-MM-DD)."""
    shown: dict[str, Any] = {}
    for name in fleet.VehicleInput.model_fields:
        value = getattr(vehicle, name)
        if name == "tank_approved":
            value = ", ".join(value or [])
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        elif hasattr(value, "value"):
            value = value.value
        shown[name] = "" if value is None else value
    return shown

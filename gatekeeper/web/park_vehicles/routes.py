"""The park companies' own vehicles (services.park_vehicles): registered for a year and let
in without a booking while the registration holds; renewed, searched, exported here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from gatekeeper.access import STAFF_ROLES, roles_required
from gatekeeper.domain.expiry import expiry_state
from gatekeeper.extensions import db
from gatekeeper.models import Vehicle
from gatekeeper.services import park_vehicle_imports, park_vehicles
from gatekeeper.services.clock import park_today
from gatekeeper.services.park import park_settings
from gatekeeper.web import downloads
from gatekeeper.web.arguments import companies, company_arg, company_choices, member
from gatekeeper.web.form_errors import save_form, saved_message
from gatekeeper.web.imports import RegisterImportPages, add_register_imports
from gatekeeper.web.paging import paginate
from gatekeeper.web.park_vehicles.forms import ParkVehicleForm

bp = Blueprint("park_vehicles", __name__, template_folder="templates", url_prefix="/manage")
PER_PAGE = 25


@dataclass(frozen=True)
class _Filters:
    """The list's arguments (``company``, ``attention``, ``q``), with the day and the
    warning days they are judged on."""

    company_id: int | None
    text: str
    attention: park_vehicles.Attention
    today: date
    warning_days: int

    def listing(self) -> Any:
        return park_vehicles.listing(
            self.company_id, self.text, self.attention, self.today, self.warning_days
        )


def _filters() -> _Filters:
    attention = member(park_vehicles.Attention, request.args.get("attention"))
    return _Filters(
        company_arg(),
        request.args.get("q", "").strip()[:40],
        attention or park_vehicles.Attention.ALL,
        park_today(),
        park_settings().expiry_warning_days,
    )


@bp.route("/vehicles")
@roles_required(*STAFF_ROLES)
def index() -> ResponseReturnValue:
    f = _filters()
    return render_template(
        "park_vehicles/index.html",
        page=paginate(f.listing(), PER_PAGE),
        company_id=f.company_id,
        q=f.text,
        attention=f.attention,
        args={"company": f.company_id, "attention": f.attention.value, "q": f.text or None},
        companies=companies(),
        attentions=[
            (park_vehicles.Attention.ALL, gettext("every registration")),
            (
                park_vehicles.Attention.ENDING,
                gettext("ending within %(days)s days", days=f.warning_days),
            ),
            (park_vehicles.Attention.ENDED, gettext("ended: not let in")),
        ],
        state_of=lambda day: expiry_state(day, f.today, f.warning_days),
    )


@bp.route("/vehicles.<kind>")
@roles_required(*STAFF_ROLES)
def export(kind: str) -> ResponseReturnValue:
    headers = [
        gettext("Plate"),
        gettext("Country"),
        gettext("Plate colour"),
        gettext("Kind"),
        gettext("Company"),
        gettext("Make and model"),
        gettext("Registered until"),
        gettext("Standing"),
    ]
    rows = _export_rows(db.session.scalars(_filters().listing()))
    title = gettext("Vehicles of the park's companies")
    return downloads.table(kind, headers, rows, title, "park-vehicles")


def _export_rows(vehicles: Any) -> Iterator[list[Any]]:
    for v in vehicles:
        yield [
            v.plate,
            v.country,
            v.plate_colour,
            v.kind,
            v.company.name if v.company else "",
            v.make_model or "",
            v.registered_until.isoformat() if v.registered_until else "",
            v.standing,
        ]


def _form(vehicle: Vehicle | None) -> ParkVehicleForm:
    if request.method == "GET":
        data = park_vehicles.current(vehicle) if vehicle else None
        form = ParkVehicleForm(data=data)
        if vehicle is None:  # a new registration runs for the usual year
            days = timedelta(days=park_vehicles.USUAL_DAYS)
            form.registered_until.data = (park_today() + days).isoformat()
        form.company_id.data = str(vehicle.company_id) if vehicle else ""
    else:
        form = ParkVehicleForm()
    form.company_id.choices = company_choices()
    return form


@bp.route("/vehicles/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def new() -> ResponseReturnValue:
    form = _form(None)
    vehicle = save_form(
        form,
        lambda: park_vehicles.register(form.data_for_service(), current_user),
        park_vehicles.ParkVehicleError,
    )
    if vehicle is not None:
        flash(gettext("%(name)s is registered", name=vehicle.plate), "ok")
        return redirect(url_for(".index", q=vehicle.plate))
    return render_template("park_vehicles/form.html", form=form, vehicle=None)


@bp.route("/vehicles/<int:vehicle_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def edit(vehicle_id: int) -> ResponseReturnValue:
    vehicle = db.session.get(Vehicle, vehicle_id)
    if vehicle is None or vehicle.company_id is None or vehicle.carrier_id is not None:
        abort(404)
    form = _form(vehicle)
    changed = save_form(
        form,
        lambda: park_vehicles.change(vehicle, form.data_for_service(), current_user),
        park_vehicles.ParkVehicleError,
    )
    if changed is not None:
        flash(saved_message(vehicle.plate, changed), "ok")
        return redirect(url_for(".index", q=vehicle.plate))
    return render_template("park_vehicles/form.html", form=form, vehicle=vehicle)


add_register_imports(
    bp,
    "/vehicles/imports",
    park_vehicle_imports.VEHICLES,
    RegisterImportPages(
        title=_l("Import vehicles of the park's companies"),
        explanation=_l(
            "A list of the companies' vehicles as a CSV or XLSX file, one vehicle per row; the "
            "company by its code or name, a Chinese plate with its colour. Every row is checked "
            "as the register's form checks it; if any is wrong nothing is imported and the "
            "wrong rows are listed. A row whose plate is registered already renews that "
            "vehicle (what it leaves empty is kept), so importing a file twice registers "
            "nothing twice."
        ),
        list_endpoint="park_vehicles.index",
        list_title=_l("Vehicles of the park's companies"),
        done=_l("%(created)s vehicles registered, %(updated)s changed."),
        template_name="gatekeeper-park-vehicles.csv",
    ),
    STAFF_ROLES,
)

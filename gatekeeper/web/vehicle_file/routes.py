"""A vehicle's file for the park's managers (``services.vehicle_file``): found by its plate,
then everything the park knows of it on one page, its passages paged."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gatekeeper.access import STAFF_ROLES, roles_required
from gatekeeper.domain.expiry import expiry_state
from gatekeeper.extensions import db
from gatekeeper.models import Vehicle
from gatekeeper.services import vehicle_file
from gatekeeper.services.clock import park_today
from gatekeeper.services.park import park_settings
from gatekeeper.web.paging import paginate

bp = Blueprint("vehicle_file", __name__, template_folder="templates", url_prefix="/manage")
PER_PAGE = 25


@bp.route("/plates")
@roles_required(*STAFF_ROLES)
def find() -> ResponseReturnValue:
    text = request.args.get("q", "").strip()[:40]
    found = vehicle_file.find(text) if text else []
    if len(found) == 1:  # the one vehicle the plate can be: its file
        return redirect(url_for(".show", vehicle_id=found[0].id))
    return render_template(
        "vehicle_file/find.html", q=text, found=found, limit=vehicle_file.FOUND_LIMIT
    )


@bp.route("/plates/<int:vehicle_id>")
@roles_required(*STAFF_ROLES)
def show(vehicle_id: int) -> ResponseReturnValue:
    vehicle = db.session.get(Vehicle, vehicle_id)
    if vehicle is None:
        abort(404)
    park = park_settings()
    today = park_today()
    return render_template(
        "vehicle_file/show.html",
        file=vehicle_file.file_of(vehicle, park.parking_offence_days),
        documents=[
            (which, number, day, expiry_state(day, today, park.expiry_warning_days))
            for which, number, day in vehicle_file.documents(vehicle)
        ],
        page=paginate(vehicle_file.passages(vehicle), PER_PAGE),
    )

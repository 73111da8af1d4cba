"""Files for the park's managers: a vehicle's (``services.vehicle_file``), found by its plate,
and a person's (``services.person_file``), found by name, badge or ID: everything the park
knows of them on one page, their passages paged."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gatekeeper.access import STAFF_ROLES, roles_required
from gatekeeper.domain.expiry import expiry_state
from gatekeeper.extensions import db
from gatekeeper.models import Person, Vehicle
from gatekeeper.services import people, person_file, vehicle_file
from gatekeeper.services.clock import park_today
from gatekeeper.services.park import park_settings
from gatekeeper.web.paging import paginate_newest

bp = Blueprint("files", __name__, template_folder="templates", url_prefix="/manage")
PER_PAGE = 25


def _found(
    find: Callable[[str], Sequence[Any]], endpoint: str, key: str, template: str
) -> ResponseReturnValue:
    """What the search text (``q``) finds: the one file it can be, or the list to choose
    from."""
    text = request.args.get("q", "").strip()[:40]
    found = find(text) if text else []
    if len(found) == 1:
        return redirect(url_for(endpoint, **{key: found[0].id}))
    return render_template(template, q=text, found=found, limit=vehicle_file.FOUND_LIMIT)


@bp.route("/plates")
@roles_required(*STAFF_ROLES)
def find_vehicle() -> ResponseReturnValue:
    return _found(vehicle_file.find, ".vehicle", "vehicle_id", "files/find_vehicle.html")


@bp.route("/plates/<int:vehicle_id>")
@roles_required(*STAFF_ROLES)
def vehicle(vehicle_id: int) -> ResponseReturnValue:
    found = db.get_or_404(Vehicle, vehicle_id)
    park = park_settings()
    today = park_today()
    return render_template(
        "files/vehicle.html",
        file=vehicle_file.file_of(found, park.parking_offence_days),
        documents=[
            (which, number, day, expiry_state(day, today, park.expiry_warning_days))
            for which, number, day in vehicle_file.documents(found)
        ],
        page=paginate_newest(vehicle_file.passages(found), PER_PAGE),
    )


@bp.route("/persons")
@roles_required(*STAFF_ROLES)
def find_person() -> ResponseReturnValue:
    return _found(
        lambda text: people.find(text, vehicle_file.FOUND_LIMIT),
        ".person",
        "person_id",
        "files/find_person.html",
    )


@bp.route("/persons/<int:person_id>")
@roles_required(*STAFF_ROLES)
def person(person_id: int) -> ResponseReturnValue:
    found = db.get_or_404(Person, person_id)
    park = park_settings()
    today = park_today()
    return render_template(
        "files/person.html",
        file=person_file.file_of(found),
        qualifications=[
            (q, expiry_state(q.expires_on, today, park.expiry_warning_days))
            for q in sorted(found.qualifications, key=lambda q: (q.kind.value, q.id))
        ],
        page=paginate_newest(person_file.passages(found), PER_PAGE),
    )

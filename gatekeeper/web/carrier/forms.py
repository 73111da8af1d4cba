"""The vehicle form: what a carrier types. Values are checked by services.fleet (one
schema for the form and the API); this form renders the fields and carries the CSRF token."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from gatekeeper.models import AdrApproval, PlateColour, VehicleKind
from gatekeeper.web.labels import label_of


def _choices(kind: Any, empty: bool) -> list[tuple[str, Any]]:
    choices = [(member.value, label_of(member)) for member in kind]
    return [("", _l("— none —")), *choices] if empty else choices


class VehicleForm(FlaskForm):
    plate = StringField(_l("Plate, as on the plate"))
    country = StringField(_l("Country (ISO code, e.g. CN, BE)"))
    # The service checks the values (one schema for the form and the API): the select
    # fields only offer them.
    plate_colour = SelectField(
        _l("Plate colour (China)"), choices=_choices(PlateColour, True), validate_choice=False
    )
    kind = SelectField(_l("Kind"), choices=_choices(VehicleKind, False), validate_choice=False)
    make_model = StringField(_l("Make and model"))
    licence_number = StringField(_l("Vehicle licence number"))
    licence_inspection_expiry = StringField(_l("Vehicle inspection valid until"))
    dg_permit_number = StringField(_l("Road transport certificate number"))
    dg_permit_expiry = StringField(_l("Road transport certificate valid until"))
    adr_approval = SelectField(
        _l("ADR certificate of approval"),
        choices=[("", _l("— none —")), *((a.value, a.value) for a in AdrApproval)],
        validate_choice=False,
    )
    adr_certificate_number = StringField(_l("ADR certificate number"))
    adr_certificate_expiry = StringField(_l("ADR certificate valid until"))
    tank_code = StringField(_l("Tank code"))
    tank_inspection_expiry = StringField(_l("Tank inspection valid until"))
    tank_approved = StringField(_l("Tank approved for (UN numbers or classes)"))

    DATE_FIELDS = (
        "licence_inspection_expiry",
        "dg_permit_expiry",
        "adr_certificate_expiry",
        "tank_inspection_expiry",
    )

    def values(self) -> dict[str, Any]:
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}

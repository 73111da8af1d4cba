"""The form of a park company's vehicle. Values are checked by services.park_vehicles; this
form renders the fields and carries the CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from gatekeeper.models import PlateColour
from gatekeeper.services.park_vehicles import KINDS
from gatekeeper.web.labels import label_of


class ParkVehicleForm(FlaskForm):
    plate = StringField(_l("Plate, as on the plate"))
    country = StringField(_l("Country (ISO code, e.g. CN, BE)"), default="CN")
    plate_colour = SelectField(
        _l("Plate colour (China)"),
        choices=[("", _l("— none —")), *((c.value, label_of(c)) for c in PlateColour)],
        validate_choice=False,
    )
    kind = SelectField(
        _l("Kind"), choices=[(k.value, label_of(k)) for k in KINDS], validate_choice=False
    )
    # Choices: the park's companies, set by the view.
    company_id = SelectField(_l("Company"), validate_choice=False)
    make_model = StringField(_l("Make and model"))
    # A date as text, checked by the service with the rest (every error at once).
    registered_until = StringField(_l("Registered until"))

    def data_for_service(self) -> dict[str, object]:
        return {name: getattr(self, name).data or "" for name in FIELDS}


FIELDS = (
    "plate",
    "country",
    "plate_colour",
    "kind",
    "company_id",
    "make_model",
    "registered_until",
)

"""The vehicle form: what a carrier types. Values are checked by services.fleet (one
schema for the form and the API); this form renders the fields and carries the CSRF token."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FieldList, FormField, SelectField, StringField
from wtforms import Form as PlainForm

from gatekeeper.models import (
    AdrApproval,
    IdDocumentType,
    PersonKind,
    PlateColour,
    VehicleKind,
)
from gatekeeper.services.crew import CREW_QUALIFICATIONS
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


class QualificationForm(PlainForm):
    """One certificate row of the person form (a blank row is ignored)."""

    kind = SelectField(
        _l("Certificate"),
        choices=[("", _l("— none —")), *((k.value, label_of(k)) for k in CREW_QUALIFICATIONS)],
        validate_choice=False,
    )
    number = StringField(_l("Certificate number"))
    classes = StringField(_l("Hazard classes covered (e.g. 2, 3, 8)"))
    tank = BooleanField(_l("Tank specialisation"))
    valid_from = StringField(_l("Valid from"))
    expires_on = StringField(_l("Valid until"))

    DATE_FIELDS = ("valid_from", "expires_on")

    def is_blank(self) -> bool:
        return not any(
            (field.data or "").strip() for name, field in self._fields.items() if name != "tank"
        )


class PersonForm(FlaskForm):
    kind = SelectField(
        _l("Role"),
        choices=[(k.value, label_of(k)) for k in (PersonKind.DRIVER, PersonKind.ESCORT)],
        validate_choice=False,
    )
    full_name = StringField(_l("Full name"))
    id_document_type = SelectField(
        _l("ID document"), choices=_choices(IdDocumentType, False), validate_choice=False
    )
    id_number = StringField(_l("ID number"))
    nationality = StringField(_l("Nationality (ISO code, e.g. CN)"))
    phone = StringField(_l("Mobile phone"))
    qualifications = FieldList(FormField(QualificationForm), min_entries=2, max_entries=4)

    def values(self) -> tuple[dict[str, Any], list[int]]:
        """The input for services.crew, and for each certificate given the index of the
        row it came from (to show an error beside its field)."""
        data: dict[str, Any] = {
            name: field.data
            for name, field in self._fields.items()
            if name not in ("csrf_token", "qualifications")
        }
        rows: list[int] = []
        certificates: list[dict[str, Any]] = []
        for n, entry in enumerate(self.qualifications.entries):
            if entry.form.is_blank():
                continue
            rows.append(n)
            certificates.append({k: (v if v != "" else None) for k, v in entry.data.items()})
        data["qualifications"] = certificates
        return data, rows


class DocumentForm(FlaskForm):
    """Upload a photo or PDF of a certificate; ``kinds`` are the owner's document kinds."""

    kind = SelectField(_l("Document"), validate_choice=False)
    file = FileField(
        _l("Photo or PDF (at most 10 MB)"),
        validators=[FileRequired(message=_l("choose a file"))],
    )

    def __init__(self, kinds: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, label_of(k)) for k in kinds]


class ImportForm(FlaskForm):
    """A spreadsheet of vehicles or of drivers and escorts."""

    what = SelectField(
        _l("What the file holds"),
        choices=[("vehicles", _l("Vehicles and trailers")), ("persons", _l("Drivers and escorts"))],
        validate_choice=False,
    )
    file = FileField(
        _l("CSV or XLSX file (at most 2000 rows)"),
        validators=[FileRequired(message=_l("choose a file"))],
    )

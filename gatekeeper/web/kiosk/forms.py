"""The guard's forms at the kiosk (Flask-WTF: each carries its CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from gatekeeper.services.documents import GATE_DOCUMENTS
from gatekeeper.web.labels import label_of


class DecideForm(FlaskForm):
    action = SelectField(
        _l("Action"),
        choices=[("open", _l("Open")), ("refuse", _l("Refuse")), ("hold", _l("Holding lot"))],
    )
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500)])


class PlateForm(FlaskForm):
    plate = StringField(_l("Plate"), validators=[DataRequired(), Length(max=20)])


class CrewForm(FlaskForm):
    driver_present = BooleanField(_l("Driver present"))
    escort_present = BooleanField(_l("Escort present"))
    ids_checked = BooleanField(_l("Photo IDs checked"))
    persons = IntegerField(
        _l("Persons on board"), default=1, validators=[DataRequired(), NumberRange(1, 9)]
    )
    waybill = StringField(_l("Waybill number (scan)"), validators=[Optional(), Length(max=64)])


class ScanForm(FlaskForm):
    """A keyboard-wedge scanner types the QR code of a booking pass or an e-waybill here
    (and presses Enter)."""

    text = StringField(
        _l("Scan a booking pass or a waybill"),
        validators=[DataRequired(message=_l("scan the QR code")), Length(max=4000)],
    )


class EmptyForm(FlaskForm):
    """A button: nothing but the CSRF token."""


class LaneStateForm(FlaskForm):
    """Open or close the lane ("1": open it, "0": close it), saying why (checked by
    services.lanes, beside the field)."""

    open = HiddenField(validators=[AnyOf(["0", "1"])])
    reason = StringField(_l("Why"), render_kw={"maxlength": 255, "autocomplete": "off"})


class GateDocumentForm(FlaskForm):
    """The guard photographs a document with the kiosk tablet."""

    kind = SelectField(
        _l("Document"),
        choices=[(k.value, label_of(k)) for k in GATE_DOCUMENTS],
        validate_choice=False,
    )
    file = FileField(
        _l("Photo of the document"), validators=[FileRequired(message=_l("take or choose a photo"))]
    )

"""Forms of the pedestrian gate and of the visitors' pre-registration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from gatekeeper.web.fields import PlausibleDay


class PassForm(FlaskForm):
    """Check a person in or out at a pedestrian lane."""

    person = HiddenField(validators=[InputRequired()])
    way = HiddenField(validators=[AnyOf(["in", "out"])])
    lane = SelectField(_l("Lane"), validate_choice=True)
    card = StringField(_l("Positioning card"), validators=[Optional(), Length(max=40)])
    rules = BooleanField(_l("The park's safety rules were explained and acknowledged"))
    card_returned = BooleanField(_l("Card handed back"))


class VisitForm(FlaskForm):
    full_name = StringField(_l("Visitor's name"), validators=[InputRequired(), Length(max=160)])
    company = StringField(_l("Company"), validators=[Optional(), Length(max=60)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    expected_on = DateField(_l("Day of the visit"), validators=[InputRequired(), PlausibleDay()])
    purpose = StringField(_l("Purpose"), validators=[InputRequired(), Length(max=120)])


class CancelVisitForm(FlaskForm):
    pass

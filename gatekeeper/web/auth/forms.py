from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional, Regexp

from gatekeeper.web.fields import PlausibleDay


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class LocaleForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=[("en", "English"), ("zh_CN", "简体中文")])


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[DataRequired(), Length(max=80)])


_USERNAME = Regexp(r"^[A-Za-z0-9._-]{3,64}$", message=_l("3 to 64 letters, digits, . _ -"))


class NewPasswordMixin:
    password = PasswordField(
        _l("Password"),
        validators=[
            InputRequired(),
            Length(min=10, max=256, message=_l("at least 10 characters")),
        ],
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[InputRequired(), EqualTo("password", message=_l("the two passwords differ"))],
    )


class CarrierApplicationForm(NewPasswordMixin, FlaskForm):
    """A carrier company applies for an account (public sign-up page)."""

    name = StringField(_l("Company name"), validators=[InputRequired(), Length(max=160)])
    country = StringField(
        _l("Country (ISO code, e.g. CN, BE)"),
        validators=[
            InputRequired(),
            Regexp(r"^[A-Za-z]{2}$", message=_l("two letters (ISO country code)")),
        ],
    )
    registration_number = StringField(
        _l("Unified social credit code or VAT number"),
        validators=[InputRequired(), Length(max=32)],
    )
    licence_number = StringField(
        _l("Road transport business licence number"), validators=[Optional(), Length(max=64)]
    )
    licence_expiry = DateField(
        _l("Licence valid until"),
        validators=[Optional(), PlausibleDay()],
    )
    contact_name = StringField(_l("Contact person"), validators=[InputRequired(), Length(max=120)])
    email = StringField(
        _l("E-mail"), validators=[InputRequired(), Email(message=_l("an e-mail address"))]
    )
    phone = StringField(
        _l("Phone"),
        validators=[
            Optional(),
            Regexp(
                r"^\+?[0-9][0-9 ()-]{4,38}$", message=_l("a phone number: digits, spaces, +, -")
            ),
        ],
    )
    username = StringField(_l("Your username"), validators=[InputRequired(), _USERNAME])


class InvitationForm(FlaskForm):
    """A carrier's user invites a colleague."""

    display_name = StringField(_l("Name"), validators=[InputRequired(), Length(max=120)])
    email = StringField(
        _l("E-mail"), validators=[Optional(), Email(message=_l("an e-mail address"))]
    )
    username = StringField(_l("Username"), validators=[InputRequired(), _USERNAME])


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    """A signed-in user changes their password (the current one first)."""

    current = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=256)])


class AcceptInvitationForm(NewPasswordMixin, FlaskForm):
    """The invitee chooses a password."""


class CompanyForm(FlaskForm):
    """What a carrier keeps up to date about its company."""

    contact_name = StringField(_l("Contact person"), validators=[InputRequired(), Length(max=120)])
    contact_email = StringField(
        _l("E-mail"), validators=[InputRequired(), Email(message=_l("an e-mail address"))]
    )
    contact_phone = StringField(
        _l("Phone"),
        validators=[
            Optional(),
            Regexp(
                r"^\+?[0-9][0-9 ()-]{4,38}$", message=_l("a phone number: digits, spaces, +, -")
            ),
        ],
    )
    licence_number = StringField(
        _l("Road transport business licence number"), validators=[Optional(), Length(max=64)]
    )
    licence_expiry = DateField(_l("Licence valid until"), validators=[Optional(), PlausibleDay()])

"""The form of an employee or contractor. Values are checked by services.staff; this form
renders the fields and carries the CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from gatekeeper.models import IdDocumentType, PersonKind
from gatekeeper.web.labels import label_of


class StaffForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=[(k.value, label_of(k)) for k in (PersonKind.EMPLOYEE, PersonKind.CONTRACTOR)],
        validate_choice=False,
    )
    full_name = StringField(_l("Full name"))
    # Choices: the park's companies, set by the view.
    company_id = SelectField(
        _l("Company (employer, or who hired the contractor)"), validate_choice=False
    )
    badge_number = StringField(_l("Badge or staff card number"))
    id_document_type = SelectField(
        _l("ID document"),
        choices=[("", _l("— none —")), *((t.value, label_of(t)) for t in IdDocumentType)],
        validate_choice=False,
    )
    id_number = StringField(_l("ID number"))
    phone = StringField(_l("Phone"))
    # Dates as text, checked by the service with the rest (every error at once).
    induction_until = StringField(_l("Safety induction valid until"))
    insurance_until = StringField(_l("Liability insurance valid until (contractors)"))
    registered_until = StringField(_l("Works here until (empty: open-ended)"))

    def data_for_service(self) -> dict[str, object]:
        return {
            "kind": self.kind.data,
            "full_name": self.full_name.data or "",
            "company_id": self.company_id.data or None,
            "badge_number": self.badge_number.data or "",
            "id_document_type": self.id_document_type.data or "",
            "id_number": self.id_number.data or "",
            "phone": self.phone.data or "",
            "induction_until": self.induction_until.data or "",
            "insurance_until": self.insurance_until.data or "",
            "registered_until": self.registered_until.data or "",
        }

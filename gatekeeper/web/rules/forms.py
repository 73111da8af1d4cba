"""The park's rules page. Values are checked by services.park_rules (every wrong rule at
once, beside its field); this form renders the fields and carries the CSRF token."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, widgets

from gatekeeper.models.park import HAZARD_CLASSES
from gatekeeper.vision.formats import FORMATS


def format_names() -> dict[str, Any]:
    """Each plate format the reader knows, in the reader's words."""
    return {
        "CN": _l("China"),
        "EU": _l("Europe, any country"),
        "DE": _l("Germany"),
        "FR": _l("France"),
        "IT": _l("Italy"),
        "ES": _l("Spain"),
        "NL": _l("Netherlands"),
        "BE": _l("Belgium"),
        "PL": _l("Poland"),
        "CZ": _l("Czechia"),
        "PT": _l("Portugal"),
        "SE": _l("Sweden"),
        "US": _l("United States"),
        "BR": _l("Brazil"),
    }


def _format_choices() -> list[tuple[str, Any]]:
    names = format_names()
    return [(code, names.get(code, code)) for code in names if code in FORMATS]


def _checkboxes(label: Any, choices: list[tuple[str, str]] | None = None) -> Any:
    """A multiple choice drawn as checkboxes; the service checks the values."""
    return SelectMultipleField(
        label,
        choices=choices,
        validate_choice=False,
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )


class _ForService(FlaskForm):
    """A form whose every field goes to its service as typed (empty: "")."""

    def data_for_service(self) -> dict[str, Any]:
        return {
            name: ("" if field.data is None else field.data)
            for name, field in self._fields.items()
            if name != "csrf_token"
        }


class RulesForm(_ForService):
    # Bookings and arrival
    early_tolerance_minutes = StringField(_l("Early arrival let in (minutes before the window)"))
    late_tolerance_minutes = StringField(_l("Late arrival let in (minutes after the window)"))
    booking_freeze_minutes = StringField(
        _l("Carriers may no longer change a booking (minutes before its window)")
    )
    # Hazardous goods at the gate
    escort_required_for_hazmat = BooleanField(_l("A hazmat vehicle needs an escort"))
    crew_check_required_for_hazmat = BooleanField(
        _l("The guard checks the driver's and escort's photo IDs at the barrier")
    )
    waybill_required_for_hazmat = BooleanField(_l("A hazmat vehicle needs its electronic waybill"))
    small_load_points_threshold = StringField(
        _l("Small loads: no orange plate needed under (ADR 1.1.3.6 points)")
    )
    hazmat_hours_from = StringField(_l("Hazmat vehicles enter from (HH:MM)"))
    hazmat_hours_until = StringField(_l("… until (HH:MM; both empty: any time)"))
    hazmat_vehicle_capacity = StringField(
        _l("Hazmat vehicles inside at once (empty: no limit; 0: none let in)")
    )
    # Inside the park
    max_stay_minutes = StringField(_l("Longest stay (minutes), then an overstay alert"))
    checkpoint_tolerance_minutes = StringField(
        _l("Late at the next checkpoint after (minutes of slack)")
    )
    speed_tolerance_percent = StringField(_l("Speeding: over the road's limit by more than (%)"))
    parking_limit_minutes = StringField(
        _l("Illegal parking: stopped where the cargo is not allowed for (minutes)")
    )
    parking_offences_to_blacklist = StringField(
        _l("Illegal parkings that propose the blacklist (0: never)")
    )
    parking_offence_days = StringField(_l("… counted within (days)"))
    uses_positioning_cards = BooleanField(
        _l("Positioning cards are issued at entry and handed back at exit")
    )
    # Documents and reading
    expiry_warning_days = StringField(_l("Warn of ending documents and registrations (days ahead)"))
    plate_confidence_percent = StringField(
        _l("A plate reading is sure from (%); below, the guard confirms it")
    )
    hazard_confidence_percent = StringField(
        _l(
            "An orange-plate reading that contradicts the booking refuses from (%); "
            "below, the guard decides"
        )
    )
    main_plate_format = SelectField(
        _l("Plates of the park's own market (read first)"), validate_choice=False
    )
    other_plate_formats = _checkboxes(_l("Other plates the gates see"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = _format_choices()
        self.main_plate_format.choices = choices
        self.other_plate_formats.choices = choices


class ZoneForm(_ForService):
    """A zone's name, capacities (empty: no limit), allowed classes and muster point; checked
    by services.zones."""

    name = StringField(_l("Name"))
    capacity_people = StringField(_l("People at once"))
    capacity_vehicles = StringField(_l("Vehicles at once"))
    capacity_hazmat_vehicles = StringField(_l("Hazmat vehicles at once"))
    capacity_loaded_tankers = StringField(_l("Spaces for loaded tankers (holding lot)"))
    capacity_empty_tankers = StringField(_l("Spaces for empty tankers (holding lot)"))
    allowed_hazard_classes = _checkboxes(
        _l("Hazard classes allowed in the zone"), [(c, c) for c in HAZARD_CLASSES]
    )
    muster_point = StringField(_l("Muster point (where its people gather in an evacuation)"))

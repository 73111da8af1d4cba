"""A plate typed by a person (a guard correcting a reading, a carrier registering a
vehicle), validated as a camera's reading is: the characters a plate may carry, and a
layout of one of the park's plate formats."""

from __future__ import annotations

from camera_adapters.wire import PLATE
from gatekeeper.domain.messages import N_
from gatekeeper.domain.plates import normalize_plate
from gatekeeper.vision.formats import formats_for


class PlateError(ValueError):
    """The typed plate cannot be a plate; the message (translatable) says why."""


def check_typed_plate(text: str, formats: list[str]) -> str:
    """The plate as stored (spaces collapsed, upper case), or :class:`PlateError`."""
    typed = " ".join(text.split()).upper()
    if not PLATE.fullmatch(typed):
        raise PlateError(N_("a plate has 2 to 16 letters, digits, spaces or dashes"))
    latin = normalize_plate(typed)
    if not any(plate_format.accepts(latin) for plate_format in formats_for(formats)):
        raise PlateError(N_("this plate fits none of the park's plate formats"))
    return typed

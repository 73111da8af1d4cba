"""Messages a person reads, kept translatable: a template marked with ``N_`` and its
parameters, which may be phrases of their own, codes (shown as the user's word for them)
or lists. Nothing is translated here: the web layer renders them in the reader's language,
and ``english`` gives the stored English text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:
    """Marks a message for translation (extracted by pybabel) without translating it:
    the kiosk translates it in the guard's language."""
    return message


@dataclass(frozen=True)
class Phrase:
    """A piece of a message with its own translatable template (``N_``): rule messages
    are built of phrases, never of English text, so that every word can be translated."""

    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        return english(self)

    def to_dict(self) -> dict[str, Any]:
        return {"t": self.template, "p": {k: serial(v) for k, v in self.params.items()}}

    def to_dict_columns(self) -> dict[str, Any]:
        """As stored beside an English text: ``template`` and ``params`` columns."""
        return {"template": self.template, "params": self.to_dict()["p"]}


def phrase(template: str, **params: Any) -> Phrase:
    return Phrase(template, params)


class SettingError(ValueError):
    """A setting refused when saved (a park's plate formats, a lane's barrier), its
    message a translatable phrase: the admin shows it in the reader's language."""

    def __init__(self, message: Phrase) -> None:
        super().__init__(message.english())
        self.message = message


@dataclass(frozen=True)
class Code:
    """A stored code (a vehicle's standing, a booking's status, a match quality) shown in
    a message as the user's word for it; ``of`` names the list the code comes from."""

    value: str
    of: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.value, "of": self.of}


def english(value: Any) -> str:
    if isinstance(value, Phrase):
        params = {k: english(v) for k, v in value.params.items()}
        return value.template % params if params else value.template
    if isinstance(value, Code):
        return value.value
    if isinstance(value, tuple | list):
        return ", ".join(english(v) for v in value)
    return str(value)


def serial(value: Any) -> Any:
    if isinstance(value, Phrase | Code):
        return value.to_dict()
    if isinstance(value, tuple | list):
        return [serial(v) for v in value]
    return value

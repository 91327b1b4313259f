"""UserFillUp: the run stops to ask the user for a form, and continues with the answers.

The runtime pauses before a UserFillUp runs and sends ``user_inputs`` with the form (``inputs``:
fields by key, each ``{"name", "type", "optional", "options", "value"?}``) and, when
``enable_tips`` is set, ``tips`` rendered with the run's values. The next run resumes here with
the user's answers as its ``inputs`` (``{key: {"value": ...}}`` or ``{key: value}``); they
become this component's outputs (``UserFillUp:X@key``). A field left unanswered takes the
form's ``value``, if any. A client that can only send text (RAGFlow's SDK sends a ``query``)
answers a one-field form with it. An ``object`` field given as JSON text is parsed.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field, field_validator

from ragloom.agents.components.base import Component, ComponentParams, Invocation
from ragloom.agents.references import UnresolvedReferenceError

DEFAULT_TIPS = "Please fill up the form"


class UserFillUpParams(ComponentParams):
    enable_tips: bool = True
    tips: str = DEFAULT_TIPS
    inputs: dict[str, dict[str, Any]] = Field(default_factory=dict)
    layout_recognize: str = ""

    @field_validator("inputs", mode="before")
    @classmethod
    def _keyed(cls, value: Any) -> Any:
        """The editor keeps a new form as a list of fields, each with its ``key``."""
        if isinstance(value, list):
            return {str(field.get("key") or field.get("name")): field for field in value if isinstance(field, dict)}
        return value


class UserFillUp(Component):
    """Asks the user to fill in a form; its outputs are the answers."""

    name = "UserFillUp"
    Params = UserFillUpParams

    def invoke(self, run: Invocation) -> dict[str, Any]:
        assert isinstance(self.params, UserFillUpParams)
        form = self.params.inputs
        answers = dict(run.inputs)
        if not answers and len(form) == 1 and run.query:
            answers = {next(iter(form)): run.query}
        outputs: dict[str, Any] = {}
        for key in [*form, *(key for key in answers if key not in form)]:
            field = form.get(key, {})
            given = answers.get(key)
            value = given.get("value") if isinstance(given, dict) else given
            if value is None:
                value = field.get("value")
            outputs[key] = _parsed(value) if field.get("type") == "object" else value
        if self.params.enable_tips:
            outputs["tips"] = self._tips(run)
        return outputs

    def _tips(self, run: Invocation) -> str:
        assert isinstance(self.params, UserFillUpParams)
        try:
            return run.render(self.params.tips)
        except UnresolvedReferenceError:  # the tips are for reading; a missing value leaves them as written
            return self.params.tips


def _parsed(value: Any) -> Any:
    if isinstance(value, str) and value.strip():
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value

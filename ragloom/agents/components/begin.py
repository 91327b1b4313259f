"""Begin: where every run starts; its form fields (``inputs``) become its outputs (``begin@<key>``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ragloom.agents.components.base import Component, ComponentParams, Invocation

DEFAULT_PROLOGUE = "Hi! I'm your smart assistant. What can I do for you?"


class BeginParams(ComponentParams):
    mode: str = "conversational"
    prologue: str = DEFAULT_PROLOGUE
    inputs: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Form fields by key: ``{"type", "name", "optional", "options", "value"?}``."""


class Begin(Component):
    """The entry point of a canvas."""

    name = "Begin"
    Params = BeginParams

    def invoke(self, run: Invocation) -> dict[str, Any]:
        assert isinstance(self.params, BeginParams)
        outputs: dict[str, Any] = {}
        for key, field in self.params.inputs.items():
            given = run.inputs.get(key)
            if isinstance(given, dict) and "value" in given:
                outputs[key] = given["value"]
            elif given is not None and not isinstance(given, dict):
                outputs[key] = given
            else:
                outputs[key] = field.get("value")
        return outputs

"""StringTransform: split a text into pieces, or merge values into one text; outputs ``result``.

- ``split`` — the text ``split_ref`` names (a bare reference) cut at every one of ``delimiters``;
  the pieces are kept as they are, empty ones included (``"a,,b"`` gives ``["a", "", "b"]``).
- ``merge`` — ``script`` with its references replaced by their values; a list becomes its
  items joined by the first delimiter (``{LLM:X@tags}`` with ``", "`` gives ``"red, green"``).

``delimiters`` must not be empty (a split at an empty text would cut everywhere), as RAGFlow
requires; the editor may save a merge's single delimiter as plain text.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ragloom.agents.components.base import Component, ComponentParams, Invocation
from ragloom.agents.references import as_text, bare_reference, segments
from ragloom.agents.variables import described
from ragloom.errors import ArgumentError


class StringTransformParams(ComponentParams):
    method: Literal["split", "merge"] = "split"
    split_ref: str = ""
    script: str = ""
    delimiters: list[str] = Field(default_factory=lambda: [","], min_length=1)

    @field_validator("delimiters", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _usable(self) -> StringTransformParams:
        if self.method == "split":
            if bare_reference(self.split_ref) is None:
                raise ValueError(f"split_ref '{self.split_ref}' is not a reference to the text to split")
            if any(not delimiter for delimiter in self.delimiters):
                raise ValueError("a delimiter to split at cannot be empty")
        return self


class StringTransform(Component):
    """Splits or merges text."""

    name = "StringTransform"
    Params = StringTransformParams

    def _params(self) -> StringTransformParams:
        assert isinstance(self.params, StringTransformParams)
        return self.params

    def bare_reference_texts(self) -> list[str]:
        params = self._params()
        return [params.split_ref] if params.method == "split" else []

    def invoke(self, run: Invocation) -> dict[str, Any]:
        params = self._params()
        if params.method == "split":
            return {"result": self._split(run)}
        glue = params.delimiters[0]
        pieces = []
        for part in segments(params.script):
            if isinstance(part, str):
                pieces.append(part)
                continue
            value = run.lookup(part.name)
            pieces.append(glue.join(as_text(item) for item in value) if isinstance(value, list) else as_text(value))
        return {"result": "".join(pieces)}

    def _split(self, run: Invocation) -> list[str]:
        params = self._params()
        value = run.value(params.split_ref)
        if value is None:
            value = ""
        if isinstance(value, (list, dict)):
            raise ArgumentError(f"'{params.split_ref}' must name a text to split, but it holds {described(value)}.")
        longest_first = sorted(params.delimiters, key=len, reverse=True)
        pattern = "|".join(re.escape(delimiter) for delimiter in longest_first)
        return re.split(pattern, as_text(value))

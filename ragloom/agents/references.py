"""The variable syntax of canvas templates and parameters.

A reference is written in braces (extra braces and spaces around it are part of it, so
``{{sys.query}}`` is a reference too):

- ``{<component_id>@<output>[.<path>]}`` — an output of a component; component ids hold
  letters, digits, ``_``, ``-`` and ``:`` (``{Agent:StalePandasDream@content}``), and the path
  indexes into objects (by key), lists (by position) and JSON text;
- ``{sys.query}``, ``{sys.user_id}``, ``{sys.files}``, ``{sys.history}``, ``{sys.date}``,
  ``{sys.conversation_turns}`` — the run's globals;
- ``{env.<name>}`` — conversation variables;
- ``{item}``, ``{index}``, ``{result}`` — the enclosing iteration's current item.

Some parameters name a reference bare, without braces (Categorize's ``query``, Switch's
``cpn_id``, Iteration's ``items_ref``): :func:`bare_reference` reads those.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

_NAME = r"[A-Za-z0-9_:\-]+@[A-Za-z0-9_.\-]+|sys\.[A-Za-z0-9_.]+|env\.[A-Za-z0-9_.\-]+|item|index|result"
REFERENCE = re.compile(r"\{+ *(?P<name>" + _NAME + r") *\}+")
BARE = re.compile(r"^ *\{* *(?P<name>" + _NAME + r") *\}* *$")

Lookup = Callable[[str], Any]
"""Resolves a reference name (``cpn@output.path``, ``sys.query``, …) to its value."""


class UnresolvedReferenceError(LookupError):
    """A reference names nothing: a component without that output, or an unknown global."""


@dataclass(frozen=True)
class Reference:
    """A reference found in a template."""

    name: str

    @property
    def component_id(self) -> str | None:
        """The component it reads, or ``None`` for globals and iteration aliases."""
        return self.name.split("@", 1)[0] if "@" in self.name else None

    @property
    def output(self) -> str:
        """The component output it reads (before any path)."""
        return self.name.split("@", 1)[1].split(".", 1)[0] if "@" in self.name else ""

    @property
    def path(self) -> list[str]:
        """The steps after the output (``content.a.0`` -> ``["a", "0"]``)."""
        if "@" not in self.name:
            return []
        rest = self.name.split("@", 1)[1].split(".")
        return rest[1:]


def references(template: str) -> list[Reference]:
    """Every reference in ``template``, in order."""
    return [Reference(match["name"]) for match in REFERENCE.finditer(template)]


def bare_reference(text: str) -> Reference | None:
    """``text`` as one reference written with or without braces, else ``None``."""
    match = BARE.match(text or "")
    return Reference(match["name"]) if match else None


def segments(template: str) -> Iterator[str | Reference]:
    """``template`` as literal text and references, in order (for streaming a Message)."""
    position = 0
    for match in REFERENCE.finditer(template):
        if match.start() > position:
            yield template[position : match.start()]
        yield Reference(match["name"])
        position = match.end()
    if position < len(template):
        yield template[position:]


def render(template: str, lookup: Lookup) -> str:
    """``template`` with every reference replaced by its value as text."""
    return REFERENCE.sub(lambda match: as_text(lookup(match["name"])), template)


def follow(value: Any, path: list[str]) -> Any:
    """Index into ``value`` along ``path``: keys of objects, positions of lists, JSON text parsed."""
    for step in path:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise UnresolvedReferenceError(f"cannot read '{step}' of a text that is not JSON") from None
        if isinstance(value, dict):
            if step not in value:
                raise UnresolvedReferenceError(f"no key '{step}'")
            value = value[step]
        elif isinstance(value, list):
            try:
                value = value[int(step)]
            except (ValueError, IndexError):
                raise UnresolvedReferenceError(f"no position '{step}' in a list of {len(value)}") from None
        else:
            raise UnresolvedReferenceError(f"cannot read '{step}' of a {type(value).__name__}")
    return value


def as_text(value: Any) -> str:
    """How a value reads inside text: strings as they are, containers as JSON, nothing as ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)

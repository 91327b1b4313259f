"""Rendering a Message's template: references substituted, then a sandboxed Jinja2 when it asks for one.

A template holding ``{%``, ``{{`` or ``}}`` after its references are replaced is rendered by
Jinja2's sandbox (no attribute access to internals, no imports), with the run's values as
variables: ``sys`` and ``env`` (``{{ sys.query }}``) and each component's outputs under its id
with every character that cannot start or continue a name replaced by ``_``
(``{{ Agent_X.content }}``). A template that Jinja cannot render is an error of the Message.
"""

from __future__ import annotations

import re
from typing import Any

from ragloom.errors import ArgumentError

_JINJA = re.compile(r"\{%|\{\{|\}\}")
_NOT_NAME = re.compile(r"\W")


def wants_jinja(text: str) -> bool:
    """Whether ``text`` uses Jinja syntax."""
    return bool(_JINJA.search(text))


def jinja_name(component_id: str) -> str:
    """The variable a component's outputs have in a Jinja template."""
    name = _NOT_NAME.sub("_", component_id)
    return f"_{name}" if name[:1].isdigit() else name


def render_jinja(text: str, variables: dict[str, Any]) -> str:
    """``text`` rendered by a sandboxed Jinja2 with ``variables``."""
    from jinja2 import TemplateError  # with the first Jinja template, not when the server starts
    from jinja2.sandbox import SandboxedEnvironment

    environment = SandboxedEnvironment(autoescape=False)
    try:
        return environment.from_string(text).render(**variables)
    except TemplateError as error:
        raise ArgumentError(f"The message template cannot be rendered: {error}") from None

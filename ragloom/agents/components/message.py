"""Message: the answer. One of its templates is chosen at random and streamed as it is rendered.

References to an LLM or Agent still writing (a :class:`~ragloom.agents.streams.TextStream`)
are streamed piece by piece; the runtime turns the pieces into ``message`` events. With
``memory_ids`` the turn — the question and this answer — is saved in those memories once the
answer is complete, streamed or not (RAGFlow v0.26 never saves a non-streamed one).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from typing import Any

from pydantic import Field

from ragloom.agents.components.base import Component, ComponentParams, Invocation
from ragloom.agents.references import Reference, as_text, segments
from ragloom.agents.streams import TextStream, answer_text
from ragloom.agents.templates import jinja_name, render_jinja, wants_jinja
from ragloom.errors import RagloomError

log = logging.getLogger(__name__)


class MessageParams(ComponentParams):
    content: list[str] = Field(default_factory=list)
    stream: bool = True
    output_format: str | None = None
    auto_play: bool = False
    memory_ids: list[str] = Field(default_factory=list)
    user_id: str = ""
    """Whose turn it is, for the memories (a reference may name it); default: the run's user."""


class Message(Component):
    """Emits the run's answer."""

    name = "Message"
    Params = MessageParams

    def invoke(self, run: Invocation) -> dict[str, Any]:
        assert isinstance(self.params, MessageParams)
        template = random.choice(self.params.content) if self.params.content else ""
        return {"content": TextStream(lambda: self._pieces(template, run))}

    def _pieces(self, template: str, run: Invocation) -> Iterator[str]:
        written: list[str] = []
        for piece in self._rendered(template, run):
            written.append(piece)
            yield piece
        assert isinstance(self.params, MessageParams)
        if self.params.memory_ids:
            self._remember(run, answer_text(written))

    def _remember(self, run: Invocation, answer: str) -> None:
        assert isinstance(self.params, MessageParams)
        user = run.render(self.params.user_id) if self.params.user_id else str(run.state.globals.get("sys.user_id", ""))
        question = str(run.state.globals.get("sys.query", ""))
        try:
            run.services.save_turn(list(self.params.memory_ids), question, answer, user)
        except RagloomError as error:  # the answer stands; the memory says why it did not take the turn
            log.warning("message %s could not save its turn to memory: %s", self.id, error.message)

    def _rendered(self, template: str, run: Invocation) -> Iterator[str]:
        if wants_jinja(_without_references(template)):
            yield render_jinja(_substituted(template, run), _jinja_variables(run))
            return
        for part in segments(template):
            if isinstance(part, str):
                yield part
                continue
            value = _raw(part, run)
            if isinstance(value, TextStream):
                yield from value.pieces()
            else:
                yield as_text(value)


def _raw(reference: Reference, run: Invocation) -> Any:
    """The referenced value, a stream left as a stream (so it can be relayed piece by piece)."""
    if reference.component_id is not None and not reference.path:
        value = run.state.outputs.get(reference.component_id, {}).get(reference.output)
        if isinstance(value, TextStream):
            return value
    return run.lookup(reference.name)


def _without_references(template: str) -> str:
    return "".join(part for part in segments(template) if isinstance(part, str))


def _substituted(template: str, run: Invocation) -> str:
    return "".join(part if isinstance(part, str) else as_text(run.lookup(part.name)) for part in segments(template))


def _jinja_variables(run: Invocation) -> dict[str, Any]:
    variables: dict[str, Any] = {
        "sys": {key.removeprefix("sys."): value for key, value in run.state.globals.items() if key.startswith("sys.")},
        "env": {name: entry.get("value") for name, entry in run.state.variables.items()},
    }
    for component_id, outputs in run.state.outputs.items():
        if component_id == run.spec.id:
            continue  # this Message's own answer is what is being written
        variables[jinja_name(component_id)] = {
            key: value.text() if isinstance(value, TextStream) else value for key, value in outputs.items()
        }
    return variables

"""Categorize: a chat model sorts the input into one of ``category_description``'s categories.

``query`` names the input as a bare reference (``begin@customer_review``; ``sys.query`` when
unset). The model is told the categories with their descriptions and examples and asked for a
name; the last ``message_history_window_size - 1`` turns of the conversation come with the input.
The run goes to the chosen category's ``to``; the outputs are ``category_name`` (and ``_next``).

Small models rarely answer with the bare name, so the reply is read leniently
(:func:`choose_category`); a reply that names no category chooses the category called "Other"
when there is one, else the last category — its name and its branch.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ragloom.agents.components.base import CanvasView, Invocation, Next, check_targets
from ragloom.agents.components.llm import LLM, LLMParams, stream_text
from ragloom.agents.references import Reference, as_text, bare_reference
from ragloom.agents.streams import answer_text
from ragloom.providers.chat.protocol import ChatMessage

_NOT_WORD = re.compile(r"[\W_]+")
_FALLBACK_NAMES = ("other", "others")


class Category(BaseModel):
    model_config = ConfigDict(extra="allow")

    description: str = ""
    examples: list[str] = Field(default_factory=list)
    to: list[str] = Field(min_length=1)

    @field_validator("examples", mode="before")
    @classmethod
    def _example_texts(cls, value: Any) -> Any:
        """The editor's form saves ``[{"value": text}]``; the DSL carries plain texts."""
        if isinstance(value, list):
            return [item.get("value", "") if isinstance(item, dict) else item for item in value]
        return value


class CategorizeParams(LLMParams):
    query: str = "sys.query"
    category_description: dict[str, Category] = Field(default_factory=dict, min_length=1, validate_default=True)
    message_history_window_size: int = Field(default=1, ge=1)

    @field_validator("query")
    @classmethod
    def _reference(cls, value: str) -> str:
        if value and bare_reference(value) is None:
            raise ValueError(f"'{value}' is not a reference to the text to classify (such as `sys.query`)")
        return value

    @field_validator("category_description")
    @classmethod
    def _named(cls, value: dict[str, Category]) -> dict[str, Category]:
        if any(not name.strip() for name in value):
            raise ValueError("a category name cannot be empty")
        return value


class Categorize(LLM):
    """Chooses a branch by asking a chat model which category the input is in."""

    name = "Categorize"
    Params = CategorizeParams
    streams = False

    def _categories(self) -> CategorizeParams:
        assert isinstance(self.params, CategorizeParams)
        return self.params

    def references(self) -> list[Reference]:
        """Only the input it classifies: the prompt is its own, whatever ``sys_prompt``/``prompts`` say."""
        query = bare_reference(self._categories().query or "sys.query")
        return [query] if query is not None else []

    def check(self, canvas: CanvasView) -> None:
        for name, category in self._categories().category_description.items():
            check_targets(canvas, f"category_description.{name}.to", category.to)

    def invoke(self, run: Invocation) -> dict[str, Any]:
        params = self._categories()
        model = run.services.chat_model(params.llm_id)
        text = as_text(run.value(params.query or "sys.query"))
        messages = [ChatMessage("system", self._instructions()), ChatMessage("user", self._input(text, run))]
        reply = self._with_retries(lambda: answer_text(stream_text(model, messages, params.options(), run)))
        names = list(params.category_description)
        chosen = choose_category(reply, names) or default_category(names)
        return {"category_name": chosen, "_next": list(params.category_description[chosen].to)}

    def route(self, outputs: dict[str, Any], canvas: CanvasView) -> Next:
        return Next(list(outputs.get("_next") or []) or self.back_to_start(canvas))

    def _instructions(self) -> str:
        categories = self._categories().category_description
        lines = ["Classify the input into exactly one of these categories:"]
        lines += [f"- {name.strip()}" for name in categories]
        lines += ["", "What each category means:"]
        for name, category in categories.items():
            lines.append(f"- {name.strip()}: {category.description.strip() or name.strip()}")
            examples = [line.strip() for example in category.examples for line in example.splitlines() if line.strip()]
            lines += [f'    example: "{example}"' for example in examples]
        lines += ["", "Answer with the name of one category, exactly as written above, and nothing else."]
        return "\n".join(lines)

    def _input(self, text: str, run: Invocation) -> str:
        earlier = run.history(self._categories().message_history_window_size - 1)
        if not earlier:
            return f"Input: {text}\nCategory:"
        conversation = "\n".join(f"{message.role.upper()}: {message.content}" for message in earlier)
        return f"Conversation so far:\n{conversation}\n\nInput: {text}\nCategory:"


def choose_category(reply: str, names: list[str]) -> str | None:
    """The category a model's reply names, or ``None`` when it names none.

    In order: the reply is a category's name (case, punctuation and markup aside); the category
    named most often in full (a longer name first, so "Product return" is not also counted as
    "Product"; ties go to the one named first), matched as whole words and then, for scripts
    written without spaces, anywhere; the one category whose own words (those no other name has,
    "negative" of "Negative review") the reply uses.
    """
    text = _words(reply)
    if not text:
        return None
    spelled = {name: _words(name) for name in names if _words(name)}
    for name, words in spelled.items():
        if text == words:
            return name
    for whole_words in (True, False):
        counts = _mentions(text, spelled, whole_words)
        if counts:
            return min(counts, key=lambda name: (-counts[name][0], counts[name][1]))
    return _by_own_words(text, spelled)


def default_category(names: list[str]) -> str:
    """The category for a reply that names none: "Other" when there is one, else the last."""
    for name in names:
        if _words(name) in _FALLBACK_NAMES:
            return name
    return names[-1]


def _words(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


def _mentions(text: str, spelled: dict[str, str], whole_words: bool) -> dict[str, tuple[int, int]]:
    """How often each name occurs in ``text`` and where first, each stretch of text counted once."""
    counts: dict[str, tuple[int, int]] = {}
    masked = text
    for name, words in sorted(spelled.items(), key=lambda pair: -len(pair[1])):
        pattern = re.escape(words)
        if whole_words:
            pattern = rf"(?<!\S){pattern}(?!\S)"
        found = list(re.finditer(pattern, masked))
        if found:
            counts[name] = (len(found), found[0].start())
            for match in found:
                masked = masked[: match.start()] + " " * len(match.group()) + masked[match.end() :]
    return counts


def _by_own_words(text: str, spelled: dict[str, str]) -> str | None:
    used = set(text.split())
    owners: dict[str, set[str]] = {}
    for name, words in spelled.items():
        for word in set(words.split()):
            owners.setdefault(word, set()).add(name)
    hits = {
        name: len({word for word in words.split() if owners[word] == {name}} & used) for name, words in spelled.items()
    }
    best = max(hits.values(), default=0)
    winners = [name for name, count in hits.items() if count == best]
    return winners[0] if best and len(winners) == 1 else None

"""The prompt that asks a chat model what a conversation turn is worth remembering.

The system prompt is assembled for the kinds of memory asked for (semantic facts, episodic
events, procedural habits), each with what it holds and when it is valid, and ends with the
exact JSON the answer must be (:func:`extraction_schema` states it as a JSON schema, which a
model that takes one — the built-in model, through a grammar — is held to). The user prompt
gives the turn and the times.

A memory's own ``system_prompt`` replaces the assembled one; its ``user_prompt`` replaces the
turn's framing, with ``{conversation}``, ``{conversation_time}`` and ``{current_time}`` filled
in (the turn is added after it when it names no ``{conversation}``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ragloom.providers.chat.protocol import ChatMessage

MAX_ITEMS_PER_KIND = 5
LONGEST_ITEM = 500
"""Characters of one item the schema allows (a grammar-bound model stops there)."""

KIND_GUIDES = {
    "semantic": (
        "semantic — lasting facts about the user or the world: who the user is, the people, places, "
        "things and relationships in their life, what they like or dislike, what is true in general. "
        "valid_at: when the fact became true, else the conversation time; invalid_at: when it stops "
        "being true, else empty."
    ),
    "episodic": (
        "episodic — events that happened or are planned, one per item, saying what happened, who was "
        "involved and when. valid_at: when the event happened (or starts); invalid_at: when it ended, "
        "else empty."
    ),
    "procedural": (
        "procedural — habits, routines, steps, rules and preferred ways of doing things, including how "
        "the user wants the agent to behave. valid_at: when it was stated, else the conversation time; "
        "invalid_at: when it no longer applies, else empty."
    ),
}
EXTRACTABLE_KINDS = tuple(KIND_GUIDES)

_SYSTEM_HEAD = (
    "You keep the memory of an AI agent. You read one turn of a conversation between a user and "
    "the agent and write down what is worth remembering from it, sorted by kind.\n\n"
    "KINDS OF MEMORY\n"
)
_REQUIREMENTS = (
    "\n\nOUTPUT REQUIREMENTS\n"
    "- Each item is one short, self-contained sentence, in the language of the conversation.\n"
    "- Only what the conversation says or plainly implies: never invent anything.\n"
    f"- At most {MAX_ITEMS_PER_KIND} items of each kind; an empty list when there is nothing of a kind.\n"
    '- Times are ISO 8601 (YYYY-MM-DDTHH:MM:SS); resolve relative times ("yesterday") against the '
    "conversation time; an unknown time is an empty string.\n"
    "- Answer with the JSON object below and nothing else.\n\n"
    "OUTPUT FORMAT\n"
)
_ITEM_FORMAT = '[{"content": "...", "valid_at": "YYYY-MM-DDTHH:MM:SS", "invalid_at": ""}]'

DEFAULT_USER_PROMPT = (
    "CONVERSATION:\n{conversation}\n\nCONVERSATION TIME: {conversation_time}\nCURRENT TIME: {current_time}"
)


def known_kinds(kinds: Sequence[str]) -> list[str]:
    """The extractable kinds among ``kinds``, in the standard order."""
    return [kind for kind in EXTRACTABLE_KINDS if kind in kinds]


def extraction_system_prompt(kinds: Sequence[str]) -> str:
    """The assembled system prompt for ``kinds`` (raw is never extracted; it has no part here)."""
    wanted = known_kinds(kinds)
    guides = "\n".join(f"- {KIND_GUIDES[kind]}" for kind in wanted)
    output = "{" + ", ".join(f'"{kind}": {_ITEM_FORMAT}' for kind in wanted) + "}"
    return f"{_SYSTEM_HEAD}{guides}{_REQUIREMENTS}{output}"


def extraction_user_prompt(template: str | None, conversation: str, conversation_time: str, current_time: str) -> str:
    """The user prompt: the memory's own ``template`` with its placeholders filled, or ours."""
    values = {"conversation": conversation, "conversation_time": conversation_time, "current_time": current_time}
    text = template.strip() if template and template.strip() else DEFAULT_USER_PROMPT
    if "{conversation}" not in text:
        text = f"{text}\n\n{DEFAULT_USER_PROMPT}"
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def extraction_messages(
    kinds: Sequence[str],
    conversation: str,
    conversation_time: str,
    current_time: str,
    *,
    system_prompt: str | None = None,
    user_prompt: str | None = None,
) -> list[ChatMessage]:
    """The chat to send: the memory's ``system_prompt`` when it has one (else ours for ``kinds``)
    and the user prompt."""
    system = system_prompt.strip() if system_prompt and system_prompt.strip() else extraction_system_prompt(kinds)
    return [
        ChatMessage("system", system),
        ChatMessage("user", extraction_user_prompt(user_prompt, conversation, conversation_time, current_time)),
    ]


def extraction_schema(kinds: Sequence[str]) -> dict[str, Any]:
    """The JSON schema of an answer for ``kinds``."""
    item = {
        "type": "object",
        "properties": {
            "content": {"type": "string", "maxLength": LONGEST_ITEM},
            "valid_at": {"type": "string", "maxLength": 32},
            "invalid_at": {"type": "string", "maxLength": 32},
        },
        "required": ["content", "valid_at", "invalid_at"],
    }
    wanted = known_kinds(kinds)
    return {
        "type": "object",
        "properties": {kind: {"type": "array", "items": item, "maxItems": MAX_ITEMS_PER_KIND} for kind in wanted},
        "required": wanted,
    }

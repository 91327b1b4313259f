"""Prompt assembly: the system prompt, the retrieved knowledge and the history in one budget.

The prompt must fit the model's context window with room left for the answer. What gives
way, in order: the oldest turns of the history, then the lowest-ranked chunks of knowledge
(each dropped whole, never cut mid-text); only when not even the best chunk fits is it shortened.
The question itself is never cut: one that cannot fit is refused with a clear error.
Tokens are counted with cl100k, so a margin is kept for models whose tokenizers differ.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ragloom.errors import DataError
from ragloom.nlp.token_count import count_tokens, truncate_to_tokens
from ragloom.providers.chat.protocol import ChatMessage

DEFAULT_SYSTEM_PROMPT = (
    "You are an intelligent assistant. Please summarize the content of the dataset to answer the question. "
    "Please list the data in the dataset and answer in detail. When all dataset content is irrelevant to the "
    'question, your answer must include the sentence "The answer you are looking for is not found in the dataset!" '
    "Answers need to consider chat history.\n"
    "      Here is the knowledge base:\n"
    "      {knowledge}\n"
    "      The above is the knowledge base."
)
"""A new chat's system prompt when it is given none: RAGFlow's, word for word (a client reading
``GET /chats`` sees the same default on either server)."""
DEFAULT_PROLOGUE = "Hi! I'm your assistant. What can I do for you?"
DEFAULT_EMPTY_RESPONSE = "Sorry! No relevant content was found in the knowledge base!"

CITATION_INSTRUCTIONS = (
    "\n\nCite the knowledge you use: after a sentence that relies on a piece of knowledge, write "
    "its ID in the form [ID:n], for example [ID:0] or [ID:1][ID:3]. Cite only IDs that appear "
    "in the knowledge base above, and do not cite anything else."
)

SAFETY_MARGIN = 0.85  # share of the context window the cl100k count may fill
DEFAULT_ANSWER_TOKENS = 512
_PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class KnowledgeChunk:
    """A retrieved chunk as the model sees it."""

    document_name: str
    content: str


@dataclass(frozen=True)
class AssembledPrompt:
    """The messages sent to the model and what survived the budget."""

    messages: list[ChatMessage]
    chunks_used: int
    history_used: int
    prompt_tokens: int

    @property
    def text(self) -> str:
        """The prompt as RAGFlow shows it in answers (``prompt``)."""
        return "\n\n".join(f"{message.role.upper()}: {message.content}" for message in self.messages)


def format_knowledge(chunks: Sequence[KnowledgeChunk], numbers: Sequence[int] | None = None) -> list[str]:
    """Each chunk as one block, numbered by its position (the ``n`` of ``[ID:n]``) or by ``numbers``."""
    return [
        f"ID: {number}\nDocument: {chunk.document_name}\nContent: {chunk.content.strip()}\n"
        for number, chunk in zip(numbers if numbers is not None else range(len(chunks)), chunks, strict=True)
    ]


def fill_parameters(system: str, parameters: Sequence[Mapping[str, object]], values: Mapping[str, object]) -> str:
    """Replace ``{key}`` of each declared parameter (other than ``knowledge``) with its value.

    A required parameter without a value is refused (``Miss parameter: <key>``); an optional
    one becomes empty.
    """
    for parameter in parameters:
        key = str(parameter.get("key", ""))
        if not key or key == "knowledge":
            continue
        value = values.get(key)
        if value is None:
            if not parameter.get("optional", False):
                raise DataError(f"Miss parameter: {key}")
            value = ""
        system = system.replace("{" + key + "}", str(value))
    return system


def assemble(
    system: str,
    knowledge: Sequence[KnowledgeChunk] | None,
    history: Sequence[ChatMessage],
    *,
    context_window: int,
    answer_tokens: int | None,
    cite: bool,
) -> AssembledPrompt:
    """Fit ``system`` (with ``{knowledge}`` filled), ``history`` and the question into the budget.

    ``history`` ends with the user's question. ``knowledge`` is ``None`` for chats without
    datasets (``{knowledge}`` then stays out of the prompt).
    """
    question = history[-1]
    earlier = list(history[:-1])
    reserve = min(answer_tokens or DEFAULT_ANSWER_TOKENS, context_window // 2)
    budget = int(context_window * SAFETY_MARGIN) - reserve
    bare_system = system.replace("{knowledge}", "") + (CITATION_INSTRUCTIONS if cite and knowledge else "")
    fixed = count_tokens(bare_system) + count_tokens(question.content) + 8
    if fixed > budget:
        raise DataError(
            f"The question is too long: with the system prompt it takes {fixed} tokens, "
            f"and the model {_model_room(context_window, reserve)} leaves room for {budget}."
        )
    room = budget - fixed
    kept_history: list[ChatMessage] = []
    history_room = room // 2 if knowledge else room
    for message in reversed(earlier):
        cost = count_tokens(message.content) + 4
        if cost > history_room:
            break
        kept_history.insert(0, message)
        history_room -= cost
    room -= sum(count_tokens(message.content) + 4 for message in kept_history)
    blocks: list[str] = []
    for block in format_knowledge(knowledge or []):
        cost = count_tokens(block) + 1
        if cost > room:
            if not blocks and room > 64:
                blocks.append(truncate_to_tokens(block, room - 1))
            break
        blocks.append(block)
        room -= cost
    filled = system.replace("{knowledge}", "\n".join(blocks))  # no knowledge: the placeholder goes too
    if cite and knowledge:
        filled += CITATION_INSTRUCTIONS
    messages = [ChatMessage("system", filled), *kept_history, question]
    tokens = sum(count_tokens(message.content) + 4 for message in messages)
    return AssembledPrompt(messages, len(blocks), len(kept_history), tokens)


def _model_room(context_window: int, reserve: int) -> str:
    return f"(context window {context_window} tokens, {reserve} kept for the answer)"


def declared_parameters(system: str) -> list[str]:
    """The ``{key}`` placeholders a system prompt contains."""
    return list(dict.fromkeys(_PARAMETER.findall(system)))

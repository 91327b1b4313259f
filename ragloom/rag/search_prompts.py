"""Prompts of the search page: the summary answer over the results, and related questions.

Small models rarely follow a format to the letter, so :func:`parse_related_questions` reads a
reply whichever way it lists them: numbered (``1.``, ``2)``, ``3、``), bulleted (``-``, ``*``,
``•``), one per line, or a numbered list run together on one line.
"""

from __future__ import annotations

import re

from ragloom.providers.chat.protocol import ChatMessage

SEARCH_SUMMARY_SYSTEM = (
    "You are a search assistant. Summarise what the search results below say about the user's "
    "question, concisely and in the language of the question. Use only the search results; when "
    'they do not answer the question, say so plainly: "The answer you are looking for is not '
    'found in the knowledge base!"\n\n'
    "Search results:\n{knowledge}\n"
    "End of the search results."
)
SUMMARY_TEMPERATURE = 0.1
"""RAGFlow answers a search with this temperature unless the search app sets one."""

RELATED_QUESTIONS_SYSTEM = (
    "You suggest related searches. Given what a user searched for, write {count} other questions "
    "the user may want to search next: each on a different aspect, short, specific, and in the "
    "language of the search. Reply with a numbered list, one question per line, and nothing else."
)
RELATED_QUESTIONS_TEMPERATURE = 0.9
"""RAGFlow's temperature for related questions unless the search app sets one."""
RELATED_QUESTIONS_TOKENS = 256
MAX_RELATED_QUESTIONS = 10
LONGEST_QUESTION = 300

_MARKER = re.compile(r"^\s*(?:\(?\d{1,2}[.)]\s+|\d{1,2}[、:：]\s*|[-*•+·]\s+)")
_RUN_TOGETHER = re.compile(r"\s+(?=\d{1,2}[.)]\s)")
_DECORATION = " \t\"'`*_“”‘’「」"
_LABELS = ("search:", "related searches", "related questions", "keywords:")


def related_questions_messages(question: str, count: int = 5) -> list[ChatMessage]:
    return [
        ChatMessage("system", RELATED_QUESTIONS_SYSTEM.format(count=count)),
        ChatMessage("user", f"Search: {question}\nRelated searches:"),
    ]


def parse_related_questions(reply: str, question: str = "", limit: int = MAX_RELATED_QUESTIONS) -> list[str]:
    """The questions of a model's reply, in order, without list markers, repeats or the
    user's own question. When some lines carry list markers, only those count (an intro or
    outro line is prose); otherwise every line that is not a heading does."""
    lines = [line for line in reply.splitlines() if line.strip()]
    if len(lines) == 1:
        lines = _RUN_TOGETHER.split(lines[0])
    marked = [line for line in lines if _MARKER.match(line)]
    candidates = marked or lines
    seen = {_key(question)}
    questions: list[str] = []
    for line in candidates:
        text = _MARKER.sub("", line, count=1).strip(_DECORATION)
        key = _key(text)
        if not key or key in seen or len(text) > LONGEST_QUESTION:
            continue
        if text.endswith((":", "：")) or key.startswith(_LABELS):
            continue
        seen.add(key)
        questions.append(text)
        if len(questions) == limit:
            break
    return questions


def _key(text: str) -> str:
    """What makes two questions the same: case, spaces and closing punctuation aside."""
    return " ".join(text.lower().split()).rstrip("?？.。!！ ")

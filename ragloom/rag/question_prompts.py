"""Prompts that ask a chat model to help retrieval: keywords of a question, translations of it."""

from __future__ import annotations

import re

from ragloom.providers.chat.protocol import ChatMessage

KEYWORDS_SYSTEM = (
    "You extract search keywords. Reply with at most {count} keywords or short phrases that a search "
    "engine should look for to answer the user's text, in the text's language, separated by commas, "
    "and nothing else."
)
TRANSLATE_SYSTEM = (
    "You translate search questions. Translate the user's text into {language}. Reply with the "
    "translation only, with no explanation."
)


def keyword_messages(question: str, count: int = 5) -> list[ChatMessage]:
    return [ChatMessage("system", KEYWORDS_SYSTEM.format(count=count)), ChatMessage("user", question)]


def translation_messages(question: str, language: str) -> list[ChatMessage]:
    return [ChatMessage("system", TRANSLATE_SYSTEM.format(language=language)), ChatMessage("user", question)]


def parse_keywords(reply: str, count: int = 5) -> list[str]:
    """The keywords of a model's reply: split at commas, semicolons, new lines; list markers stripped."""
    parts = re.split(r"[,;，；、\n]+", reply)
    cleaned = [re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", part).strip(" \"'`.") for part in parts]
    return list(dict.fromkeys(part for part in cleaned if part and len(part) <= 64))[:count]


STANDALONE_SYSTEM = (
    "You rewrite the user's last question so that it can be understood without the conversation: "
    "resolve pronouns and references using the earlier turns. Reply with the rewritten question only, "
    "in the question's language."
)


def standalone_messages(history: list[ChatMessage], turns: int = 6) -> list[ChatMessage]:
    """The conversation so far, compressed into one request for a self-contained last question."""
    lines = [f"{message.role.upper()}: {message.content}" for message in history[-turns:]]
    return [ChatMessage("system", STANDALONE_SYSTEM), ChatMessage("user", "\n".join(lines))]

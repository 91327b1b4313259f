"""The older chat shape: ``llm`` and ``prompt`` objects, as RAGFlow's earlier SDK reference and
programs written for it send them (``assistant.update({"llm": {"temperature": 0.8}, "prompt":
{"top_n": 8}})``), mapped onto today's keys — never ignored.

Each object updates the keys it names (on ``PUT`` too: it is how such programs meant it). A key
sent in today's shape wins over the same setting in an older object; a key an older object does
not know, or an object that is not one, is a 102 naming the valid keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ragloom.errors import DataError

LLM_KEYS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "presence_penalty": "presence_penalty",
    "frequency_penalty": "frequency_penalty",
    "max_tokens": "max_tokens",
    "max_token": "max_tokens",  # the reference's spelling
}
"""``llm`` keys that are generation settings (``llm_setting``), by their name there."""

PROMPT_CONFIG_KEYS = {
    "prompt": "system",
    "opener": "prologue",
    "show_quote": "quote",
    "variables": "parameters",
    "empty_response": "empty_response",
}
"""``prompt`` keys that live in ``prompt_config`` today, by their name there."""

PROMPT_KEYS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "similarity_threshold": ("similarity_threshold", lambda value: value),
    "top_n": ("top_n", lambda value: value),
    "top_k": ("top_k", lambda value: value),
    "rerank_model": ("rerank_id", lambda value: value),
    # the older shape weighs keywords; today's key weighs vectors: the two add up to 1
    "keywords_similarity_weight": (
        "vector_similarity_weight",
        lambda value: 1 - value if isinstance(value, int | float) and not isinstance(value, bool) else value,
    ),
}
"""``prompt`` keys that are chat settings today: their key, and how the value carries over."""


def _object(body: Mapping[str, Any], key: str, known: set[str]) -> dict[str, Any]:
    value = body.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DataError(f"`{key}` should be an object.")
    unknown = sorted(set(value) - known)
    if unknown:
        raise DataError(f"`{key}` does not take {', '.join(unknown)}; it takes {', '.join(sorted(known))}.")
    return value


def modern(body: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """``body`` with its ``llm`` and ``prompt`` objects mapped onto today's keys, and whether it had any."""
    llm = _object(body, "llm", {*LLM_KEYS, "model_name"})
    prompt = _object(body, "prompt", {*PROMPT_CONFIG_KEYS, *PROMPT_KEYS})
    result = {key: value for key, value in body.items() if key not in {"llm", "prompt"}}
    if not llm and not prompt:
        return result, "llm" in body or "prompt" in body
    if "model_name" in llm:
        result.setdefault("llm_id", llm["model_name"])
    settings = {LLM_KEYS[key]: value for key, value in llm.items() if key in LLM_KEYS}
    if settings:
        result["llm_setting"] = {**settings, **(result.get("llm_setting") or {})}
    for key, value in prompt.items():
        if key in PROMPT_KEYS:
            target, convert = PROMPT_KEYS[key]
            result.setdefault(target, convert(value))
    config = {PROMPT_CONFIG_KEYS[key]: value for key, value in prompt.items() if key in PROMPT_CONFIG_KEYS}
    sent = result.get("prompt_config")
    if config and (sent is None or isinstance(sent, dict)):  # anything else is refused as sent
        result["prompt_config"] = {**config, **(sent or {})}
    return result, True

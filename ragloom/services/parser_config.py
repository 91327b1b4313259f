"""Default ``parser_config`` per chunk method, and how configs combine."""

from __future__ import annotations

import copy
from typing import Any

from ragloom.errors import DataError
from ragloom.rag.scoring_modes import SCORING_MODES

RAPTOR_PROMPT = (
    "Please summarize the following paragraphs. Be careful with the numbers, do not make things up. "
    "Paragraphs as following:\n      {cluster_content}\nThe above is the content you need to summarize."
)

_NAIVE: dict[str, Any] = {
    "layout_recognize": "DeepDOC",
    "chunk_token_num": 512,
    "delimiter": "\n",
    "auto_keywords": 0,
    "auto_questions": 0,
    "html4excel": False,
    "image_context_size": 0,
    "table_context_size": 0,
    "topn_tags": 3,
    "raptor": {
        "use_raptor": True,
        "prompt": RAPTOR_PROMPT,
        "max_token": 256,
        "threshold": 0.1,
        "max_cluster": 64,
        "random_seed": 0,
    },
    "graphrag": {
        "use_graphrag": True,
        "entity_types": ["organization", "person", "geo", "event", "category"],
        "method": "light",
        "batch_chunk_token_size": 4096,
        "retry_attempts": 2,
        "retry_backoff_seconds": 2.0,
        "retry_backoff_max_seconds": 60.0,
        "build_subgraph_timeout_per_chunk_seconds": 300,
        "build_subgraph_min_timeout_seconds": 600,
        "merge_timeout_seconds": 180,
        "resolution_timeout_seconds": 1800,
        "community_timeout_seconds": 1800,
        "lock_acquire_timeout_seconds": 600,
    },
    "parent_child": {"use_parent_child": False, "children_delimiter": "\n"},
    "children_delimiter": "",
}
_CONTEXT_ONLY: dict[str, Any] = {"image_context_size": 0, "table_context_size": 0}
_NO_ENRICHMENT: dict[str, Any] = {
    "raptor": {"use_raptor": False},
    "graphrag": {"use_graphrag": False},
    **_CONTEXT_ONLY,
}
_KNOWLEDGE_GRAPH: dict[str, Any] = {
    "chunk_token_num": 8192,
    "delimiter": "\\n",
    "entity_types": ["organization", "person", "location", "event", "time"],
    "raptor": {"use_raptor": False},
    "graphrag": {"use_graphrag": False},
    **_CONTEXT_ONLY,
}

_DEFAULTS: dict[str, dict[str, Any]] = {
    "naive": _NAIVE,
    **dict.fromkeys(("qa", "manual", "paper", "book", "laws", "presentation"), _NO_ENRICHMENT),
    "knowledge_graph": _KNOWLEDGE_GRAPH,
}

DATASET_CHUNK_METHODS = (
    "naive",
    "book",
    "email",
    "laws",
    "manual",
    "one",
    "paper",
    "picture",
    "presentation",
    "qa",
    "table",
    "tag",
    "resume",
)
DOCUMENT_CHUNK_METHODS = (
    "naive",
    "manual",
    "qa",
    "table",
    "paper",
    "book",
    "laws",
    "presentation",
    "picture",
    "one",
    "knowledge_graph",
    "email",
    "tag",
)


def method_defaults(chunk_method: str, *, llm_id: str | None = None) -> dict[str, Any]:
    """A fresh copy of ``chunk_method``'s default config, plus ``llm_id`` when given."""
    config = copy.deepcopy(_DEFAULTS.get(chunk_method, _CONTEXT_ONLY))
    if llm_id is not None:
        config["llm_id"] = llm_id
    return config


def deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """``update`` over ``base``: nested dicts merge, everything else replaces."""
    merged = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def lift_ext(config: dict[str, Any]) -> dict[str, Any]:
    """Move the keys of ``config["ext"]`` to the top level (``ext`` is an open bag)."""
    lifted = dict(config)
    extra = lifted.pop("ext", None) or {}
    return {**lifted, **extra}


def children_delimiter(config: dict[str, Any]) -> str:
    """The delimiter of child chunks: set only when parent-child chunking is on."""
    parent_child = config.get("parent_child") or {}
    if parent_child.get("use_parent_child"):
        return str(parent_child.get("children_delimiter", "\n"))
    return ""


def config_for_create(chunk_method: str, given: dict[str, Any] | None, *, llm_id: str) -> dict[str, Any]:
    """The config a new dataset stores: method defaults, or ``given`` merged over them.

    ``given`` is the full validated ParserConfig (every default filled in).
    """
    defaults = method_defaults(chunk_method, llm_id=llm_id)
    if not given:
        return defaults
    merged = _checked_scoring(deep_merge(defaults, lift_ext(given)))
    merged["llm_id"] = llm_id
    merged["children_delimiter"] = children_delimiter(merged)
    return merged


def config_for_update(current: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """``given`` (only the keys sent) merged into a dataset's current config."""
    merged = _checked_scoring(deep_merge(current, lift_ext(given)))
    parent_child = given.get("parent_child")
    if isinstance(parent_child, dict) and parent_child.get("use_parent_child") is False:
        merged["parent_child"] = {}
        merged["children_delimiter"] = ""
        merged["enable_children"] = False
    elif isinstance(parent_child, dict) and parent_child.get("use_parent_child"):
        merged["children_delimiter"] = children_delimiter(merged)
        merged["enable_children"] = True
    return merged


def _checked_scoring(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` without a ``scoring`` of ``None`` (the server's default then applies); any other
    value must name a scoring mode (:mod:`ragloom.rag.scoring_modes`), also when it came in ``ext``."""
    if config.get("scoring", "") is None:
        config.pop("scoring")
    elif "scoring" in config and config["scoring"] not in SCORING_MODES:
        valid = ", ".join(f"'{mode}'" for mode in SCORING_MODES)
        raise DataError(f"parser_config.scoring must be one of {valid}, not {config['scoring']!r}.")
    return config

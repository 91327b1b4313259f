"""Documents' metadata (``meta_fields``) edited in bulk, summarised and flattened, as RAGFlow's
dataset-level metadata routes do (contract §13.2).

Values are compared as text, so a ``match`` of ``2024`` finds ``"2024"``. A key holds a scalar
(text or a number) or a list of scalars:

- an update without ``match`` sets the key (a list value loses its repeats);
- an update with ``match`` changes only a key that holds that value: a scalar is replaced,
  and in a list each equal element is (a list value's items take the element's place);
  a document without the key is left alone;
- a delete without ``value`` removes the key; with ``value`` it removes that value (from a
  list, every equal element; a list left empty goes with its key).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MetaScalar = str | int | float
MetaValue = MetaScalar | list[MetaScalar]

_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")


@dataclass(frozen=True)
class MetadataUpdate:
    """Set ``key`` to ``value`` (only where it holds ``match``, when ``match_given``)."""

    key: str
    value: MetaValue
    match: MetaScalar | None = None
    match_given: bool = False


@dataclass(frozen=True)
class MetadataDelete:
    """Remove ``key`` (or only its ``value``)."""

    key: str
    value: MetaScalar | None = None


def _same(left: object, right: object) -> bool:
    return str(left) == str(right)


def _unique(values: Sequence[MetaScalar]) -> list[MetaScalar]:
    seen: dict[str, MetaScalar] = {}
    for value in values:
        seen.setdefault(f"{type(value).__name__}:{value}", value)
    return list(seen.values())


def _as_list(value: MetaValue) -> list[MetaScalar]:
    return list(value) if isinstance(value, list) else [value]


def _apply_update(meta: dict[str, Any], update: MetadataUpdate) -> None:
    key, value = update.key, update.value
    new = _unique(value) if isinstance(value, list) else value
    if not update.match_given:
        meta[key] = new
        return
    current = meta.get(key)
    if isinstance(current, list) and any(_same(item, update.match) for item in current):
        replaced: list[MetaScalar] = []
        for item in current:
            replaced.extend(_as_list(value) if _same(item, update.match) else [item])
        meta[key] = _unique(replaced)
    elif key in meta and not isinstance(current, list) and _same(current, update.match):
        meta[key] = new


def _apply_delete(meta: dict[str, Any], delete: MetadataDelete) -> None:
    key = delete.key
    if key not in meta:
        return
    current = meta[key]
    if delete.value is None:
        del meta[key]
    elif isinstance(current, list):
        kept = [item for item in current if not _same(item, delete.value)]
        if kept:
            meta[key] = kept
        else:
            del meta[key]
    elif _same(current, delete.value):
        del meta[key]


def edited(
    meta: Mapping[str, Any], updates: Sequence[MetadataUpdate], deletes: Sequence[MetadataDelete]
) -> dict[str, Any] | None:
    """The metadata after the updates, then the deletes; ``None`` when nothing changed."""
    result = {key: list(value) if isinstance(value, list) else value for key, value in meta.items()}
    for update in updates:
        _apply_update(result, update)
    for delete in deletes:
        _apply_delete(result, delete)
    return None if result == dict(meta) else result


def _value_type(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "number"
    if isinstance(value, str) and _TIME.match(value.strip()):
        return "time"
    return "string"


def _present(values: Iterable[Any]) -> list[Any]:
    return [value for value in values if value is not None and not (isinstance(value, str) and not value.strip())]


def summary(metas: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per key: its most common kind of value and ``[value, documents]`` pairs, most common first."""
    counts: dict[str, Counter[str]] = {}
    kinds: dict[str, Counter[str]] = {}
    for meta in metas:
        for key, value in meta.items():
            present = _present(_as_list(value) if isinstance(value, list) else [value])
            if not present:
                continue
            kinds.setdefault(key, Counter())[_value_type(value)] += 1
            counts.setdefault(key, Counter()).update(list(dict.fromkeys(str(item) for item in present)))
    return {
        key: {"type": kinds[key].most_common(1)[0][0], "values": [[text, n] for text, n in values.most_common()]}
        for key, values in counts.items()
    }


def flattened(documents: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, dict[str, list[str]]]:
    """Per key and value (as text), the documents holding it."""
    result: dict[str, dict[str, list[str]]] = {}
    for document_id, meta in documents:
        for key, value in meta.items():
            for item in _as_list(value) if isinstance(value, list) else [value]:
                if item is None:
                    continue
                holders = result.setdefault(key, {}).setdefault(str(item), [])
                if document_id not in holders:
                    holders.append(document_id)
    return result

"""Auto-metadata: the fields configured on the dataset (``/datasets/{id}/metadata/config``, kept in
``parser_config.metadata``) read from the document's text into its ``meta_fields``.

One call per document over its opening text. Each value must fit its field: a string (one of the
field's ``enum`` when it has one), a list of strings (each in the ``enum``), a number, or a time
written ``YYYY-MM-DD`` (a time of day after it is kept). A value that does not fit is left out, and
a field the model leaves out keeps the value the document had.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ragloom.enrich.errors import UnreadableReplyError
from ragloom.enrich.job import EnrichmentJob
from ragloom.enrich.model_calls import Ask, EnrichmentModel, Prompting
from ragloom.enrich.protocol import Phase
from ragloom.enrich.replies import json_value, shorten
from ragloom.ingest.context import IngestContext
from ragloom.providers.chat import ChatMessage, GenerationOptions

SETTING = "auto_metadata"
TEXT_TOKENS = 3000
"""How much of the document's opening the model reads."""
SYSTEM = "You fill in a document's metadata from its text, and never invent a value the text does not give."
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$")
_SCHEMA_TYPES = {"string": "string", "list": "array", "number": "number", "time": "string"}
LONGEST_VALUE = 120
MOST_ITEMS = 8
TOKENS_PER_FIELD = 64
"""Bounds of the answer, so that a small model cannot write one endless value."""


def fields_of(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The configured fields (``{"key", "type", "description", "enum"}``) with a key."""
    if config.get("enable_metadata") is False:
        return []
    fields = config.get("metadata") or []
    return [field for field in fields if isinstance(field, dict) and str(field.get("key") or "").strip()]


def describe(field: Mapping[str, Any]) -> str:
    line = f"- {field['key']} ({field.get('type') or 'string'})"
    if field.get("description"):
        line += f": {field['description']}"
    if field.get("enum"):
        line += f". One of: {', '.join(str(value) for value in field['enum'])}"
    return line


def schema(fields: list[dict[str, Any]]) -> dict[str, Any]:
    """The answer's JSON schema (the built-in model is held to it): each field's type and enum, and
    bounded strings and lists."""
    properties: dict[str, Any] = {}
    for field in fields:
        kind = _SCHEMA_TYPES.get(str(field.get("type")), "string")
        enum = [str(value) for value in field.get("enum") or []]
        text = {"type": "string", **({"enum": enum} if enum else {"maxLength": LONGEST_VALUE})}
        if kind == "array":
            properties[field["key"]] = {"type": "array", "items": text, "maxItems": MOST_ITEMS}
        elif kind == "number":
            properties[field["key"]] = {"type": "number"}
        elif field.get("type") == "time":
            properties[field["key"]] = {"type": "string", "maxLength": len("2024-01-31 23:59:59")}
        else:
            properties[field["key"]] = text
    return {"type": "object", "properties": properties}


def _in_enum(value: str, enum: list[str]) -> str | None:
    if not enum:
        return value
    return next((choice for choice in enum if choice.lower() == value.lower()), None)


def fitted(field: Mapping[str, Any], value: Any) -> Any | None:
    """``value`` as the field's type allows it, or ``None`` when it does not fit."""
    kind = field.get("type") or "string"
    enum = [str(choice) for choice in field.get("enum") or []]
    if value is None or value == "" or value == []:
        return None
    if kind == "number":
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            return value
        try:
            number = float(str(value).replace(",", "").strip())
        except ValueError:
            return None
        return int(number) if number.is_integer() else number
    if kind == "list":
        items = value if isinstance(value, list) else [value]
        kept = [_in_enum(str(item).strip(), enum) for item in items if str(item).strip()]
        return [item for item in dict.fromkeys(kept) if item] or None
    if isinstance(value, dict | list):
        return None
    text = str(value).strip()
    if kind == "time":
        return text if _TIME.match(text) else None
    return _in_enum(text, enum)


def values_reader(fields: list[dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
    """Reads an answer into the values that fit their fields (an object is required)."""

    def read(reply: str) -> dict[str, Any]:
        value = json_value(reply)
        if not isinstance(value, dict):
            raise UnreadableReplyError(f"an answer that is not a JSON object: {shorten(reply)!r}")
        found = {}
        for field in fields:
            kept = fitted(field, value.get(field["key"]))
            if kept is not None:
                found[field["key"]] = kept
        return found

    return read


class MetadataEnricher:
    """The dataset's metadata fields per document, one model call each."""

    name = SETTING
    phase = Phase.BEFORE_EMBEDDING

    def requested(self, config: Mapping[str, Any]) -> bool:
        return bool(fields_of(config))

    def planned_calls(self, job: EnrichmentJob) -> int:
        return 1 if job.chunks else 0

    def run(self, job: EnrichmentJob, model: EnrichmentModel, context: IngestContext) -> str:
        fields = fields_of(job.config)
        if not job.chunks:
            return "No text to read metadata from."
        text = model.fit("\n\n".join(chunk.content for chunk in job.chunks[:64]), TEXT_TOKENS)
        request = (
            "Fill in these fields from the document:\n"
            + "\n".join(describe(field) for field in fields)
            + "\n\nAnswer with one JSON object whose keys are the field names and nothing else. Leave out a field "
            "the document does not tell. A list field is a JSON array of strings, a number field a JSON number, "
            "a time field a date written YYYY-MM-DD."
        )
        user = f'Document "{job.document_name}":\n<<<\n{text}\n>>>\n\n{request}'
        prompting = Prompting(
            SETTING,
            {"system": SYSTEM, "request": request},
            GenerationOptions(
                temperature=0.0, max_tokens=32 + TOKENS_PER_FIELD * len(fields), json_schema=schema(fields)
            ),
        )
        ask = Ask(text, (ChatMessage("system", SYSTEM), ChatMessage("user", user)))
        (values,) = model.ask_all(prompting, [ask], values_reader(fields), context)
        job.metadata.update(values or {})
        named = ", ".join(sorted(values or {})) or "none"
        return f"Metadata from {model.model_id}: {len(values or {})} of {len(fields)} fields ({named})."

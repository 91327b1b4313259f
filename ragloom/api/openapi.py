"""The OpenAPI document, built from what each route declares, so it says what the routes do.

For every route in the schema:

- its **request body** and **query parameters** are the models of its readers
  (:mod:`ragloom.api.inputs`) — the models that validate them — as JSON Schema in validation
  mode; a route that reads no body says so (``x-no-body``);
- its **responses** are its envelope (:func:`ragloom.api.routing.envelope`): the success shape
  with ``data`` as declared, or a file, text, or a body that is no envelope, and the error
  envelope; server-sent events where the route streams; ``x-envelope`` names the shape
  (contract §1.3), ``x-success`` and ``x-streams`` what else the success may be, ``x-events``
  what a stream's events carry;
- the **Bearer API key** is required (``ApiKey``) wherever the route depends on the caller,
  with the 401 answer every such route gives;
- its **operation id** is the route's name (the function's, or ``name=`` for an alias), and
  its tags are its router's.
"""

from __future__ import annotations

from typing import Any

import fastapi.routing
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter

from ragloom.api.deps import KeyCheck, key_check_of
from ragloom.api.envelopes import Envelope
from ragloom.api.inputs import Declared, declared_by, readers
from ragloom.api.routing import METHOD_NOT_ALLOWED, Answer, Events, Success, answer_of

SECURITY_SCHEME = "ApiKey"
REF = "#/components/schemas/{model}"
UNAUTHORIZED = "<Unauthorized '401: Unauthorized'>"

TAGS = [
    {"name": "datasets", "description": "Datasets (knowledge bases) and their auto-metadata settings."},
    {"name": "documents", "description": "Upload, list, update, download and delete a dataset's documents."},
    {"name": "parsing", "description": "Start and stop parsing documents into chunks."},
    {"name": "chunks", "description": "A document's chunks: list, add, update, delete, switch on or off."},
    {"name": "retrieval", "description": "Search chunks across datasets."},
    {
        "name": "evaluations",
        "description": "ragloom's own: measure retrieval on a dataset (nDCG@10, recall@k, MRR, per-question "
        "ranks) for one or several parameter sets, as a background task.",
    },
    {"name": "tags", "description": "The tags of a dataset's chunks: counts, renaming, removal."},
    {"name": "metadata", "description": "Documents' metadata across a dataset: summary, flattened, bulk edits."},
    {"name": "ingestion", "description": "A dataset's ingestion log (its parse tasks) and summary."},
    {
        "name": "enrichment",
        "description": "Knowledge graph, RAPTOR and mind-map indexes of a dataset (not built by ragloom yet).",
    },
    {"name": "chats", "description": "Chat assistants."},
    {"name": "chat sessions", "description": "A chat's sessions and their messages."},
    {"name": "chat", "description": "Questions to a chat, streamed or whole."},
    {"name": "openai", "description": "OpenAI-compatible chat completions over a chat."},
    {"name": "agents", "description": "Agents (canvas DSLs), their versions and sessions, and conversing with them."},
    {"name": "mcp", "description": "MCP servers whose tools a tenant's agents may call."},
    {
        "name": "memories",
        "description": "Memories of dialogue turns: add, search, list, enable or disable and forget messages.",
    },
    {
        "name": "search apps",
        "description": "Saved searches and their streamed answers, related questions, the search widget's routes.",
    },
    {"name": "models", "description": "The models a tenant can use, its defaults, and its own remote models."},
    {"name": "system", "description": "Health, version and API keys."},
]

_ERROR = {
    "type": "object",
    "description": "A refusal: `code` says why (contract §1.4).",
    "required": ["code", "message"],
    "properties": {"code": {"type": "integer", "not": {"const": 0}}, "message": {"type": "string"}, "data": {}},
}
_OPENAI_ERROR = {
    "type": "object",
    "description": "OpenAI's error object (the OpenAI-compatible routes): `code` is RAGFlow's code.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type"],
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string"},
                "param": {"type": ["string", "null"]},
                "code": {"type": ["integer", "null"]},
            },
        }
    },
}
_UNAUTHORIZED = {
    "type": "object",
    "required": ["code", "message", "data"],
    "properties": {
        "code": {"const": 401},
        "message": {"const": UNAUTHORIZED},
        "data": {"type": "null"},
    },
}
DESCRIPTION = f"""RAGFlow's public HTTP API (v0.26), as `ragflow-sdk` and RAGFlow programs use it.

Every answer is JSON in one of RAGFlow's envelopes (each operation's `x-envelope`): `code` 0 is
success; any other code is a refusal with a `message` (101 a malformed request, 102 a business
rule, 109 not the caller's, 100 an exception as RAGFlow words it), sent with HTTP 200 — but for
401 (no or a wrong API key, HTTP 401) and unknown paths (HTTP 404). A known path with another
method answers HTTP 200, code 100, `{METHOD_NOT_ALLOWED}`.

Send the API key as `Authorization: Bearer <key>` (the Authorize button)."""


EVENTS = {
    Events.ENVELOPES: "JSON: an envelope per event (code 500 when the model fails), then `true`.",
    Events.AGENT: "JSON: RAGFlow's agent event (`event`, `data`, ...) or a code-500 envelope when the run fails, "
    "then `[DONE]`.",
    Events.OPENAI: 'JSON: OpenAI\'s `chat.completion.chunk` (an `{"error": …}` object when the model or run '
    "fails), then `[DONE]`.",
}


def _event(events: tuple[Events, ...]) -> dict[str, Any]:
    """One server-sent event of a stream carrying ``events``."""
    return {
        "type": "object",
        "description": "One server-sent event.",
        "required": ["data"],
        "properties": {"data": {"type": "string", "description": " Or ".join(EVENTS[kind] for kind in events)}},
    }


class DocumentedAPI(FastAPI):
    """A FastAPI application whose OpenAPI document is :func:`build_document`'s."""

    def openapi(self) -> dict[str, Any]:
        if not self.openapi_schema:
            self.openapi_schema = build_document(self)
        return self.openapi_schema


def api_routes(app: FastAPI) -> list[Any]:
    """The routes the document describes, each with its path, methods, name, endpoint and
    dependant as the application serves it (FastAPI 0.150+ includes routers lazily: their
    routes are seen through route contexts)."""
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    candidates: list[Any] = list(contexts(app.routes) if contexts is not None else app.routes)
    return [
        route
        for route in candidates
        if isinstance(getattr(route, "original_route", route), APIRoute) and route.include_in_schema
    ]


def declared_inputs(route: Any) -> Declared:
    """Everything ``route``'s readers declare, together."""
    bodies: list[tuple[str, type[BaseModel]]] = []
    query: type[BaseModel] | None = None
    no_body = required = False
    for dependant in readers(route.dependant):
        declared = declared_by(dependant.call)
        if declared is None:
            continue
        bodies.extend(declared.bodies)
        query = declared.query or query
        no_body = no_body or declared.no_body
        required = required or declared.body_required
    return Declared(tuple(dict.fromkeys(bodies)), query, no_body, required)


def key_check(route: Any) -> KeyCheck | None:
    """How ``route`` checks the API key (``None``: it needs none)."""
    for dependant in readers(route.dependant):
        check = key_check_of(dependant.call)
        if check is not None:
            return check
    return None


def build_document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of ``app`` (see the module docstring)."""
    routes = api_routes(app)
    document = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description or DESCRIPTION,
        routes=app.routes,
        tags=TAGS,
    )
    schemas = _Schemas(routes)
    components = document.setdefault("components", {})
    components["schemas"] = {
        **schemas.definitions,
        "Error": _ERROR,
        "Unauthorized": _UNAUTHORIZED,
        "OpenAIError": _OPENAI_ERROR,
    }
    components["securitySchemes"] = {
        SECURITY_SCHEME: {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key (`ragflow-…`) from `ragloom apikey create` or `POST /api/v1/system/tokens`.",
        }
    }
    for route in routes:
        for method in sorted(route.methods or ()):
            _describe(document["paths"][route.path_format][method.lower()], route, schemas)
    return document


class _Schemas:
    """JSON Schemas of every model and data type the routes declare, with shared definitions."""

    def __init__(self, routes: list[Any]) -> None:
        inputs: dict[Any, TypeAdapter[Any]] = {}
        for route in routes:
            declared = declared_inputs(route)
            for _, model in declared.bodies:
                inputs[model] = TypeAdapter(model)
            if declared.query is not None:
                inputs[declared.query] = TypeAdapter(declared.query)
            data = answer_of(route.endpoint).data
            if data is not None:
                inputs[data] = TypeAdapter(data)
        keyed, definitions = TypeAdapter.json_schemas(
            [(key, "validation", adapter) for key, adapter in inputs.items()], ref_template=REF
        )
        self.definitions: dict[str, Any] = {
            name: _without_null_defaults(schema) for name, schema in definitions.get("$defs", {}).items()
        }
        self._schemas = {key: schema for (key, _mode), schema in keyed.items()}

    def of(self, key: Any) -> dict[str, Any]:
        schema: dict[str, Any] = self._schemas[key]
        return schema

    def resolved(self, key: Any) -> dict[str, Any]:
        schema = self.of(key)
        reference = schema.get("$ref")
        if isinstance(reference, str):
            resolved: dict[str, Any] = self.definitions[reference.rsplit("/", 1)[1]]
            return resolved
        return schema


def _without_null_defaults(schema: dict[str, Any]) -> dict[str, Any]:
    """A model schema without ``"default": null`` on its properties: a key that is left out is
    simply not sent (the value clients should send is what the property's type says)."""
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return schema
    cleaned = {
        key: {name: value for name, value in prop.items() if not (name == "default" and value is None)}
        for key, prop in properties.items()
    }
    return {**schema, "properties": cleaned}


def _describe(operation: dict[str, Any], route: Any, schemas: _Schemas) -> None:
    operation["operationId"] = route.name
    declared = declared_inputs(route)
    if declared.bodies:
        operation["requestBody"] = {
            "required": declared.body_required,
            "content": {media: {"schema": schemas.of(model)} for media, model in declared.bodies},
        }
    elif declared.no_body:
        operation["x-no-body"] = True
        operation["description"] = _joined(operation.get("description"), "Takes no request body.")
    path_parameters = [item for item in operation.get("parameters", []) if item.get("in") == "path"]
    query = _query_parameters(schemas, declared.query) if declared.query is not None else []
    if path_parameters or query:
        operation["parameters"] = path_parameters + query
    answer = answer_of(route.endpoint)
    operation["responses"] = _responses(answer, schemas)
    operation["x-envelope"] = answer.shape.value
    operation["x-success"] = answer.success.value
    if answer.streams:
        operation["x-streams"] = True
        operation["x-events"] = [kind.value for kind in answer.events]
    check = key_check(route)
    if check is None:
        return
    operation["security"] = [{SECURITY_SCHEME: []}]
    if check.status == 401:
        refused = "OpenAIError" if answer.shape is Envelope.O else "Unauthorized"
        operation["responses"]["401"] = {
            "description": check.refusal,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=refused)}}},
        }
    else:
        operation["x-key-refusal"] = check.refusal
        operation["description"] = _joined(operation.get("description"), check.refusal)


def _joined(first: str | None, second: str) -> str:
    return f"{first}\n\n{second}" if first else second


def _query_parameters(schemas: _Schemas, model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = schemas.resolved(model)
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        described = {key: value for key, value in prop.items() if key not in {"title", "description"}}
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        if "description" in prop:
            parameter["description"] = prop["description"]
        if _is(described, "object"):
            parameter["content"] = {"application/json": {"schema": described}}  # a JSON value in the string
        else:
            parameter["schema"] = described
            if _is(described, "array"):
                parameter["style"], parameter["explode"] = "form", True  # ?ids=a&ids=b
        parameters.append(parameter)
    return parameters


def _is(schema: dict[str, Any], kind: str) -> bool:
    return schema.get("type") == kind or any(_is(option, kind) for option in schema.get("anyOf", ()))


def _success(shape: Envelope, data: dict[str, Any]) -> dict[str, Any]:
    """The success body of ``shape`` with ``data`` (contract §1.3)."""
    code = {"const": 0}
    if shape in (Envelope.J, Envelope.JD, Envelope.M):
        message = {"const": True} if shape is Envelope.M else {"const": "success"}
        return {
            "type": "object",
            "required": ["code", "message", "data"],
            "properties": {"code": code, "message": message, "data": data},
        }
    properties: dict[str, Any] = {"code": code, "data": data}
    required = ["code"]
    if shape is Envelope.C:
        properties["message"] = {"type": "string"}
        required.append("message")
    return {"type": "object", "required": required, "properties": properties}


def _openai_responses(answer: Answer) -> dict[str, Any]:
    """An OpenAI-compatible route: OpenAI's object, or its error object with an error status."""
    error = {"$ref": REF.format(model="OpenAIError")}
    success: dict[str, Any] = {"application/json": {"schema": {"type": "object", "description": str(answer.raw)}}}
    if answer.streams:
        success["text/event-stream"] = {"schema": _event(answer.events)}
    refusals = {
        "400": "A request that cannot be served as sent.",
        "404": "No such chat or agent of the caller's.",
        "500": "The model or the run failed.",
    }
    responses: dict[str, Any] = {"200": {"description": f"{answer.raw}.", "content": success}}
    for status, description in refusals.items():
        responses[status] = {"description": description, "content": {"application/json": {"schema": error}}}
    return responses


def _responses(answer: Answer, schemas: _Schemas) -> dict[str, Any]:
    if answer.shape is Envelope.O:
        return _openai_responses(answer)
    error = {"$ref": REF.format(model="Error")}
    data = schemas.of(answer.data) if answer.data is not None else {}
    enveloped = {"anyOf": [_success(answer.shape, data), error]}
    content: dict[str, Any]
    if answer.success is Success.FILE:
        content = {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "application/json": {"schema": error},
        }
        description = "The file's bytes (with its own content type), or a refusal in the envelope."
    elif answer.success is Success.TEXT:
        content = {"text/plain": {"schema": {"type": "string"}}}
        description = "Plain text."
    elif answer.success is Success.BARE:
        bare = {"type": "object", "description": str(answer.raw)}
        content = {"application/json": {"schema": {"anyOf": [bare, error]}}}
        description = str(answer.raw)
    else:
        content = {"application/json": {"schema": enveloped}}
        description = f"Envelope {answer.shape.value}: success has code 0; a refusal a code and a message."
    if answer.streams:
        content["text/event-stream"] = {"schema": _event(answer.events)}
        description += " With `stream`, server-sent events instead."
    return {"200": {"description": description, "content": content}}

"""The OpenAPI document says everything a client needs: every route's body and query
parameters (from the models that validate them), the API key where it is needed, the
envelope of every answer, and operation ids that are readable, unique and stable."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ragloom.api.auth import services_of
from ragloom.api.deps import key_check_of, limits_of
from ragloom.api.inputs import declared_by, readers
from ragloom.api.openapi import SECURITY_SCHEME, api_routes, declared_inputs

BODY_METHODS = {"post", "put", "patch", "delete"}
PUBLIC = {"healthz", "ping", "version", "config"}
# Ids clients and generated code may already use: they never change (new routes add their own).
KNOWN_IDS = {
    "create_dataset", "list_datasets", "get_dataset", "update_dataset", "delete_datasets",
    "get_metadata_config", "put_metadata_config",
    "upload_documents", "list_documents", "update_document", "update_document_put", "delete_documents",
    "download_document", "download_by_id", "preview_document",
    "start_parsing", "stop_parsing", "parse_documents", "stop_documents",
    "list_chunks", "get_chunk", "add_chunk", "update_chunk", "update_chunk_put", "delete_chunks",
    "set_availability", "chunk_image", "retrieve",
    "create_chat", "list_chats", "get_chat", "patch_chat", "put_chat", "delete_chat", "delete_chats",
    "create_session", "list_sessions", "get_session", "rename_session", "rename_session_put", "delete_sessions",
    "delete_message", "message_feedback", "chat_completions", "completions",
    "openai_completions", "chats_openai_completions",
    "list_models", "get_defaults", "set_defaults", "list_tenant_models", "put_tenant_model", "delete_tenant_model",
    "healthz", "ping", "version", "status", "config", "list_tokens", "create_token", "delete_token",
    # dataset-level routes (contract §13)
    "search_datasets", "search_dataset", "aggregate_tags", "list_tags", "rename_tag", "delete_tags",
    "flattened_metadata", "metadata_summary", "update_metadata", "patch_metadatas", "document_metadata_config",
    "ingestion_summary_of", "list_ingestion_logs", "get_ingestion_log",
    "run_index", "trace_index", "delete_index", "knowledge_graph", "run_graphrag", "run_raptor", "trace_graphrag",
    "trace_raptor", "delete_graph", "delete_raptor", "delete_mindmap", "get_knowledge_graph", "delete_knowledge_graph",
    # agents
    "list_agents", "create_agent", "agent_templates", "agent_prompts", "get_agent", "update_agent", "delete_agent",
    "list_versions", "get_version", "run_log", "create_agent_session", "list_agent_sessions", "delete_agent_sessions",
    "get_agent_session", "delete_agent_session", "agent_completions", "agent_completion", "legacy_agent_completions",
    "agents_openai",
    # MCP servers
    "list_servers", "create_server", "import_servers", "get_server", "update_server", "delete_server", "try_server",
    # search apps
    "create_search_app", "list_search_apps", "get_search_app", "update_search_app", "delete_search_app",
    "search_completions", "search_completion", "related_questions", "chat_recommandation",
    "sessions_related_questions", "mind_map", "searchbot_ask", "searchbot_related_questions", "searchbot_detail",
    "searchbot_retrieval_test", "searchbot_mindmap",
}  # fmt: skip


@pytest.fixture
def app(client: TestClient) -> FastAPI:
    application = client.app
    assert isinstance(application, FastAPI)
    return application


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    reference = schema.get("$ref")
    if reference is None:
        return schema
    resolved: dict[str, Any] = document["components"]["schemas"][reference.rsplit("/", 1)[1]]
    return resolved


def test_every_operation_that_may_carry_a_body_documents_it_or_says_it_takes_none(
    document: dict[str, Any],
) -> None:
    undocumented = [
        f"{method.upper()} {path}"
        for method, path, operation in operations(document)
        if method in BODY_METHODS and "requestBody" not in operation and operation.get("x-no-body") is not True
    ]
    assert undocumented == []
    bodies_on_get = [
        path for method, path, operation in operations(document) if method == "get" and "requestBody" in operation
    ]
    assert bodies_on_get == []


def test_bodies_and_query_parameters_are_the_models_that_validate_them(app: FastAPI, document: dict[str, Any]) -> None:
    for route in api_routes(app):
        declared = declared_inputs(route)
        for method in route.methods:
            operation = document["paths"][route.path_format][method.lower()]
            documented = operation.get("requestBody", {}).get("content", {})
            assert {media: resolve(document, item["schema"])["title"] for media, item in documented.items()} == {
                media: model.__name__ for media, model in declared.bodies
            }, operation["operationId"]
            query = {item["name"] for item in operation.get("parameters", []) if item["in"] == "query"}
            expected = set() if declared.query is None else set(declared.query.model_json_schema()["properties"])
            assert query == expected, operation["operationId"]


def test_the_documented_bodies_and_parameters_say_what_clients_send(document: dict[str, Any]) -> None:
    by_id = {operation["operationId"]: operation for _, _, operation in operations(document)}
    create = resolve(document, by_id["create_dataset"]["requestBody"]["content"]["application/json"]["schema"])
    assert create["required"] == ["name"]
    assert create["properties"]["permission"]["enum"] == ["me", "team"]
    assert by_id["create_dataset"]["requestBody"]["required"] is True

    retrieval = resolve(document, by_id["retrieve"]["requestBody"]["content"]["application/json"]["schema"])
    assert retrieval["required"] == ["dataset_ids", "question"]
    assert retrieval["properties"]["dataset_ids"] == {
        "items": {"type": "string"},
        "minItems": 1,
        "title": "Dataset Ids",
        "type": "array",
    }

    upload = by_id["upload_documents"]["requestBody"]["content"]
    form = resolve(document, upload["multipart/form-data"]["schema"])
    assert form["properties"]["file"]["items"] == {"format": "binary", "type": "string"}
    assert "application/json" in upload  # type=empty

    parameters = {item["name"]: item for item in by_id["list_documents"]["parameters"]}
    assert parameters["ids"]["schema"]["type"] == "array"
    assert (parameters["ids"]["style"], parameters["ids"]["explode"]) == ("form", True)
    assert parameters["dataset_id"]["in"] == "path"
    ext = {item["name"]: item for item in by_id["list_datasets"]["parameters"]}["ext"]
    assert ext["content"]["application/json"]["schema"]["type"] == "object"  # a JSON object in the query string


def test_no_route_reads_the_request_but_through_a_declared_reader(app: FastAPI) -> None:
    infrastructure = {services_of, limits_of}
    by_hand = []
    for route in api_routes(app):
        if route.dependant.request_param_name is not None:
            by_hand.append(f"{route.name} takes the Request")
        for dependant in readers(route.dependant):
            if dependant.request_param_name is None or dependant.call in infrastructure:
                continue
            if key_check_of(dependant.call) is not None:  # the API-key checks read the header
                continue
            if declared_by(dependant.call) is None:
                by_hand.append(f"{route.name}: {dependant.call} reads the Request without declaring what")
    assert by_hand == []


def test_every_route_that_needs_a_key_says_so_and_refuses_a_request_without_one(
    client: TestClient, document: dict[str, Any]
) -> None:
    assert document["components"]["securitySchemes"][SECURITY_SCHEME] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"][SECURITY_SCHEME]["description"],
    }
    public = set()
    widget = set()
    for method, path, operation in operations(document):
        url = re.sub(r"\{[^}]+\}", "x", path)
        answer = client.request(method, url)
        status = answer.status_code
        if operation.get("security") == [{SECURITY_SCHEME: []}] and "x-key-refusal" in operation:
            # the search widget's routes refuse as RAGFlow's widget does, and say so
            assert (status, answer.json()["code"]) == (200, 102), operation["operationId"]
            assert "401" not in operation["responses"]
            assert operation["x-key-refusal"] in operation["description"]
            widget.add(operation["operationId"])
        elif operation.get("security") == [{SECURITY_SCHEME: []}]:
            assert status == 401, operation["operationId"]
            refusal = "/OpenAIError" if operation["x-envelope"] == "O" else "/Unauthorized"
            assert operation["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith(refusal)
        else:
            assert status != 401, operation["operationId"]
            public.add(operation["operationId"])
    assert public == PUBLIC
    assert widget == {
        "searchbot_ask",
        "searchbot_related_questions",
        "searchbot_detail",
        "searchbot_retrieval_test",
        "searchbot_mindmap",
    }


def test_operation_ids_are_route_names_readable_unique_and_stable(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", operation_id) and "api_v1" not in operation_id for operation_id in ids)
    assert set(ids) >= KNOWN_IDS


def test_every_operation_has_its_tag_and_envelope(document: dict[str, Any]) -> None:
    described = {tag["name"] for tag in document["tags"]}
    for _, _, operation in operations(document):
        assert operation["tags"], operation["operationId"]
        assert set(operation["tags"]) <= described, f"describe the tags of {operation['operationId']} in openapi.TAGS"
        assert operation["x-envelope"] in {"R", "J", "D", "C", "M", "JD", "O"}
        # RAGFlow answers HTTP 200 (401 for a bad key); the OpenAI-compatible routes answer OpenAI's statuses
        statuses = {"200", "400", "401", "404", "500"} if operation["x-envelope"] == "O" else {"200", "401"}
        assert set(operation["responses"]) <= statuses


def test_answers_are_described_as_their_envelopes(document: dict[str, Any]) -> None:
    by_id = {operation["operationId"]: operation for _, _, operation in operations(document)}

    def success_of(operation_id: str) -> dict[str, Any]:
        schema = by_id[operation_id]["responses"]["200"]["content"]["application/json"]["schema"]
        success, error = schema["anyOf"]
        assert error == {"$ref": "#/components/schemas/Error"}
        return dict(success)

    assert success_of("create_dataset")["required"] == ["code"]  # R: no message on success
    assert success_of("create_dataset")["properties"]["data"] == {"$ref": "#/components/schemas/DatasetOut"}
    assert success_of("list_models")["properties"]["data"]["items"] == {"$ref": "#/components/schemas/ModelOut"}
    assert success_of("delete_token")["properties"]["data"] == {"type": "boolean"}
    dataset = document["components"]["schemas"]["DatasetOut"]
    assert {"id", "name", "embedding_model", "chunk_count", "create_date"} <= set(dataset["required"])
    assert success_of("list_documents")["properties"]["message"] == {"const": "success"}  # J
    download = by_id["download_document"]["responses"]["200"]["content"]
    assert download["application/octet-stream"]["schema"]["format"] == "binary"
    assert "text/event-stream" in by_id["chat_completions"]["responses"]["200"]["content"]
    assert by_id["openai_completions"]["x-streams"] is True
    assert by_id["openai_completions"]["x-events"] == ["openai"]
    assert by_id["chat_completions"]["x-events"] == ["envelopes"]
    assert (by_id["agent_completions"]["x-success"], by_id["agent_completions"]["x-events"]) == (
        "bare",
        ["agent", "openai"],
    )
    assert "x-streams" not in by_id["list_agents"]
    assert "text/plain" in by_id["ping"]["responses"]["200"]["content"]
    assert by_id["delete_chat"]["x-no-body"] is True

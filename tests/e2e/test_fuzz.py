"""A bounded fuzz run of the whole API, against a live ``ragloom serve`` and its own OpenAPI document.

For every operation of ``/openapi.json``, schemathesis sends its coverage cases (each
parameter's edge values, wrong types, missing keys, unexpected methods and content types:
deterministic), then :data:`EXAMPLES` generated requests that fit the schema and as many that
do not, derandomized, so every run sends the same requests — all with a valid API key. About
half the ids a request names (path parameters, ``dataset_ids``, ``session_id``, model ids …)
are real: a dataset with a document, a chunk with an image and a parsed document, a chat with a
session and a question in it, a tenant model, an agent with a session and a run, a search app and
an MCP server (a real one, listing its tools), seeded afresh for each operation. Every answer must be:

- HTTP 200, 401 or 404 — the statuses RAGFlow answers with (so never a 5xx), and nothing
  logged at ERROR by the server (its log is read after every request);
- free of Python tracebacks and exception reprs, but for the code-100 reprs RAGFlow answers on
  purpose (``ValueError('page_size must be …')``, what ``int()`` or ``json.loads`` raise);
- JSON in a RAGFlow envelope — or, where the operation says so (``x-success``, ``x-streams``),
  a file, text, an OpenAI object, or an event stream (of envelopes, on RAGFlow's routes);
- as the document describes it (schemathesis's response-schema conformance).

It runs against a live server rather than in-process: both found the same defects, and only a
live server parses requests with uvicorn and runs the parse workers the fuzzed requests start,
for about twice the time per request. The models are the fake OpenAI-style server's (fast and
deterministic), so nothing here loads a local model.
"""

from __future__ import annotations

import base64
import json
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import FailureGroup, response_schema_conformance
from schemathesis.config import GenerationConfig

from ragloom.api.app import create_app
from ragloom.services.container import Services
from ragloom.settings import load_settings
from tests.e2e.conftest import free_port, launch, ragloom, stop_server, wait_until_up
from tests.mcp_server import McpTestServer
from tests.openai_server import OpenAIStyleServer

# Generated requests per operation and mode; CI runs the default, a longer hunt sets FUZZ_EXAMPLES.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FACTORY = "OpenAI-API-Compatible"
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
).decode()
ECHO_AGENT = {
    "components": {
        "begin": {"obj": {"component_name": "Begin", "params": {"prologue": "Hi."}}, "downstream": ["Message:1"]},
        "Message:1": {
            "obj": {"component_name": "Message", "params": {"content": ["{sys.query}"]}},
            "upstream": ["begin"],
        },
    },
    "graph": {"nodes": [], "edges": []},
}
RAGFLOW_STATUSES = {200, 401, 404}
# The OpenAI-compatible routes (envelope O) refuse with OpenAI's error object and an error status.
OPENAI_STATUSES = {200, 400, 401, 403, 404}
# Exception reprs RAGFlow answers on purpose, as code 100 (contract §1.5): what int(), float(),
# json.loads or a str-keyed .get() raise on a value the client sent.
RAGFLOW_REPRS = re.compile(r"^(ValueError|TypeError|AttributeError|JSONDecodeError|UnicodeDecodeError|OverflowError)\(")
EXCEPTION_REPR = re.compile(r"\b[A-Z]\w*(Error|Exception)\(")
ENVELOPE_KEYS = {"code", "message", "data", "total_datasets", "total", "error"}
SERVER_ERROR = re.compile(r"^\S+ (ERROR|CRITICAL) |Traceback")
# Body and query keys naming objects, and the real object each names (by parameter name).
NAMED = {
    "dataset_ids": "dataset_id",
    "kb_ids": "dataset_id",
    "document_ids": "document_id",
    "chunk_ids": "chunk_id",
    "doc_ids": "document_id",
    "session_id": "session_id",
    "chat_id": "chat_id",
    "agent_id": "agent_id",
    "search_id": "search_id",
    "mcp_id": "mcp_id",
    "mcp_ids": "mcp_id",
    "owner_ids": "tenant_id",
    "llm_id": "llm_id",
    "rerank_id": "rerank_id",
    "embedding_model": "embedding_model",
    "embd_id": "embedding_model",
}
# What ``ids`` and ``id`` name, by the collection the path ends in.
COLLECTIONS = {"datasets": "dataset_id", "documents": "document_id", "chats": "chat_id", "sessions": "session_id"}
# An agent's sessions and runs are not a chat's: under /agents these names mean the agent's.
AGENT_SCOPED = {"session_id": "agent_session_id", "message_id": "agent_message_id"}


# ---- the server ---------------------------------------------------------------------------------


@dataclass
class FuzzTarget:
    """A live server, its API key, its OpenAPI document loaded by schemathesis, and its log."""

    base_url: str
    key: str
    schema: Any
    log: Path
    mcp: McpTestServer
    session: requests.Session = field(default_factory=requests.Session)
    seeded: int = 0
    log_read: int = 0

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def server_errors(self) -> list[str]:
        """What the server logged at ERROR (or a traceback) since the last call."""
        lines = self.log.read_text(errors="replace").splitlines()
        fresh, self.log_read = lines[self.log_read :], len(lines)
        return [line for line in fresh if SERVER_ERROR.search(line)]

    def seed(self) -> dict[str, str]:
        """Fresh objects for every path parameter the API has, by parameter name."""
        self.seeded += 1
        number = self.seeded

        def data(method: str, url: str, **arguments: Any) -> Any:
            answer = self.session.request(method, f"{self.base_url}/api/v1{url}", headers=self.headers, **arguments)
            body = answer.json()
            assert body["code"] == 0, body
            return body.get("data")  # some successes carry none (R)

        dataset = data("POST", "/datasets", json={"name": f"fuzz-{number}"})["id"]
        (document,) = data("POST", f"/datasets/{dataset}/documents", files={"file": ("a.txt", b"Pandas eat bamboo.")})
        chunks = f"/datasets/{dataset}/documents/{document['id']}/chunks"
        chunk = data("POST", chunks, json={"content": "Pandas live in Sichuan.", "image_base64": PNG})["chunk"]
        chat = data("POST", "/chats", json={"name": f"fuzz-chat-{number}", "dataset_ids": [dataset]})["id"]
        session = data("POST", f"/chats/{chat}/sessions", json={"name": "s"})["id"]
        data("POST", f"/chats/{chat}/completions", json={"question": "Pandas?", "session_id": session, "stream": False})
        messages = data("GET", f"/chats/{chat}/sessions/{session}")["messages"]
        own = {"name": f"own-{number}", "factory": FACTORY, "kind": "chat", "base_url": "http://127.0.0.1:9/v1"}
        (parsed,) = data("POST", f"/datasets/{dataset}/documents", files={"file": ("b.txt", b"Bamboo grows fast.")})
        data("POST", f"/datasets/{dataset}/chunks", json={"document_ids": [parsed["id"]]})
        agent = data("POST", "/agents", json={"title": f"fuzz-agent-{number}", "dsl": ECHO_AGENT})
        agent_session = data("POST", f"/agents/{agent['id']}/sessions", json={"name": "s"})["id"]
        turn = {"agent_id": agent["id"], "session_id": agent_session, "query": "Pandas?", "stream": False}
        ran = self.session.post(f"{self.base_url}/api/v1/agents/chat/completions", json=turn, headers=self.headers)
        search = {"name": f"fuzz-search-{number}", "search_config": {"kb_ids": [dataset]}}
        mcp = {"name": f"fuzz-mcp-{number}", "url": self.mcp.url, "server_type": self.mcp.server_type}
        return {
            "tenant_id": agent["tenant_id"],
            "agent_id": agent["id"],
            "agent_session_id": agent_session,
            "agent_message_id": ran.json()["data"]["message_id"],
            "version_id": data("GET", f"/agents/{agent['id']}/versions")[0]["id"],
            "search_id": data("POST", "/searches", json=search)["search_id"],
            "mcp_id": data("POST", "/mcp/servers", json=mcp)["id"],
            "log_id": data("GET", f"/datasets/{dataset}/ingestions")["logs"][0]["id"],
            "dataset_id": dataset,
            "document_id": document["id"],
            "chunk_id": chunk["id"],
            "image_id": chunk["image_id"],
            "chat_id": chat,
            "session_id": session,
            "message_id": next(message["id"] for message in messages if message.get("id")),
            "model_row_id": data("POST", "/tenant/providers", json=own)["id"],
            "llm_id": f"parrot@{FACTORY}",
            "rerank_id": f"overlap@{FACTORY}",
            "embedding_model": f"hashbow@{FACTORY}",
        }


def server_config(models: OpenAIStyleServer) -> str:
    """The server's TOML: the fake server's three models, the defaults of new tenants."""
    remote = "".join(
        "[[models.remote]]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in models.model(kind).items())
        for kind in ("embedding", "rerank", "chat")
    )
    defaults = f'default_embedding_model = "hashbow@{FACTORY}"\ndefault_chat_model = "parrot@{FACTORY}"\n'
    return f"[models]\n{defaults}tenant_allow_private_urls = true\n\n{remote}"


@pytest.fixture(scope="module")
def model_server() -> Iterator[OpenAIStyleServer]:
    server = OpenAIStyleServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def mcp_server() -> Iterator[McpTestServer]:
    server = McpTestServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def target(
    tmp_path_factory: pytest.TempPathFactory,
    server_env: dict[str, str],
    model_server: OpenAIStyleServer,
    mcp_server: McpTestServer,
) -> Iterator[FuzzTarget]:
    root = tmp_path_factory.mktemp("fuzz")
    config = root / "ragloom.toml"
    config.write_text(server_config(model_server))
    env = {**server_env, "RAGLOOM_CONFIG": str(config)}
    data_dir = root / "data"
    key = ragloom("apikey", "create", "--data-dir", str(data_dir), env=env).strip()
    log = root / "server.log"
    base_url = f"http://127.0.0.1:{free_port()}"
    process = launch(data_dir, env, log, int(base_url.rsplit(":", 1)[1]))
    try:
        wait_until_up(base_url, process, log=log)
        yield FuzzTarget(base_url, key, schemathesis.openapi.from_url(f"{base_url}/openapi.json"), log, mcp_server)
    finally:
        stop_server(process)


# ---- what an answer must be ---------------------------------------------------------------------


@dataclass
class Problems:
    found: list[str] = field(default_factory=list)

    def check(self, condition: bool, problem: str) -> None:
        if not condition:
            self.found.append(problem)


def answer_problems(operation: dict[str, Any], status: int, content_type: str, text: str) -> list[str]:
    """What is wrong with one answer of ``operation`` (its OpenAPI operation); ``[]``: nothing."""
    problems = Problems()
    openai = operation.get("x-envelope") == "O"
    allowed = OPENAI_STATUSES if openai else RAGFLOW_STATUSES
    problems.check(status in allowed, f"HTTP {status}, which RAGFlow never answers")
    problems.check("Traceback" not in text and 'File "' not in text, "a traceback in the body")
    success = operation.get("x-success", "envelope")
    if content_type.startswith("text/event-stream"):
        problems.check(operation.get("x-streams") is True, "an event stream from a route that sends none")
        kinds = operation.get("x-events", [])
        for line in text.splitlines():
            if line.startswith("data:"):
                problems.found += event_problems(line[5:].strip(), kinds)
        return problems.found
    if not content_type.startswith("application/json"):
        problems.check(success in {"file", "text"}, f"a {content_type or 'typeless'} answer from an enveloped route")
        return problems.found
    body = json.loads(text)
    if openai:
        return problems.found + ([] if status == 200 else openai_error_problems(body))
    if success == "bare" and isinstance(body, dict) and "code" not in body:
        return problems.found  # the health report
    return problems.found + envelope_problems(body)


def event_problems(data: str, kinds: list[str]) -> list[str]:
    """What is wrong with one event of a stream that may carry ``kinds`` (the operation's ``x-events``)."""
    if data == "[DONE]":
        return [] if {"agent", "openai"} & set(kinds) else ["a [DONE] event in a stream of envelopes"]
    try:
        payload = json.loads(data)
    except ValueError:
        return [f"an event that is not JSON: {data[:200]}"]
    if isinstance(payload, dict) and "code" not in payload:
        if "agent" in kinds and isinstance(payload.get("event"), str) and "data" in payload:
            return []
        if "openai" in kinds and payload.get("object") == "chat.completion.chunk":
            return []
        if "openai" in kinds and "error" in payload:
            return openai_error_problems(payload)
    return envelope_problems(payload)


def openai_error_problems(body: Any) -> list[str]:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("type"), str):
        return [f"not OpenAI's error object: {str(body)[:200]}"]
    message = error.get("message")
    if not isinstance(message, str) or not message:
        return ["an OpenAI error without a message"]
    if EXCEPTION_REPR.search(message) and RAGFLOW_REPRS.match(message) is None:
        return [f"an exception repr: {message[:200]}"]
    return []


def envelope_problems(body: Any) -> list[str]:
    if not isinstance(body, dict) or not isinstance(body.get("code"), int):
        return [f"not an envelope: {str(body)[:200]}"]
    problems = Problems()
    problems.check(set(body) <= ENVELOPE_KEYS, f"keys beyond an envelope's: {sorted(body)}")
    message = body.get("message")
    if body["code"] != 0:
        problems.check(isinstance(message, str) and message != "", "a refusal without a message")
    if isinstance(message, str) and EXCEPTION_REPR.search(message):
        deliberate = body["code"] == 100 and RAGFLOW_REPRS.match(message) is not None
        problems.check(deliberate, f"an exception repr: {message[:200]}")
    return problems.found


def test_the_checks_catch_what_they_must() -> None:
    enveloped = {"x-success": "envelope"}
    assert answer_problems(enveloped, 200, "application/json", '{"code":0,"data":[]}') == []
    refusal = '{"code":100,"message":"ValueError(\'page_size must be less than or equal to 100\')","data":null}'
    assert answer_problems(enveloped, 200, "application/json", refusal) == []
    assert answer_problems(enveloped, 500, "application/json", '{"code":100,"message":"x"}') == [
        "HTTP 500, which RAGFlow never answers"
    ]
    assert answer_problems(enveloped, 400, "application/json", '{"code":101,"message":"x"}') != []
    assert answer_problems(enveloped, 422, "application/json", '{"detail":[]}') == [
        "HTTP 422, which RAGFlow never answers",
        "not an envelope: {'detail': []}",
    ]
    leak = '{"code":100,"message":"KeyError(\'name\')","data":null}'
    assert answer_problems(enveloped, 200, "application/json", leak) == ["an exception repr: KeyError('name')"]
    traceback = '{"code":100,"message":"Traceback (most recent call last):"}'
    assert "a traceback in the body" in answer_problems(enveloped, 200, "application/json", traceback)
    assert answer_problems(enveloped, 200, "text/html", "<p>") == ["a text/html answer from an enveloped route"]
    assert answer_problems({"x-success": "file"}, 200, "image/png", "…") == []
    stream = 'data: {"code":0,"message":"","data":{"answer":"a"}}\n\ndata: {"code":0,"message":"","data":true}\n\n'
    streams = {"x-success": "envelope", "x-streams": True, "x-events": ["envelopes"]}
    assert answer_problems(streams, 200, "text/event-stream", stream) == []
    assert answer_problems(streams, 200, "text/event-stream", 'data: {"answer":1}\n') != []
    assert answer_problems(streams, 200, "text/event-stream", "data:[DONE]\n") != []
    assert answer_problems(enveloped, 200, "text/event-stream", stream) != []
    agent = {"x-success": "bare", "x-streams": True, "x-events": ["agent", "openai"]}
    events = 'data:{"event":"message","data":{"content":"a"}}\n\ndata:{"code":500,"message":"x","data":false}\n\n'
    assert answer_problems(agent, 200, "text/event-stream", events + "data: [DONE]\n\n") == []
    assert answer_problems(agent, 200, "text/event-stream", 'data:{"object":"chat.completion.chunk"}\n') == []
    assert answer_problems(agent, 200, "text/event-stream", 'data:{"answer":"a"}\n') != []
    assert answer_problems(agent, 200, "text/event-stream", "data:{broken\n") != []
    openai = {"x-success": "bare", "x-envelope": "O"}
    assert answer_problems(openai, 200, "application/json", '{"object":"chat.completion"}') == []
    refused = '{"error":{"message":"No.","type":"invalid_request_error","param":null,"code":102}}'
    assert answer_problems(openai, 400, "application/json", refused) == []
    assert answer_problems(openai, 500, "application/json", refused) == ["HTTP 500, which RAGFlow never answers"]
    assert answer_problems(openai, 400, "application/json", '{"code":102,"message":"No."}') != []
    assert SERVER_ERROR.search("2026-01-01T00:00:00.000 ERROR   ragloom.api.routing unhandled error on GET /x")
    assert not SERVER_ERROR.search("2026-01-01T00:00:00.000 WARNING ragloom.workers a document failed")


# ---- the run ------------------------------------------------------------------------------------


def with_real_ids(case: Any, seeded: dict[str, str]) -> None:
    """Let about half the ids a case names be real ones, so requests reach past "not found"."""
    real = dict(seeded)
    if case.path.startswith("/api/v1/agents"):
        real.update({name: seeded[scoped] for name, scoped in AGENT_SCOPED.items()})
    for name, value in list((case.path_parameters or {}).items()):
        if name in real and stable_choice(value):
            case.path_parameters[name] = real[name]
    collection = COLLECTIONS.get(case.path.rstrip("/").rsplit("/", 1)[-1])
    for container in (case.body, case.query):
        if not isinstance(container, dict):
            continue
        for key, value in list(container.items()):
            target = NAMED.get(key) or (collection if key in {"ids", "id"} else None)
            if target is None or target not in real or not stable_choice(value):
                continue
            container[key] = [real[target]] if isinstance(value, list) else real[target]


def stable_choice(value: Any) -> bool:
    """The same pseudo-random choice for the same generated value, in every run."""
    return zlib.crc32(repr(value).encode()) % 2 == 0


def operation_labels() -> list[str]:
    """Every operation of the document, from an application built only to describe itself."""
    settings = load_settings(data_dir=Path("/nonexistent/fuzz"), models={"isolate": False})
    document = create_app(settings, services=cast(Services, object())).openapi()
    return [f"{method.upper()} {path}" for path, methods in document["paths"].items() for method in methods]


@pytest.mark.slow
@pytest.mark.parametrize("label", operation_labels())
def test_fuzzing_an_operation_finds_no_server_error_and_no_traceback(target: FuzzTarget, label: str) -> None:
    method, path = label.split(" ", 1)
    operation = target.schema[path][method]
    described = operation.definition.raw
    real = target.seed()
    target.server_errors()  # what seeding logged is not the fuzz's
    failures: list[str] = []

    def send(case: Any) -> None:
        with_real_ids(case, real)
        case.headers = {**(case.headers or {}), **target.headers}  # negative cases make up keys of their own
        response = case.call(base_url=target.base_url, session=target.session)
        content_type = (response.headers.get("content-type") or [""])[0]
        text = response.content.decode("utf-8", errors="replace")
        problems = answer_problems(described, response.status_code, content_type, text)
        try:
            case.validate_response(response, checks=[response_schema_conformance])
        except FailureGroup as mismatch:
            problems.append(f"not as documented: {str(mismatch)[:300]}")
        problems += [f"logged by the server: {line}" for line in target.server_errors()]
        if problems:
            failures.append(f"{'; '.join(problems)}\n    {case.as_curl_command(headers=target.headers)}")

    modes = list(schemathesis.GenerationMode)
    for case in target.schema.iter_coverage_cases(
        operation, generation_modes=modes, generation_config=GenerationConfig()
    ):
        send(case)

    @settings(
        max_examples=2 * EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(*(operation.as_strategy(mode) for mode in modes)))
    def generated(case: Any) -> None:
        send(case)

    generated()
    assert failures == [], f"{len(failures)} bad answers:\n" + "\n".join(failures[:10])

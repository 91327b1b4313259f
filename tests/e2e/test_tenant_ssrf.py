"""Server-side request forgery through tenants' own models, tried against live servers.

A server with the default settings (tenants' models may not reach private addresses; its
operator configured an embedding model on 127.0.0.1) refuses tenant URLs naming internal
addresses when they are saved, and never connects to a name that resolves to one — in the
parse worker, in retrieval, rerank, question assist and chat — while the real model server
on 127.0.0.1 proves, by the requests it recorded, that nothing reached it but the operator's
model. On the shared server (which allows private addresses) a model server answering errors
full of secrets shows that no API answer repeats what it said.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.e2e.conftest import (
    ALLOW_PRIVATE_URLS,
    LiveServer,
    new_tenant_key,
    ragloom,
    start_server,
    stop_server,
)
from tests.openai_server import SECRET, OpenAIStyleServer

OPERATOR_EMBEDDING = "operator-bow@OpenAI-API-Compatible"
REFUSED = "was not called: the address of localhost is not allowed for tenant-configured models"


@pytest.fixture(scope="module")
def model_server() -> Iterator[OpenAIStyleServer]:
    running = OpenAIStyleServer()
    yield running
    running.close()


@pytest.fixture(scope="module")
def failing_server() -> Iterator[OpenAIStyleServer]:
    running = OpenAIStyleServer()
    running.failure = 400
    yield running
    running.close()


@pytest.fixture(scope="module")
def deny_env(
    tmp_path_factory: pytest.TempPathFactory, server_env: dict[str, str], model_server: OpenAIStyleServer
) -> dict[str, str]:
    """The default policy, and an operator's embedding model on 127.0.0.1 in the settings file."""
    config = tmp_path_factory.mktemp("deny-config") / "ragloom.toml"
    operator = model_server.model("embedding", name="operator-bow")
    lines = ["[[models.remote]]", *(f"{key} = {json.dumps(value)}" for key, value in operator.items())]
    config.write_text("\n".join(lines) + "\n")
    env = {key: value for key, value in server_env.items() if key != ALLOW_PRIVATE_URLS}
    env["RAGLOOM_CONFIG"] = str(config)
    return env


@pytest.fixture(scope="module")
def deny_server(tmp_path_factory: pytest.TempPathFactory, deny_env: dict[str, str]) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("deny") / "data"
    key = ragloom("apikey", "create", "--data-dir", str(data_dir), env=deny_env).strip()
    process, base_url = start_server(data_dir, deny_env, data_dir.parent / "server.log")
    yield LiveServer(
        base_url, f"{base_url}/api/v1", key, key, data_dir, process, data_dir.parent / "server.log", deny_env
    )
    stop_server(process)


class Tenant:
    """One tenant's raw HTTP calls; every answer's text is kept, to search for leaks."""

    def __init__(self, server: LiveServer, key: str) -> None:
        self.api = server.api_url
        self.headers = server.headers(key)
        self.answers: list[str] = []

    def call(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        answer = requests.request(method, f"{self.api}{path}", headers=self.headers, timeout=60, **options)
        self.answers.append(answer.text)
        body: dict[str, Any] = answer.json()
        return body

    def stream(self, path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        answer = requests.post(f"{self.api}{path}", headers=self.headers, json=body, timeout=60, stream=True)
        events = [json.loads(line[len("data:") :]) for line in answer.iter_lines(decode_unicode=True) if line]
        self.answers.append(json.dumps(events))
        return events

    def configure(self, fields: dict[str, Any]) -> str:
        saved = self.call("POST", "/tenant/providers", json=fields)
        assert saved["code"] == 0, saved
        return str(saved["data"]["model_id"])

    def parsed(self, embedding_model: str) -> tuple[str, dict[str, Any]]:
        """A dataset embedding with ``embedding_model`` and one document parsed to its end."""
        created = self.call(
            "POST", "/datasets", json={"name": f"kb-{time.time_ns()}", "embedding_model": embedding_model}
        )
        dataset_id = created["data"]["id"]
        upload = requests.post(
            f"{self.api}/datasets/{dataset_id}/documents",
            files=[("file", ("fruit.txt", b"Bananas are rich in potassium and grow in tropical climates."))],
            headers=self.headers,
            timeout=60,
        ).json()
        self.call("POST", f"/datasets/{dataset_id}/chunks", json={"document_ids": [upload["data"][0]["id"]]})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            document = self.call("GET", f"/datasets/{dataset_id}/documents")["data"]["docs"][0]
            if document["run"] in ("DONE", "FAIL"):
                return dataset_id, document
            time.sleep(0.2)
        raise TimeoutError("parsing did not finish")

    def retrieve(self, dataset_id: str, **options: Any) -> dict[str, Any]:
        return self.call("POST", "/retrieval", json={"dataset_ids": [dataset_id], "question": "bananas", **options})

    def ask(self, llm_id: str, dataset_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """A chat on ``llm_id``, asked once without streaming and once streamed."""
        body = {"name": f"c-{time.time_ns()}", "dataset_ids": [dataset_id], "llm_id": llm_id}
        chat = self.call("POST", "/chats", json=body)
        assert chat["code"] == 0, chat
        path = f"/chats/{chat['data']['id']}/completions"
        whole = self.call("POST", path, json={"question": "What are bananas rich in?", "stream": False})
        return whole, self.stream(path, {"question": "What are bananas rich in?", "stream": True})


@pytest.fixture
def tenant(deny_server: LiveServer, deny_env: dict[str, str], unique_name: str) -> Tenant:
    return Tenant(deny_server, new_tenant_key(deny_server, deny_env, unique_name))


@pytest.mark.parametrize(
    ("base_url", "host"),
    [
        ("http://127.0.0.1:11434", "127.0.0.1"),
        ("http://10.0.0.1/v1", "10.0.0.1"),
        ("http://169.254.169.254/latest", "169.254.169.254"),
        ("http://[::1]:8000", "::1"),
    ],
)
def test_provider_urls_naming_internal_addresses_are_refused_when_saved(
    tenant: Tenant, base_url: str, host: str
) -> None:
    for kind in ("embedding", "rerank", "chat"):
        body = {"name": "probe", "factory": "OpenAI-API-Compatible", "kind": kind, "base_url": base_url}
        assert tenant.call("POST", "/tenant/providers", json=body) == {
            "code": 101,
            "message": f"Invalid model: base_url: the address {host} is not allowed for tenant-configured models",
            "data": None,
        }
    assert tenant.call("GET", "/tenant/providers")["data"] == []


def test_tenant_models_at_a_name_resolving_to_loopback_are_never_called(
    tenant: Tenant, model_server: OpenAIStyleServer
) -> None:
    local = f"http://localhost:{model_server.port}/v1"
    embedding = tenant.configure(model_server.model("embedding", base_url=local))
    rerank = tenant.configure(model_server.model("rerank", base_url=local))
    chat = tenant.configure(model_server.model("chat", base_url=local))

    refused_dataset, failed = tenant.parsed(embedding)  # embedded by the worker process
    assert failed["run"] == "FAIL"
    assert f"Embedding model {embedding} {REFUSED}" in failed["progress_msg"]
    assert f"Embedding model {embedding} {REFUSED}" in tenant.retrieve(refused_dataset)["message"]

    dataset_id, done = tenant.parsed(OPERATOR_EMBEDDING)  # the operator's model on 127.0.0.1 works
    assert done["run"] == "DONE", done["progress_msg"]
    assert tenant.retrieve(dataset_id)["data"]["chunks"]
    assert tenant.retrieve(dataset_id, rerank_id=rerank)["message"] == f"Rerank model {rerank} {REFUSED}"

    assert tenant.call("PUT", "/tenant/models", json={"llm_id": chat})["code"] == 0
    assert tenant.retrieve(dataset_id, keyword=True)["message"].endswith(f"Chat model {chat} {REFUSED}")
    whole, events = tenant.ask(chat, dataset_id)
    assert f"Chat model {chat} {REFUSED}" in whole["data"]["answer"]
    assert any(event["code"] == 500 and event["message"] == f"Chat model {chat} {REFUSED}" for event in events)

    assert model_server.paths  # the operator's model was called ...
    assert set(model_server.paths) == {"/v1/embeddings"}  # ... and nothing a tenant configured


def test_no_api_answer_repeats_what_a_model_server_answered(
    live_server: LiveServer,
    server_env: dict[str, str],
    unique_name: str,
    model_server: OpenAIStyleServer,
    failing_server: OpenAIStyleServer,
) -> None:
    tenant = Tenant(live_server, new_tenant_key(live_server, server_env, unique_name))
    good = tenant.configure(model_server.model("embedding"))
    leaky = tenant.configure(failing_server.model("embedding", name="leaky"))
    rerank = tenant.configure(failing_server.model("rerank"))
    chat = tenant.configure(failing_server.model("chat"))

    _dataset, failed = tenant.parsed(leaky)
    assert failed["run"] == "FAIL"
    assert f"Embedding model {leaky} refused the request (HTTP 400)" in failed["progress_msg"]
    dataset_id, done = tenant.parsed(good)
    assert done["run"] == "DONE", done["progress_msg"]
    assert tenant.retrieve(dataset_id, rerank_id=rerank)["message"] == (
        f"Rerank model {rerank} refused the request (HTTP 400)"
    )
    assert tenant.call("PUT", "/tenant/models", json={"llm_id": chat})["code"] == 0
    assert tenant.retrieve(dataset_id, keyword=True)["message"].endswith(
        f"Chat model {chat} refused the request (HTTP 400)"
    )
    whole, events = tenant.ask(chat, dataset_id)
    assert f"Chat model {chat} refused the request (HTTP 400)" in whole["data"]["answer"]
    assert any(event["code"] == 500 for event in events)
    tenant.call("GET", f"/datasets/{dataset_id}/documents")

    assert len(failing_server.paths) >= 5  # every failing model was really called
    leaks = [answer for answer in tenant.answers if SECRET in answer or "hunter2" in answer]
    assert leaks == []

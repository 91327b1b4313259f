"""A tenant configures its own remote models through the API; only it can use them, everywhere.

The remote models are a scripted OpenAI-compatible server (a fake at the edge): ``/embeddings`` answers
hashed bag-of-words vectors and ``/chat/completions`` streams a fixed answer. The tenant's embedding model
is used by the parse worker process (which must find the tenant's model in the database), by retrieval and
by citations; its chat model answers a chat. Another tenant sees none of it.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import numpy as np
import pytest
import requests

from tests.e2e.conftest import LiveServer, free_port, new_tenant_key

DIMENSION = 64
SECRET = "sk-tenant-secret-123456"
EMBEDDING = "hashbow@OpenAI-API-Compatible"
CHAT = "parrot@OpenAI-API-Compatible"
ANSWER_PIECES = ["Bananas ", "are rich ", "in potassium."]


def hashed_vector(text: str) -> list[float]:
    vector = np.zeros(DIMENSION)
    for word in re.findall(r"\w+", text.lower()):
        vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % DIMENSION] += 1.0
    norm = float(np.linalg.norm(vector)) or 1.0
    return [float(value) / norm for value in vector]


class FakeProvider(BaseHTTPRequestHandler):
    authorizations: ClassVar[list[str | None]] = []
    chat_requests: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        FakeProvider.authorizations.append(self.headers.get("authorization"))
        if self.path.endswith("/embeddings"):
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
            data = [{"index": i, "embedding": hashed_vector(text)} for i, text in enumerate(texts)]
            payload = json.dumps({"data": data}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        FakeProvider.chat_requests.append(body)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for piece in ANSWER_PIECES:
            chunk = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *_arguments: Any) -> None:
        pass


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), FakeProvider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


class Tenant:
    def __init__(self, server: LiveServer, key: str) -> None:
        self.api = server.api_url
        self.headers = server.headers(key)

    def call(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        answer = requests.request(method, f"{self.api}{path}", headers=self.headers, timeout=60, **options)
        body: dict[str, Any] = answer.json()
        return body


@pytest.fixture
def alice(live_server: LiveServer, server_env: dict[str, str], unique_name: str) -> Tenant:
    return Tenant(live_server, new_tenant_key(live_server, server_env, f"alice-{unique_name}"))


@pytest.fixture
def bob(live_server: LiveServer, server_env: dict[str, str], unique_name: str) -> Tenant:
    return Tenant(live_server, new_tenant_key(live_server, server_env, f"bob-{unique_name}"))


def configure(tenant: Tenant, provider: str, name: str, kind: str, **extra: Any) -> dict[str, Any]:
    body = {"name": name, "factory": "OpenAI-API-Compatible", "kind": kind, "base_url": provider, **extra}
    answer = tenant.call("POST", "/tenant/providers", json=body)
    assert answer["code"] == 0, answer
    return dict(answer["data"])


def parse(tenant: Tenant, dataset_id: str, text: str) -> None:
    uploaded = requests.post(
        f"{tenant.api}/datasets/{dataset_id}/documents",
        files=[("file", ("fruit.txt", text.encode()))],
        headers=tenant.headers,
        timeout=60,
    ).json()
    document_id = uploaded["data"][0]["id"]
    tenant.call("POST", f"/datasets/{dataset_id}/chunks", json={"document_ids": [document_id]})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        listed = tenant.call("GET", f"/datasets/{dataset_id}/documents")["data"]["docs"][0]
        if listed["run"] in ("DONE", "FAIL"):
            assert listed["run"] == "DONE", listed["progress_msg"]
            return
        time.sleep(0.3)
    raise TimeoutError("parsing did not finish")


def test_a_tenants_own_models_serve_it_everywhere_and_nobody_else(alice: Tenant, bob: Tenant, provider: str) -> None:
    shown = configure(alice, provider, "hashbow", "embedding", dimension=DIMENSION, api_key=SECRET)
    assert shown["model_id"] == EMBEDDING
    assert SECRET not in json.dumps(shown)
    assert shown["api_key"].startswith("sk-")
    assert [model["model_id"] for model in alice.call("GET", "/tenant/providers")["data"]] == [EMBEDDING]
    assert EMBEDDING in {model["id"] for model in alice.call("GET", "/models")["data"]}
    assert EMBEDDING not in {model["id"] for model in bob.call("GET", "/models")["data"]}
    assert bob.call("GET", "/tenant/providers")["data"] == []

    refused = bob.call("POST", "/datasets", json={"name": "fruit", "embedding_model": EMBEDDING})
    assert refused["code"] == 102
    assert refused["message"] == f"Unauthorized model: <{EMBEDDING}>"
    dataset = alice.call("POST", "/datasets", json={"name": "fruit", "embedding_model": EMBEDDING})["data"]
    FakeProvider.authorizations.clear()
    parse(alice, dataset["id"], "Bananas are rich in potassium and grow in tropical climates.")
    assert FakeProvider.authorizations
    assert set(FakeProvider.authorizations) == {f"Bearer {SECRET}"}

    found = alice.call("POST", "/retrieval", json={"dataset_ids": [dataset["id"]], "question": "potassium bananas"})
    assert found["code"] == 0
    assert "Bananas" in found["data"]["chunks"][0]["content"]

    chat_model = configure(alice, provider, "parrot", "chat", context_window=4096)
    chat = alice.call("POST", "/chats", json={"name": "fruit", "dataset_ids": [dataset["id"]], "llm_id": CHAT})
    assert chat["code"] == 0, chat
    assert (
        bob.call("POST", "/chats", json={"name": "fruit", "llm_id": CHAT})["message"]
        == f"`llm_id` {CHAT} doesn't exist"
    )
    url = f"/chats/{chat['data']['id']}/completions"
    answer = alice.call("POST", url, json={"question": "What are bananas rich in?", "stream": False})["data"]
    assert answer["answer"].startswith("Bananas are rich in potassium.")
    assert "[ID:0]" in answer["answer"]

    in_use = alice.call("DELETE", f"/tenant/providers/{shown['id']}")
    assert in_use["code"] == 102
    assert "fruit" in in_use["message"]
    assert bob.call("DELETE", f"/tenant/providers/{chat_model['id']}")["code"] == 102
    assert alice.call("DELETE", f"/tenant/providers/{chat_model['id']}") == {
        "code": 0,
        "message": "success",
        "data": True,
    }
    gone = alice.call("POST", url, json={"question": "What are bananas rich in?", "stream": False})
    assert gone["code"] == 102
    assert CHAT in gone["message"]


def test_bad_model_configurations_are_refused(alice: Tenant, provider: str) -> None:
    missing = alice.call("POST", "/tenant/providers", json={"name": "x", "factory": "OpenAI", "kind": "chat"})
    assert missing["code"] == 101
    assert "base_url" in missing["message"]
    unknown = alice.call(
        "POST", "/tenant/providers", json={"name": "x", "factory": "OpenAI", "base_url": provider, "colour": "red"}
    )
    assert unknown["code"] == 101
    assert "colour" in unknown["message"]
    wrong_kind = alice.call(
        "POST", "/tenant/providers", json={"name": "x", "factory": "OpenAI", "base_url": provider, "kind": "vision"}
    )
    assert wrong_kind["code"] == 101
    assert alice.call("GET", "/tenant/providers")["data"] == []
    builtin = alice.call(
        "POST", "/tenant/providers", json={"name": "multilingual-e5-small", "factory": "Builtin", "base_url": provider}
    )
    assert builtin["code"] == 101
    assert "built-in" in builtin["message"]


def test_the_prompt_fits_a_small_context_window(alice: Tenant, provider: str) -> None:
    from ragloom.nlp.token_count import count_tokens

    configure(alice, provider, "hashbow", "embedding", dimension=DIMENSION)
    configure(alice, provider, "parrot", "chat", context_window=600)
    dataset = alice.call("POST", "/datasets", json={"name": "long", "embedding_model": EMBEDDING})["data"]
    paragraphs = [
        f"Bananas fact {number}: " + "bananas grow in warm places and ripen fast. " * 25 for number in range(8)
    ]
    parse(alice, dataset["id"], "\n\n".join(paragraphs))
    chat = alice.call(
        "POST",
        "/chats",
        json={"name": "small", "dataset_ids": [dataset["id"]], "llm_id": CHAT, "llm_setting": {"max_tokens": 100}},
    )["data"]
    url = f"/chats/{chat['id']}/completions"
    session_id = ""
    for turn in range(4):
        body = {"question": f"Tell me about bananas, part {turn}.", "stream": False, "session_id": session_id}
        answer = alice.call("POST", url, json=body)
        assert answer["code"] == 0, answer
        session_id = answer["data"]["session_id"]
    sent = FakeProvider.chat_requests[-1]["messages"]
    assert sent[-1] == {"role": "user", "content": "Tell me about bananas, part 3."}
    assert sum(count_tokens(message["content"]) + 4 for message in sent) <= 600 - 100
    assert "Bananas fact" in sent[0]["content"]  # some knowledge made it in, cut to fit

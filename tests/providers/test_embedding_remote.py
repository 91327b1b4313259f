"""Remote embedding providers against a local HTTP server speaking their APIs."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest

from ragloom.errors import ProviderError
from ragloom.providers.catalog import ModelCatalog
from ragloom.providers.embedding import EmbeddingModels
from ragloom.settings import ModelSettings, RemoteModel


class FakeModelServer:
    """Deterministic embeddings over HTTP; ``failures`` answers the next requests with an error status."""

    def __init__(self) -> None:
        self.failures: list[int] = []
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                if server.failures:
                    self.send_response(server.failures.pop(0))
                    self.end_headers()
                    self.wfile.write(b"busy")
                    return
                vectors = [[float(len(text)), 1.0, 0.0] for text in body["input"]]
                if self.path == "/api/embed":
                    answer: dict[str, Any] = {"embeddings": vectors}
                else:
                    answer = {"data": [{"index": i, "embedding": v} for i, v in reversed(list(enumerate(vectors)))]}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    fake = FakeModelServer()
    yield fake
    fake.httpd.shutdown()
    fake.httpd.server_close()


def models_for(*remote: RemoteModel) -> EmbeddingModels:
    return EmbeddingModels(ModelCatalog.configured(ModelSettings(remote=list(remote))))


def test_openai_compatible_embeddings_keep_input_order(server: FakeModelServer) -> None:
    remote = RemoteModel(name="bge-m3", factory="OpenAI-API-Compatible", base_url=f"{server.url}/v1", api_key="sk-1")
    model = models_for(remote).get("bge-m3@OpenAI-API-Compatible")
    vectors = model.embed_documents(["a", "bbb", "cc"])
    assert model.dimension == 3
    lengths = vectors[:, 0] / vectors[:, 1]
    assert np.allclose(lengths, [1, 3, 2])
    assert server.requests[0]["path"] == "/v1/embeddings"
    assert server.requests[0]["body"] == {"model": "bge-m3", "input": ["a", "bbb", "cc"]}
    assert server.requests[0]["auth"] == "Bearer sk-1"


def test_ollama_native_api(server: FakeModelServer) -> None:
    model = models_for(RemoteModel(name="nomic", factory="Ollama", base_url=server.url)).get("nomic@Ollama")
    assert model.embed_query("four").shape == (3,)
    assert server.requests[-1]["path"] == "/api/embed"


def test_batches_are_split(server: FakeModelServer) -> None:
    remote = RemoteModel(name="m", factory="VLLM", base_url=server.url, batch_size=2)
    assert models_for(remote).get("m@VLLM").embed_documents(["a", "b", "c", "d", "e"]).shape == (5, 3)
    assert [len(request["body"]["input"]) for request in server.requests] == [2, 2, 1]


def test_busy_answers_are_retried(server: FakeModelServer) -> None:
    server.failures = [429, 503]
    model = models_for(RemoteModel(name="m", factory="VLLM", base_url=server.url)).get("m@VLLM")
    assert model.embed_query("x").shape == (3,)
    assert len(server.requests) == 3


def test_errors_are_clear(server: FakeModelServer) -> None:
    server.failures = [400]
    model = models_for(RemoteModel(name="m", factory="VLLM", base_url=server.url, max_retries=1)).get("m@VLLM")
    with pytest.raises(ProviderError) as refused:
        model.embed_query("x")
    assert refused.value.message == "Embedding model m@VLLM refused the request (HTTP 400)"
    server.failures = [500, 500]
    with pytest.raises(ProviderError, match="is unavailable .* after 2 attempts"):
        model.embed_query("x")


def test_a_stopped_server_is_a_clear_error() -> None:
    remote = RemoteModel(name="m", factory="VLLM", base_url="http://127.0.0.1:9", max_retries=0, timeout_seconds=2)
    with pytest.raises(ProviderError, match=r"unavailable \(ConnectError: Connection refused\)"):
        models_for(remote).get("m@VLLM").embed_query("x")


def test_a_wrong_dimension_is_refused(server: FakeModelServer) -> None:
    remote = RemoteModel(name="m", factory="VLLM", base_url=server.url, dimension=1024)
    with pytest.raises(ProviderError, match="returned 3 dimensions, configured 1024"):
        models_for(remote).get("m@VLLM").embed_query("x")

"""A real HTTP server speaking the OpenAI-style model APIs ragloom calls, for tests.

``POST …/embeddings`` answers hashed bag-of-words vectors, ``…/rerank`` scores by shared
words, ``…/chat/completions`` streams ``answer`` (:data:`ANSWER` unless a test scripts
another, a list of pieces for several deltas) over SSE — or, with ``chat_reply`` set, what that
function returns for the request body: ``{"content": …}`` and/or ``{"tool_calls": [(name,
arguments JSON), …]}``, the calls streamed in pieces as OpenAI streams them. Every request is
recorded, path and body (chat bodies also in ``chat_requests``), so a test can prove that nothing
reached the server, or what did. With ``failure`` set, every request (or those whose path ends with
``failing``) is answered with that status and :data:`SECRET` in the body — text no API answer may
repeat.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DIMENSION = 32
ANSWER = "Bananas are rich in potassium."
SECRET = "SECRET-INTERNAL"


def hashed_vector(text: str) -> list[float]:
    """A deterministic unit vector of the words in ``text``."""
    vector = [0.0] * DIMENSION
    for word in re.findall(r"\w+", text.lower()):
        vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % DIMENSION] += 1.0
    norm = sum(value * value for value in vector) ** 0.5 or 1.0
    return [value / norm for value in vector]


def chat_chunks(reply: dict[str, Any]) -> list[dict[str, Any]]:
    """A reply as OpenAI streams it: the text, then each call's name and its arguments in two pieces."""
    chunks: list[dict[str, Any]] = []
    if reply.get("content"):
        chunks.append({"choices": [{"index": 0, "delta": {"role": "assistant", "content": reply["content"]}}]})
    for index, (name, arguments) in enumerate(reply.get("tool_calls") or []):
        start = {"index": index, "id": f"call_{index}", "type": "function", "function": {"name": name, "arguments": ""}}
        chunks.append({"choices": [{"index": 0, "delta": {"tool_calls": [start]}}]})
        half = len(arguments) // 2
        for part in (arguments[:half], arguments[half:]):
            chunks.append(
                {
                    "choices": [
                        {"index": 0, "delta": {"tool_calls": [{"index": index, "function": {"arguments": part}}]}}
                    ]
                }
            )
    finish = "tool_calls" if reply.get("tool_calls") else "stop"
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    return chunks


class OpenAIStyleServer:
    """Serves the three model APIs on ``host`` (a free port) until :meth:`close`."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.paths: list[str] = []
        self.bodies: list[dict[str, Any]] = []
        self.failure: int | None = None
        self.failing = ""  # with ``failure``: only requests whose path ends so fail ("": all)
        self.answer: str | list[str] = ANSWER  # a list streams piece by piece
        self.chat_reply: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.chat_requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                server.paths.append(self.path)
                server.bodies.append(body)
                if server.failure is not None and self.path.endswith(server.failing):
                    self._send(server.failure, f"upstream says: {SECRET} (db password hunter2)".encode(), "text/plain")
                elif self.path.endswith("/embeddings"):
                    texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    data = [{"index": number, "embedding": hashed_vector(text)} for number, text in enumerate(texts)]
                    self._send(200, json.dumps({"data": data}).encode(), "application/json")
                elif self.path.endswith("/rerank"):
                    query = set(re.findall(r"\w+", body["query"].lower()))
                    results = [
                        {"index": number, "relevance_score": len(query & set(re.findall(r"\w+", text.lower()))) / 10}
                        for number, text in enumerate(body["documents"])
                    ]
                    self._send(200, json.dumps({"results": results}).encode(), "application/json")
                else:
                    server.chat_requests.append(body)
                    if server.chat_reply is not None:
                        chunks = chat_chunks(server.chat_reply(body))
                    else:
                        pieces = [server.answer] if isinstance(server.answer, str) else server.answer
                        chunks = [{"choices": [{"index": 0, "delta": {"content": piece}}]} for piece in pieces]
                        chunks[-1]["choices"][0]["finish_reason"] = "stop"
                    events = "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in chunks) + "data: [DONE]\n\n"
                    self._send(200, events.encode(), "text/event-stream")

            def _send(self, status: int, payload: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.port = int(self.httpd.server_address[1])
        self.url = f"http://{host}:{self.port}/v1"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def model(self, kind: str, **overrides: Any) -> dict[str, Any]:
        """The ``[[models.remote]]`` / ``/tenant/providers`` fields of a model of ``kind`` served here."""
        names = {"embedding": "hashbow", "rerank": "overlap", "chat": "parrot"}
        return {
            "name": names[kind],
            "factory": "OpenAI-API-Compatible",
            "kind": kind,
            "base_url": self.url,
            "max_retries": 1,
            "timeout_seconds": 5,
            **({"dimension": DIMENSION} if kind == "embedding" else {}),
            **overrides,
        }

"""Remote chat providers against a local HTTP server that streams their wire formats.

The fake server answers each request with the next scripted reply: a streamed body (SSE or
NDJSON, one flushed HTTP chunk per event), an error status, or a stream that breaks off.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ragloom.errors import ProviderError
from ragloom.providers.chat import ChatMessage, ChatModel, Delta, GenerationOptions, Usage
from ragloom.settings import RemoteModel

QUESTION = [ChatMessage("system", "Be brief."), ChatMessage("user", "Capital of France?")]
NO_OPTIONS = GenerationOptions()


@dataclass
class Reply:
    """What the server sends for one request.

    ``events`` are written one per flushed chunk; before the event at ``pause_before`` the
    server waits for ``resume`` (and records whether it was set in time). ``status`` other
    than 200 sends ``body`` with ``headers`` instead. ``break_off`` closes the connection
    after the events without ending the chunked body. Without ``chunked`` the body is
    delimited only by closing the connection (as HTTP/1.0 servers do), so a cut is invisible.
    """

    events: list[bytes] = field(default_factory=list)
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/event-stream"
    pause_before: int | None = None
    resume: threading.Event = field(default_factory=threading.Event)
    resumed_in_time: bool | None = None
    break_off: bool = False
    chunked: bool = True


def sse(*chunks: dict[str, Any], done: bool = True) -> list[bytes]:
    events = [f"data: {json.dumps(chunk)}\n\n".encode() for chunk in chunks]
    return [*events, b"data: [DONE]\n\n"] if done else events


def ndjson(*events: dict[str, Any]) -> list[bytes]:
    return [(json.dumps(event) + "\n").encode() for event in events]


def openai_delta(**delta: str) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta}]}


def openai_usage(prompt: int, completion: int) -> dict[str, Any]:
    return {"id": "c1", "choices": [], "usage": {"prompt_tokens": prompt, "completion_tokens": completion}}


def ollama_message(content: str = "", thinking: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if thinking is not None:
        message["thinking"] = thinking
    return {"model": "qwen3", "message": message, "done": False}


class FakeChatServer:
    """Serves scripted replies (by default, an empty successful stream) and records requests."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # each event leaves at once, as a real stream would

            def log_message(self, *_args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                reply = server.replies.pop(0) if server.replies else Reply()
                self.close_connection = True
                if reply.status != 200:
                    self.send_response(reply.status)
                    for name, value in {**reply.headers, "Content-Length": str(len(reply.body))}.items():
                        self.send_header(name, value)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(reply.body)
                    return
                self.send_response(200)
                self.send_header("Content-Type", reply.content_type)
                if reply.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.flush()
                for number, event in enumerate(reply.events):
                    if number == reply.pause_before:
                        reply.resumed_in_time = reply.resume.wait(timeout=5)
                    self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n" if reply.chunked else event)
                    self.wfile.flush()
                if reply.chunked and not reply.break_off:
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Backoff pauses are recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr("ragloom.providers.http.time.sleep", recorded.append)
    return recorded


def chat(server: FakeChatServer, **overrides: Any) -> RemoteModel:
    values: dict[str, Any] = {"name": "m", "factory": "VLLM", "kind": "chat", "base_url": f"{server.url}/v1"}
    return RemoteModel(**{**values, **overrides})


def ollama(server: FakeChatServer, **overrides: Any) -> RemoteModel:
    values: dict[str, Any] = {"name": "qwen3", "factory": "Ollama", "kind": "chat", "base_url": server.url}
    return RemoteModel(**{**values, **overrides})


def collect(model: ChatModel, options: GenerationOptions = NO_OPTIONS) -> tuple[str, str, Usage | None]:
    deltas = list(model.stream(QUESTION, options))
    assert all(delta.reasoning == "" or delta.content == "" for delta in deltas)
    usage = [delta.usage for delta in deltas if delta.usage is not None]
    assert usage in ([], [deltas[-1].usage])  # usage comes once, last
    content = "".join(delta.content for delta in deltas)
    reasoning = "".join(delta.reasoning for delta in deltas)
    return content, reasoning, usage[0] if usage else None


# ---- OpenAI-compatible SSE -------------------------------------------------------------------


def test_openai_deltas_arrive_while_the_server_is_still_sending(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel]
) -> None:
    reply = Reply(
        events=sse(openai_delta(role="assistant", content="Par"), openai_delta(content="is."), openai_usage(12, 3)),
        pause_before=1,
    )
    server.replies = [reply]
    stream = connect(chat(server)).stream(QUESTION, NO_OPTIONS)
    assert next(stream) == Delta(content="Par")
    assert not reply.resume.is_set()  # the server holds the rest back until the test lets it go
    reply.resume.set()
    rest = list(stream)
    assert reply.resumed_in_time is True
    assert rest == [Delta(content="is."), Delta(usage=Usage(12, 3))]


def test_openai_request_carries_model_messages_options_and_key(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel]
) -> None:
    server.replies = [Reply(events=sse(openai_delta(content="ok")))]
    model = connect(chat(server, name="qwen-plus", factory="Tongyi-Qianwen", api_key="sk-secret"))
    options = GenerationOptions(temperature=0.2, top_p=0.9, max_tokens=64)
    assert collect(model, options) == ("ok", "", None)
    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer sk-secret"
    assert request["body"] == {
        "model": "qwen-plus",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of France?"}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "temperature": 0.2,
        "top_p": 0.9,
        "max_tokens": 64,
    }


def test_openai_without_a_key_sends_no_authorization(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel]
) -> None:
    server.replies = [Reply(events=sse(openai_delta(content="ok")))]
    collect(connect(chat(server)))
    assert server.requests[0]["auth"] is None


@pytest.mark.parametrize("field_name", ["reasoning_content", "reasoning"])
def test_openai_reasoning_fields_stay_out_of_content(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel], field_name: str
) -> None:
    server.replies = [
        Reply(
            events=sse(
                openai_delta(role="assistant", **{field_name: "The user wants "}),
                openai_delta(**{field_name: "a capital."}),
                openai_delta(content="Paris."),
                openai_usage(20, 9),
            )
        )
    ]
    assert collect(connect(chat(server))) == ("Paris.", "The user wants a capital.", Usage(20, 9))


def test_openai_inline_think_split_across_chunks_stays_out_of_content(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel]
) -> None:
    pieces = ["<th", "ink>Fra", "nce → Paris</thi", "nk>", "Paris", " <b", "> is it."]
    server.replies = [Reply(events=sse(*(openai_delta(content=piece) for piece in pieces), openai_usage(5, 7)))]
    assert collect(connect(chat(server))) == ("Paris <b> is it.", "France → Paris", Usage(5, 7))


def test_openai_stream_cut_without_done_is_a_provider_error(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel]
) -> None:
    server.replies = [Reply(events=sse(openai_delta(content="Par"), done=False), chunked=False)]
    with pytest.raises(ProviderError, match="Chat model m@VLLM .*ended its answer without saying it was done"):
        collect(connect(chat(server)))


def test_openai_finish_reason_without_done_is_a_whole_answer(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel]
) -> None:
    last = openai_delta(content="is.")
    last["choices"][0]["finish_reason"] = "stop"
    events = sse(openai_delta(content="Par"), last, openai_usage(4, 2), done=False)
    server.replies = [Reply(events=events, chunked=False)]
    assert collect(connect(chat(server))) == ("Paris.", "", Usage(4, 2))


def test_openai_error_event_is_a_provider_error_that_logs_what_it_said(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel], caplog: pytest.LogCaptureFixture
) -> None:
    error = {"error": {"message": "This model's maximum context length is 8192 tokens", "type": "invalid_request"}}
    server.replies = [Reply(events=sse(openai_delta(content="Par"), error, done=False))]
    stream = connect(chat(server)).stream(QUESTION, NO_OPTIONS)
    assert next(stream) == Delta(content="Par")
    with pytest.raises(ProviderError) as raised:
        next(stream)
    assert raised.value.message == "Chat model m@VLLM reported an error while answering"
    assert "maximum context length is 8192" in caplog.text


def test_openai_event_that_is_not_json_is_a_provider_error(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel], caplog: pytest.LogCaptureFixture
) -> None:
    server.replies = [Reply(events=[b"data: {not json SECRET-INTERNAL\n\n"])]
    with pytest.raises(ProviderError, match="not JSON") as raised:
        collect(connect(chat(server)))
    assert "SECRET" not in raised.value.message
    assert "SECRET-INTERNAL" in caplog.text


# ---- Ollama NDJSON ---------------------------------------------------------------------------


def test_ollama_streams_thinking_content_and_counts(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel]
) -> None:
    done = {"model": "qwen3", "message": {"role": "assistant", "content": ""}, "done": True}
    reply = Reply(
        events=ndjson(
            ollama_message(thinking="France's capital"),
            ollama_message(content="Par"),
            ollama_message(content="is."),
            {**done, "done_reason": "stop", "prompt_eval_count": 26, "eval_count": 11},
        ),
        content_type="application/x-ndjson",
        pause_before=2,
    )
    server.replies = [reply]
    stream = connect(ollama(server, base_url=f"{server.url}/v1", context_window=4096)).stream(
        QUESTION, GenerationOptions(temperature=0.1, max_tokens=100, presence_penalty=0.5)
    )
    assert next(stream) == Delta(reasoning="France's capital")
    assert next(stream) == Delta(content="Par")
    assert not reply.resume.is_set()
    reply.resume.set()
    assert list(stream) == [Delta(content="is."), Delta(usage=Usage(26, 11))]
    assert reply.resumed_in_time is True
    request = server.requests[0]
    assert request["path"] == "/api/chat"  # a trailing /v1 of the OpenAI-style address is dropped
    assert request["body"]["model"] == "qwen3"
    assert request["body"]["stream"] is True
    assert request["body"]["messages"][-1] == {"role": "user", "content": "Capital of France?"}
    assert request["body"]["options"] == {
        "num_ctx": 4096,
        "temperature": 0.1,
        "num_predict": 100,
        "presence_penalty": 0.5,
    }


def test_ollama_inline_think_stays_out_of_content(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel]
) -> None:
    server.replies = [
        Reply(
            events=ndjson(
                ollama_message(content="<think>hm"),
                ollama_message(content="m</th"),
                ollama_message(content="ink>Paris"),
                {"message": {"role": "assistant", "content": ""}, "done": True},
            ),
            content_type="application/x-ndjson",
        )
    ]
    assert collect(connect(ollama(server))) == ("Paris", "hmm", None)


def test_ollama_error_line_is_a_provider_error(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel], caplog: pytest.LogCaptureFixture
) -> None:
    server.replies = [Reply(events=ndjson({"error": "model 'qwen3' not found"}), content_type="application/x-ndjson")]
    with pytest.raises(ProviderError) as raised:
        collect(connect(ollama(server)))
    assert raised.value.message == "Chat model qwen3@Ollama reported an error while answering"
    assert "not found" in caplog.text


def test_ollama_line_that_is_not_json_is_not_echoed(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel]
) -> None:
    server.replies = [Reply(events=[b"<html>SECRET-INTERNAL admin page</html>\n"], content_type="text/html")]
    with pytest.raises(ProviderError) as raised:
        collect(connect(ollama(server)))
    assert raised.value.message == "Chat model qwen3@Ollama sent a line that is not JSON"


def test_ollama_stream_without_done_is_a_provider_error(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel]
) -> None:
    server.replies = [Reply(events=ndjson(ollama_message(content="Par")), content_type="application/x-ndjson")]
    with pytest.raises(ProviderError, match="without saying it was done"):
        collect(connect(ollama(server)))


# ---- failures, shared by both through stream_lines --------------------------------------------


def test_busy_answers_are_retried_honouring_retry_after(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel], sleeps: list[float]
) -> None:
    server.replies = [
        Reply(status=429, body=b"slow down", headers={"Retry-After": "2"}),
        Reply(status=503, body=b"warming up"),
        Reply(events=sse(openai_delta(content="ok"))),
    ]
    assert collect(connect(chat(server)))[0] == "ok"
    assert len(server.requests) == 3
    assert sleeps == [2.0, 1.0]  # Retry-After, then the backoff of the second attempt


def test_ollama_busy_answers_are_retried(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel], sleeps: list[float]
) -> None:
    server.replies = [
        Reply(status=429, headers={"Retry-After": "0.25"}),
        Reply(events=ndjson(ollama_message(content="ok"), {"done": True}), content_type="application/x-ndjson"),
    ]
    assert collect(connect(ollama(server)))[0] == "ok"
    assert sleeps == [0.25]


def test_server_errors_exhaust_the_retries(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel], sleeps: list[float]
) -> None:
    server.replies = [Reply(status=500, body=b"overloaded") for _ in range(3)]
    with pytest.raises(ProviderError) as raised:
        collect(connect(chat(server, max_retries=2)))
    assert raised.value.message == "Chat model m@VLLM is unavailable (HTTP 500) after 3 attempts"
    assert len(server.requests) == 3
    assert sleeps == [0.5, 1.0]


def test_a_bad_request_is_refused_without_retrying_and_its_body_only_logged(
    server: FakeChatServer,
    connect: Callable[[RemoteModel], ChatModel],
    sleeps: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server.replies = [Reply(status=400, body=b'{"error": "unknown model SECRET-INTERNAL"}\x1b[31m\nforged line')]
    with pytest.raises(ProviderError) as raised:
        collect(connect(chat(server)))
    assert raised.value.message == "Chat model m@VLLM refused the request (HTTP 400)"
    assert len(server.requests) == 1
    assert sleeps == []
    (logged,) = [record.getMessage() for record in caplog.records if "SECRET-INTERNAL" in record.getMessage()]
    assert "\n" not in logged
    assert "\x1b" not in logged  # control characters are escaped
    assert f"{server.url}/v1/chat/completions" in logged  # the log says where; the message does not


def test_only_the_start_of_a_long_error_body_is_read(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel], caplog: pytest.LogCaptureFixture
) -> None:
    server.replies = [Reply(status=400, body=b"x" * 1_000_000)]
    with pytest.raises(ProviderError, match=r"HTTP 400"):
        collect(connect(chat(server)))
    assert "x" * 500 in caplog.text
    assert "x" * 501 not in caplog.text


@pytest.mark.parametrize("provider", ["openai", "ollama"])
def test_a_stream_that_breaks_off_is_a_provider_error(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel], sleeps: list[float], provider: str
) -> None:
    if provider == "openai":
        events, remote = sse(openai_delta(content="Par"), done=False), chat(server)
    else:
        events, remote = ndjson(ollama_message(content="Par")), ollama(server)
    server.replies = [Reply(events=events, break_off=True)]
    stream = connect(remote).stream(QUESTION, NO_OPTIONS)
    assert next(stream) == Delta(content="Par")
    with pytest.raises(ProviderError, match="broke off while answering"):
        next(stream)
    assert len(server.requests) == 1  # a partial answer is not retried
    assert sleeps == []


@pytest.mark.parametrize("factory", ["VLLM", "Ollama"])
def test_a_server_that_is_not_running_fails_quickly(
    connect: Callable[[RemoteModel], ChatModel], sleeps: list[float], factory: str
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    remote = RemoteModel(
        name="m", factory=factory, kind="chat", base_url=f"http://127.0.0.1:{port}", max_retries=1, timeout_seconds=2
    )
    model = connect(remote)
    started = time.monotonic()
    with pytest.raises(
        ProviderError,
        match=rf"Chat model m@{factory} is unavailable \(ConnectError: Connection refused\) after 2 attempts",
    ):
        collect(model)
    assert time.monotonic() - started < 2
    assert sleeps == [0.5]

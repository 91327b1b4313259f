"""Limits, headers and logs on a real server: what only a real HTTP stack shows (a body refused
before it is sent or finished, a ``%0A`` decoded into the path), and that RAGFlow clients
still get their bytes."""

from __future__ import annotations

import select
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e.conftest import LiveServer, ragloom, start_server, stop_server

TIMEOUT = 10
BODY_LIMIT = 16 * 1024 * 1024


def exchange(base_url: str, head: bytes, pieces: list[bytes] | None = None) -> bytes:
    """Send ``head`` (and then ``pieces``) on one connection and read the answer until the server
    closes it; the request is never finished from this side."""
    address = urlsplit(base_url)
    with socket.create_connection((address.hostname, address.port), timeout=TIMEOUT) as connection:
        connection.sendall(head)
        try:
            for piece in pieces or []:
                # Stop sending once the server has answered: data sent after it closes would make it
                # reset the connection, and a reset can discard its answer before it is read.
                if select.select([connection], [], [], 0)[0]:
                    break
                connection.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the rest was sent
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass  # what arrived before the reset is the answer
    return received


def request_head(live_server: LiveServer, method: str, path: str, **headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {urlsplit(live_server.base_url).netloc}"]
    lines += [f"Authorization: Bearer {live_server.key}", "Connection: close"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(live_server: LiveServer) -> None:
    head = request_head(
        live_server, "POST", "/api/v1/datasets", Content_Type="application/json", Content_Length=str(BODY_LIMIT + 1)
    )
    started = time.monotonic()
    answer = exchange(live_server.base_url, head)  # no body at all
    assert time.monotonic() - started < 5
    assert answer.startswith(b"HTTP/1.1 200")
    assert b'{"code":101,"message":"Request body is larger than the limit of 16777216 bytes."}' in answer
    assert b"x-content-type-options: nosniff" in answer.lower()


def test_a_chunked_body_is_refused_before_it_ends(live_server: LiveServer, unique_name: str) -> None:
    head = request_head(
        live_server, "POST", "/api/v1/datasets", Content_Type="application/json", Transfer_Encoding="chunked"
    )
    piece = b"x" * 65536
    start = f'{{"name": "{unique_name}", "description": "'.encode()
    pieces = [f"{len(start):x}\r\n".encode() + start + b"\r\n"]
    pieces += [f"{len(piece):x}\r\n".encode() + piece + b"\r\n"] * (BODY_LIMIT // len(piece) + 1)
    answer = exchange(live_server.base_url, head, pieces)  # never sends the closing chunk
    assert b'{"code":101,"message":"Request body is larger than the limit of 16777216 bytes."}' in answer
    listed = requests.get(f"{live_server.api_url}/datasets", headers=live_server.headers(), timeout=TIMEOUT)
    assert unique_name not in [dataset["name"] for dataset in listed.json()["data"]]


def test_deep_json_and_huge_integers_are_clear_101s(live_server: LiveServer, unique_name: str) -> None:
    api, auth = live_server.api_url, live_server.headers()
    deep = b"[" * 100_000 + b"]" * 100_000
    answer = requests.post(
        f"{api}/datasets", data=deep, headers={**auth, "Content-Type": "application/json"}, timeout=TIMEOUT
    )
    assert answer.json() == {"code": 101, "message": "JSON is nested deeper than the limit of 64 levels."}
    dataset = requests.post(f"{api}/datasets", json={"name": unique_name}, headers=auth, timeout=TIMEOUT).json()
    documents = f"{api}/datasets/{dataset['data']['id']}/documents"
    for key in ("page", "create_time_from"):
        answer = requests.get(documents, params={key: 10**30}, headers=auth, timeout=TIMEOUT).json()
        assert answer["code"] == 101
        assert "must be at most" in answer["message"]


def test_every_answer_says_nosniff(live_server: LiveServer) -> None:
    api = live_server.api_url
    for answer in (
        requests.get(f"{api}/datasets", headers=live_server.headers(), timeout=TIMEOUT),
        requests.get(f"{api}/datasets", timeout=TIMEOUT),
        requests.get(f"{api}/no/such/route", timeout=TIMEOUT),
        requests.get(f"{api}/system/ping", timeout=TIMEOUT),
    ):
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_the_sdk_downloads_active_content_unchanged(rag, unique_name) -> None:  # type: ignore[no-untyped-def]
    dataset = rag.create_dataset(name=unique_name)
    files = {
        "page.html": b"<html><body><script>alert(1)</script></body></html>",
        "drawing.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    }
    documents = dataset.upload_documents([{"display_name": name, "blob": data} for name, data in files.items()])
    assert {document.name: document.download() for document in documents} == files


@pytest.fixture
def logging_server(tmp_path: Path, server_env: dict[str, str]):  # type: ignore[no-untyped-def]
    """A server of its own logging every request as text, with no parse workers."""
    env = {**server_env, "RAGLOOM_LOG__LEVEL": "INFO", "RAGLOOM_WORKERS__COUNT": "0"}
    data_dir, log = tmp_path / "data", tmp_path / "server.log"
    ragloom("apikey", "create", "--data-dir", str(data_dir), env=env)
    process, base_url = start_server(data_dir, env, log)
    yield base_url, log
    stop_server(process)


def test_a_path_with_a_newline_cannot_forge_a_log_line(logging_server: tuple[str, Path]) -> None:
    base_url, log = logging_server
    forged = "/api/v1/x%0A2025-01-01T00:00:00.000%20INFO%20%20%20%20ragloom.access%20GET%20/admin%20200%1B[2J"
    head = f"GET {forged} HTTP/1.1\r\nHost: {urlsplit(base_url).netloc}\r\nConnection: close\r\n\r\n".encode()
    assert exchange(base_url, head).startswith(b"HTTP/1.1 404")
    deadline = time.monotonic() + TIMEOUT
    while b"/api/v1/x" not in log.read_bytes() and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = log.read_text().splitlines()
    (logged,) = [line for line in lines if "/api/v1/x" in line]
    assert "GET /api/v1/x\\n2025-01-01T00:00:00.000 INFO    ragloom.access GET /admin 200\\x1b[2J 404" in logged
    assert not [line for line in lines if line.startswith("2025-01-01")]

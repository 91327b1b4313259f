"""The OpenAI-compatible chat provider against a real server: llama.cpp's own, over the packaged GGUF.

A ragloom server is configured with the llama.cpp server as a remote ``OpenAI-API-Compatible`` chat model;
a chat using it answers in stream and non-stream mode. Then the llama.cpp server is stopped: the stream
ends with RAGFlow's error event (code 500, a message naming the model and the reason) and the terminator,
and a non-stream request gets the same error as a JSON answer.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from ragloom.providers.chat.local_llama import local_chat_available, packaged_gguf
from tests.e2e.conftest import free_port, ragloom, start_server, stop_server

pytestmark = pytest.mark.skipif(not local_chat_available(), reason="the local extra is not installed")

MODEL_ID = "smollm2@OpenAI-API-Compatible"


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama.cpp server exited with {process.returncode}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    log = tmp_path_factory.mktemp("llama") / "llama.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "llama_cpp.server",
                "--model", str(packaged_gguf()),
                "--host", "127.0.0.1", "--port", str(port),
                "--n_ctx", "2048", "--n_threads", "1",
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/v1/models", process)
        yield process, f"{base}/v1"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def configured_server(
    tmp_path_factory: pytest.TempPathFactory, server_env: dict[str, str], llama_server: tuple[Any, str]
) -> Iterator[tuple[str, str]]:
    folder = tmp_path_factory.mktemp("remote-chat")
    config = folder / "ragloom.toml"
    config.write_text(
        "[[models.remote]]\n"
        'name = "smollm2"\nfactory = "OpenAI-API-Compatible"\nkind = "chat"\n'
        f'base_url = "{llama_server[1]}"\ncontext_window = 2048\ntimeout_seconds = 60\nmax_retries = 1\n'
    )
    env = {**server_env, "RAGLOOM_CONFIG": str(config)}
    data_dir = folder / "data"
    key = ragloom("apikey", "create", "--data-dir", str(data_dir), env=env).strip()
    process, base_url = start_server(data_dir, env, folder / "server.log")
    try:
        yield base_url, key
    finally:
        stop_server(process)


def test_remote_openai_compatible_chat_answers_then_reports_a_stopped_provider(
    configured_server: tuple[str, str], llama_server: tuple[subprocess.Popen[bytes], str]
) -> None:
    base_url, key = configured_server
    headers = {"Authorization": f"Bearer {key}"}
    api = f"{base_url}/api/v1"
    created = requests.post(
        f"{api}/chats",
        json={"name": "remote", "llm_id": MODEL_ID, "llm_setting": {"max_tokens": 32}},
        headers=headers,
        timeout=30,
    ).json()
    assert created["code"] == 0, created
    chat_id = created["data"]["id"]
    url = f"{api}/chats/{chat_id}/completions"

    answer = requests.post(url, json={"question": "Say hello.", "stream": False}, headers=headers, timeout=120).json()
    assert answer["code"] == 0
    assert answer["data"]["answer"].strip()
    with requests.post(url, json={"question": "Say hello."}, headers=headers, stream=True, timeout=120) as response:
        events = [json.loads(line[5:]) for line in response.iter_lines(decode_unicode=True) if line.startswith("data:")]
    assert len(events) >= 3
    assert events[-1]["data"] is True
    assert "".join(event["data"]["answer"] for event in events[:-1]).strip()

    process, _ = llama_server
    process.terminate()
    process.wait(timeout=10)
    with requests.post(url, json={"question": "Say hello."}, headers=headers, stream=True, timeout=60) as response:
        events = [json.loads(line[5:]) for line in response.iter_lines(decode_unicode=True) if line.startswith("data:")]
    error, terminator = events[-2], events[-1]
    assert error["code"] == 500
    assert MODEL_ID in error["message"]
    assert "unavailable" in error["message"]
    assert error["data"]["answer"].startswith("**ERROR**: ")
    assert terminator == {"code": 0, "message": "", "data": True}
    failed = requests.post(url, json={"question": "Say hello.", "stream": False}, headers=headers, timeout=60).json()
    assert failed["code"] == 500
    assert MODEL_ID in failed["message"]

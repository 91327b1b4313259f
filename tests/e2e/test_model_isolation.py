"""Built-in models run in model processes of their own: a crash there ends one request, never the server.

The server's model processes are found among its children by their command line; the test kills
them as a crash in native code would (SIGKILL, SIGILL — what llama.cpp's AMX code does on a CPU that
advertises AMX but cannot run it) and checks that the request they held ends with RAGFlow's error
naming the model and the signal, that the API kept answering, and that the next request is served.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from ragloom.providers.chat.local_llama import SMOLLM2_ID, local_chat_available
from tests.e2e.chats_support import FAST_MODEL
from tests.e2e.conftest import LiveServer

HOST_MODULE = "ragloom.providers.isolated.host"


def model_processes(server_pid: int) -> dict[str, int]:
    """The server's model processes: model id -> pid."""
    found = {}
    for children in Path(f"/proc/{server_pid}/task").glob("*/children"):
        for pid in children.read_text().split():
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except FileNotFoundError:
                continue
            if HOST_MODULE.encode() in command:
                spec = json.loads(command[command.index(HOST_MODULE.encode()) + 1])
                found[spec["model_id"]] = int(pid)
    return found


def model_process(server: LiveServer, model_id: str) -> int:
    pid = model_processes(server.process.pid).get(model_id)
    assert pid is not None, f"no model process for {model_id}"
    return pid


def assert_serving(server: LiveServer) -> None:
    assert server.process.poll() is None
    assert requests.get(f"{server.api_url}/system/ping", timeout=5).text == "pong"


def sse_events(response: requests.Response) -> list[dict[str, Any]]:
    return [json.loads(line[5:]) for line in response.iter_lines(decode_unicode=True) if line.startswith("data:")]


@pytest.mark.skipif(not local_chat_available(), reason="the local extra is not installed")
def test_a_chat_model_killed_mid_answer_ends_that_answer_and_the_server_keeps_serving(
    live_server: LiveServer, api: str, auth: dict[str, str]
) -> None:
    created = requests.post(
        f"{api}/chats",
        json={"name": f"isolation-{time.time_ns()}", "llm_id": SMOLLM2_ID, "llm_setting": {"max_tokens": 300}},
        headers=auth,
        timeout=30,
    ).json()
    assert created["code"] == 0, created
    url = f"{api}/chats/{created['data']['id']}/completions"
    question = {"question": "Tell me a long story about a cat.", "stream": True}

    for crash in (signal.SIGKILL, signal.SIGILL):
        with requests.post(url, json=question, headers=auth, stream=True, timeout=120) as response:
            lines = response.iter_lines(decode_unicode=True)
            first = next(line for line in lines if line.startswith("data:"))
            assert json.loads(first[5:])["code"] == 0
            os.kill(model_process(live_server, SMOLLM2_ID), crash)
            rest = [json.loads(line[5:]) for line in lines if line.startswith("data:")]
        error, terminator = rest[-2], rest[-1]
        assert error["code"] == 500
        assert SMOLLM2_ID in error["message"]
        assert f"killed by signal {crash.name}" in error["message"]
        assert terminator == {"code": 0, "message": "", "data": True}
        assert_serving(live_server)

        answered = requests.post(
            url, json={"question": "Say hello.", "stream": False}, headers=auth, timeout=120
        ).json()
        assert answered["code"] == 0, answered
        assert answered["data"]["answer"].strip()


def test_an_embedding_model_that_crashes_under_a_question_fails_that_question_only(
    live_server: LiveServer, api: str, auth: dict[str, str]
) -> None:
    dataset = requests.post(
        f"{api}/datasets",
        json={"name": f"isolation-{time.time_ns()}", "embedding_model": FAST_MODEL},
        headers=auth,
        timeout=30,
    ).json()["data"]
    retrieve = {"dataset_ids": [dataset["id"]], "question": "pandas"}
    assert requests.post(f"{api}/retrieval", json=retrieve, headers=auth, timeout=60).json()["code"] == 0

    pid = model_process(live_server, FAST_MODEL)
    os.kill(pid, signal.SIGSTOP)  # hold the next question inside the model process
    answers: list[dict[str, Any]] = []
    held = {**retrieve, "question": "where do pandas live"}  # not asked before: no cached vector answers it
    asking = threading.Thread(
        target=lambda: answers.append(requests.post(f"{api}/retrieval", json=held, headers=auth, timeout=60).json())
    )
    asking.start()
    time.sleep(0.5)
    os.kill(pid, signal.SIGSEGV)
    os.kill(pid, signal.SIGCONT)
    asking.join(30)
    assert len(answers) == 1
    assert answers[0]["code"] != 0
    assert FAST_MODEL in answers[0]["message"]
    assert "killed by signal SIGSEGV" in answers[0]["message"]
    assert_serving(live_server)
    again = {**retrieve, "question": "what do pandas eat"}  # a new question, so a new model process answers it
    assert requests.post(f"{api}/retrieval", json=again, headers=auth, timeout=60).json()["code"] == 0
    assert model_process(live_server, FAST_MODEL) != pid

"""``ragloom mcp``: MCP over stdin/stdout on a data directory, for the tenant of one API key — driven
by the ``mcp`` client's stdio transport, on the live server's data (read while the server runs)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession

from tests.e2e.conftest import LiveServer
from tests.mcp.support import FACT, QUESTION, Corpus, build_corpus, calls, over_stdio, text_of

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def corpus(live_server: LiveServer) -> Corpus:
    return build_corpus(live_server)


def test_list_datasets_and_retrieve_over_stdio(live_server: LiveServer, corpus: Corpus, tmp_path: Path) -> None:
    async def operation(session: ClientSession) -> list[Any]:
        tools = await session.list_tools()
        assert [tool.name for tool in tools.tools] == ["list_datasets", "retrieve", "list_chats", "ask_chat"]
        return await calls(
            ("list_datasets", {"page_size": 100}),
            ("retrieve", {"dataset_ids": [corpus.dataset_id], "question": QUESTION, "page_size": 1, "top_k": 32}),
            ("retrieve", {"dataset_ids": ["0123456789abcdef0123456789abcdef"], "question": QUESTION}),
        )(session)

    errors = tmp_path / "stderr.log"
    env = _env(live_server)
    with errors.open("w") as sink:
        datasets, found, refused = over_stdio(live_server.data_dir, live_server.key, env, operation, sink)
    assert corpus.dataset_id in [dataset["id"] for dataset in datasets.structured_content["datasets"]]
    (chunk,) = found.structured_content["chunks"]
    assert chunk["content"] == FACT
    assert chunk["document_id"] == corpus.document_ids["festival.txt"]
    assert refused.is_error
    assert text_of(refused) == "You don't own the dataset 0123456789abcdef0123456789abcdef."


def test_the_other_tenants_key_reaches_nothing_over_stdio(
    live_server: LiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    with (tmp_path / "stderr.log").open("w") as sink:
        datasets, refused = over_stdio(
            live_server.data_dir,
            live_server.other_key,
            _env(live_server),
            calls(
                ("list_datasets", {"page_size": 100}),
                ("retrieve", {"dataset_ids": [corpus.dataset_id], "question": QUESTION}),
            ),
            sink,
        )
    assert corpus.dataset_id not in str(datasets.structured_content)
    assert text_of(refused) == f"You don't own the dataset {corpus.dataset_id}."


def test_stdout_carries_only_mcp_messages_and_the_logs_go_to_stderr(live_server: LiveServer) -> None:
    env = {**_env(live_server), "RAGLOOM_LOG__LEVEL": "DEBUG"}
    command = [sys.executable, "-m", "ragloom", "mcp", "--data-dir", str(live_server.data_dir)]
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": _initialize()},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "list_datasets", "arguments": {}}},
    ]
    with subprocess.Popen(
        command,
        env={**env, "RAGLOOM_API_KEY": live_server.key},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdin is not None
        assert process.stdout is not None
        for message in messages:
            process.stdin.write(json.dumps(message) + "\n")
            process.stdin.flush()
        replies = [json.loads(process.stdout.readline()) for _ in range(2)]
        process.stdin.close()
        rest = process.stdout.read()
        errors = process.stderr.read() if process.stderr is not None else ""
        assert process.wait(timeout=30) == 0, errors
    assert [reply["id"] for reply in replies] == [1, 2]
    assert replies[1]["result"]["isError"] is False
    assert rest == ""
    assert "serving MCP on stdin/stdout for tenant" in errors
    assert "MCP server stopped" in errors


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--api-key", "not-a-key"], "Error: the API key is not valid for this data directory"),
        ([], "Missing option '--api-key'"),
    ],
)
def test_without_a_valid_key_the_command_refuses_to_serve(
    live_server: LiveServer, arguments: list[str], expected: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ragloom", "mcp", "--data-dir", str(live_server.data_dir), *arguments],
        env=_env(live_server),
        input="",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert expected in done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr


def _env(server: LiveServer) -> dict[str, str]:
    assert server.env is not None
    return dict(server.env)


def _initialize() -> dict[str, Any]:
    return {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}

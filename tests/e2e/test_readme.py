"""The README's Python examples run as written against a live server, so they cannot rot: only the
API key and the server's address are put in place of the README's placeholders."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from ragloom.providers.chat.local_llama import local_chat_available
from tests.e2e.conftest import LiveServer, new_tenant_key

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Use it from ragflow-sdk and curl"


def examples() -> list[str]:
    """The Python blocks of the README's section on clients, in order."""
    text = README.read_text()
    start = text.index(SECTION)
    end = text.index("\n## ", start + len(SECTION))
    return re.findall(r"```python\n(.*?)```", text[start:end], flags=re.DOTALL)


def run(code: str, namespace: dict[str, object], key: str, base_url: str) -> str:
    """``code`` with the README's key and address replaced, run in ``namespace``; what it printed."""
    assert '"ragflow-…"' in code or "chat_id" in code
    code = code.replace('"ragflow-…"', repr(key)).replace("http://127.0.0.1:9380", base_url)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, str(README), "exec"), namespace)  # the README's own examples
    return printed.getvalue()


def test_the_readme_has_the_sdk_chat_and_openai_examples() -> None:
    found = examples()
    assert len(found) == 3
    assert "rag.create_dataset" in found[0]
    assert "create_chat" in found[1]
    assert "from openai import OpenAI" in found[2]


@pytest.mark.sdk
def test_the_sdk_example_runs(live_server: LiveServer, server_env: dict[str, str]) -> None:
    key = new_tenant_key(live_server, server_env, "readme-sdk")
    printed = run(examples()[0], {}, key, live_server.base_url)
    lines = printed.splitlines()
    assert re.fullmatch(r"\[\('\w+', 'DONE', 1, \d+\)\]", lines[0]), printed
    assert lines[1] == "Pandas eat <em>bamboo</em>."
    assert any(line.endswith("Pandas live in Sichuan.") for line in lines[2:]), printed


@pytest.mark.sdk
@pytest.mark.slow
@pytest.mark.skipif(not local_chat_available(), reason="the local extra is not installed")
def test_the_chat_and_openai_examples_run_on_the_built_in_model(
    live_server: LiveServer, server_env: dict[str, str]
) -> None:
    key = new_tenant_key(live_server, server_env, "readme-chat")
    namespace: dict[str, object] = {}
    _sdk, chat, openai = examples()
    printed = run(chat, namespace, key, live_server.base_url)
    answer, references = printed.rsplit("\n", 2)[-3], printed.rsplit("\n", 2)[-2]
    assert answer.strip(), printed
    assert references == "['Giant pandas live in Sichuan.']", printed
    streamed = run(openai, namespace, key, live_server.base_url)
    assert streamed.strip(), "the OpenAI example printed nothing"

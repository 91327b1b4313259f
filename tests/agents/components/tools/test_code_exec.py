"""CodeExec in the real sandbox: a separate process, limited, without network or the server's secrets."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.agents.components.tools.support import call_tool, node_error, run_node, tool_services
from tests.agents.scripted import answer


def _interpreter() -> str:
    """A Python the sandbox's user can run: a server running as root runs code as ``nobody``, who
    cannot enter root's home, where this test's interpreter may live."""
    if os.geteuid() != 0:
        return sys.executable
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if Path(candidate).exists():
            return candidate
    pytest.skip("no system Python for the sandbox's user")


SANDBOX: dict[str, Any] = {}


@pytest.fixture
def sandbox() -> dict[str, Any]:
    if shutil.which("unshare") is None or shutil.which("prlimit") is None:
        pytest.skip("the sandbox needs util-linux's unshare and prlimit")
    return {"enabled": True, "python": _interpreter(), "timeout_seconds": 10, "node": shutil.which("node") or ""}


def test_main_is_called_with_the_arguments_and_its_value_is_the_output(sandbox: dict[str, Any]) -> None:
    script = "def main(fruit: str, count: int) -> dict:\n    print('working')\n    return {'result': fruit * count}\n"
    with tool_services(sandbox=sandbox) as services:
        events, state = run_node(
            "CodeExec",
            "{Tool:1@result}",
            services,
            query="ab",
            script=script,
            arguments={"fruit": "{sys.query}", "count": 2},
        )
    assert answer(events) == "abab"
    outputs = state.outputs["Tool:1"]
    assert outputs["raw_result"] == {"result": "abab"}
    assert outputs["actual_type"] == "Object"
    assert outputs["stdout"] == "working\n"
    assert outputs["attachments"] == []


def test_a_single_declared_output_takes_the_whole_value(sandbox: dict[str, Any]) -> None:
    with tool_services(sandbox=sandbox) as services:
        _, state = run_node(
            "CodeExec",
            "{Tool:1@numbers}",
            services,
            script="def main():\n    return [1, 2, 3]\n",
            outputs={"numbers": {"type": "Array<Number>", "value": []}},
        )
    assert state.outputs["Tool:1"]["numbers"] == [1, 2, 3]
    assert state.outputs["Tool:1"]["content"] == "[\n  1,\n  2,\n  3\n]"


def test_as_a_tool_the_model_sends_the_code(sandbox: dict[str, Any]) -> None:
    with tool_services(sandbox=sandbox) as services:
        outputs, _ = call_tool(
            "CodeExec", {"lang": "python", "script": "def main():\n    return {'sum': sum(range(10))}\n"}, services
        )
    assert outputs["content"] == '{\n  "sum": 45\n}'


def test_javascript_runs_when_node_is_configured(sandbox: dict[str, Any]) -> None:
    if not sandbox["node"]:
        pytest.skip("no Node.js here")
    script = (
        "async function main(args) { console.log('js'); return { doubled: args.n * 2 }; }\nmodule.exports = { main };"
    )
    with tool_services(sandbox=sandbox) as services:
        outputs, _ = call_tool("CodeExec", {"lang": "javascript", "script": script}, services, arguments={"n": 21})
    assert outputs["raw_result"] == {"doubled": 42}
    assert outputs["stdout"] == "js\n"


def test_the_code_has_no_network_no_server_environment_and_its_own_directory(
    sandbox: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAGLOOM_SECRET_FOR_TEST", "hunter2")
    script = (
        "import os, socket\n"
        "def main():\n"
        "    try:\n"
        "        socket.create_connection(('127.0.0.1', 9), timeout=2)\n"
        "        network = 'open'\n"
        "    except OSError as error:\n"
        "        network = type(error).__name__\n"
        "    return {'network': network, 'environment': sorted(os.environ), 'cwd': os.getcwd(), 'uid': os.getuid()}\n"
    )
    with tool_services(sandbox=sandbox) as services:
        outputs, _ = call_tool("CodeExec", {"script": script}, services)
    value = outputs["raw_result"]
    assert value["network"] != "open"
    assert value["environment"] == ["HOME", "LANG", "PATH", "TMPDIR"]
    assert "ragloom-sandbox-" in value["cwd"]
    assert not Path(value["cwd"]).exists()  # removed after the run
    if os.geteuid() == 0:
        assert value["uid"] != 0


def test_a_run_past_its_wall_clock_limit_is_stopped(sandbox: dict[str, Any]) -> None:
    with tool_services(sandbox={**sandbox, "timeout_seconds": 1, "cpu_seconds": 30}) as services:
        events, _ = run_node(
            "CodeExec", "{Tool:1@result}", services, script="import time\ndef main():\n    time.sleep(30)\n"
        )
    assert "did not finish within 1 seconds" in node_error(events)


def test_cpu_and_memory_limits_stop_the_code(sandbox: dict[str, Any]) -> None:
    with tool_services(sandbox={**sandbox, "cpu_seconds": 1, "memory_mb": 128}) as services:
        spin, _ = run_node(
            "CodeExec", "{Tool:1@result}", services, script="def main():\n    while True:\n        pass\n"
        )
        hog, _ = run_node(
            "CodeExec", "{Tool:1@result}", services, script="def main():\n    return len(bytearray(1024 ** 3))\n"
        )
    assert "CPU time" in node_error(spin)
    assert "MemoryError" in node_error(hog)


def test_output_is_cut_at_the_limit_and_an_oversized_result_is_refused(sandbox: dict[str, Any]) -> None:
    with tool_services(sandbox={**sandbox, "max_output_size": 1000}) as services:
        chatty, _ = call_tool("CodeExec", {"script": "def main():\n    print('x' * 5000)\n    return 1\n"}, services)
        events, _ = run_node("CodeExec", "{Tool:1@result}", services, script="def main():\n    return 'y' * 5000\n")
    assert chatty["stdout"] == "x" * 1000 + "…"
    assert "the result is larger than 1000 bytes" in node_error(events)


def test_an_exception_fails_the_node_with_its_reason(sandbox: dict[str, Any]) -> None:
    with tool_services(sandbox=sandbox) as services:
        events, _ = run_node("CodeExec", "{Tool:1@result}", services, script="def main():\n    return 1 / 0\n")
        nameless, _ = run_node("CodeExec", "{Tool:1@result}", services, script="x = 1\n")
    assert "ZeroDivisionError: division by zero" in node_error(events)
    assert "the code defines no main function" in node_error(nameless)


def test_the_sandbox_is_off_unless_the_operator_enables_it() -> None:
    with tool_services() as services:
        events, _ = run_node("CodeExec", "{Tool:1@result}", services, script="def main():\n    return 1\n")
    assert "CodeExec is off" in node_error(events)
    assert "agents.sandbox.enabled" in node_error(events)


def test_javascript_is_refused_unless_node_is_configured(sandbox: dict[str, Any]) -> None:
    with tool_services(sandbox={**sandbox, "node": ""}) as services:
        outputs_error = ""
        try:
            call_tool("CodeExec", {"lang": "javascript", "script": "module.exports = {main: () => 1}"}, services)
        except Exception as error:  # the Agent turns a tool's error into the call's result
            outputs_error = str(error)
    assert "agents.sandbox.node" in outputs_error


def test_an_interpreter_the_sandbox_cannot_run_is_named_in_the_error(sandbox: dict[str, Any], tmp_path: Path) -> None:
    with tool_services(sandbox={**sandbox, "python": str(tmp_path / "no-python")}) as services:
        events, _ = run_node("CodeExec", "{Tool:1@result}", services, script="def main():\n    return 1\n")
    assert "agents.sandbox.python" in node_error(events)

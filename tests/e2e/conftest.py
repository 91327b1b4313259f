"""A live ``ragloom serve`` process on a free port, with two tenants' keys from the CLI.

One server serves the whole e2e session (start-up costs about a second); tests create
their own datasets with unique names so they do not depend on each other.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

E2E_DIRECTORY = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this directory ``e2e`` so ``-m "not e2e"`` leaves them out."""
    for item in items:
        if item.path.is_relative_to(E2E_DIRECTORY):
            item.add_marker(pytest.mark.e2e)


@dataclass(frozen=True)
class LiveServer:
    """A running server and what a test needs to talk to it."""

    base_url: str
    api_url: str
    key: str
    other_key: str
    data_dir: Path
    process: subprocess.Popen[bytes]

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key}"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ragloom(*arguments: str, env: dict[str, str]) -> str:
    """Run the ``ragloom`` CLI of this interpreter and return its stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "ragloom", *arguments], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def new_tenant_key(server: LiveServer, env: dict[str, str], name: str) -> str:
    """An API key of a tenant created now (through the CLI), so it starts with no data."""
    return ragloom(
        "apikey", "create", "--new-tenant", "--name", name[:60], "--data-dir", str(server.data_dir), env=env
    ).strip()


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if requests.get(f"{url}/api/v1/system/ping", timeout=1).text == "pong":
                return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise TimeoutError(f"server at {url} did not answer within {timeout}s")


def start_server(data_dir: Path, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "ragloom", "serve", "--port", str(port), "--data-dir", str(data_dir)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    wait_until_up(base_url, process)
    return process, base_url


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


ALLOW_PRIVATE_URLS = "RAGLOOM_MODELS__TENANT_ALLOW_PRIVATE_URLS"


@pytest.fixture(scope="session")
def server_env() -> dict[str, str]:
    """The environment of servers the tests start. Tenants' own models may reach private
    addresses, since the fake model servers run on 127.0.0.1; ``test_tenant_ssrf`` drops
    that setting to test the default."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("RAGLOOM_")}
    env["RAGLOOM_LOG__LEVEL"] = "WARNING"
    env[ALLOW_PRIVATE_URLS] = "true"
    return env


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, server_env: dict[str, str]) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("live") / "data"
    key = ragloom("apikey", "create", "--data-dir", str(data_dir), env=server_env).strip()
    other_key = ragloom(
        "apikey", "create", "--new-tenant", "--name", "mallory", "--data-dir", str(data_dir), env=server_env
    ).strip()
    process, base_url = start_server(data_dir, server_env, data_dir.parent / "server.log")
    yield LiveServer(base_url, f"{base_url}/api/v1", key, other_key, data_dir, process)
    stop_server(process)


@pytest.fixture
def api(live_server: LiveServer) -> str:
    return live_server.api_url


@pytest.fixture
def auth(live_server: LiveServer) -> dict[str, str]:
    return live_server.headers()


@pytest.fixture
def other_auth(live_server: LiveServer) -> dict[str, str]:
    return live_server.headers(live_server.other_key)


@pytest.fixture
def rag(live_server: LiveServer):  # type: ignore[no-untyped-def]
    from ragflow_sdk import RAGFlow

    return RAGFlow(live_server.key, live_server.base_url)


@pytest.fixture
def other_rag(live_server: LiveServer):  # type: ignore[no-untyped-def]
    from ragflow_sdk import RAGFlow

    return RAGFlow(live_server.other_key, live_server.base_url)


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A dataset name no other test uses."""
    return f"{request.node.name[:80]}-{time.time_ns()}"

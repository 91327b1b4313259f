"""A live ``ragloom serve`` process on a free port, with two tenants' keys from the CLI.

One server serves the whole e2e session (start-up costs about a second); tests create
their own datasets with unique names so they do not depend on each other. With
``--stores=scaleout`` every server the suite starts — this one and those tests start themselves —
keeps its metadata, queue and index on PostgreSQL and its files on S3 (see :mod:`tests.e2e.stores`).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.conftest import S3_BUCKET
from tests.e2e.stores import SCALE_OUT, StoredFiles, data_dir_argument, scale_out_environment, with_stores

E2E_DIRECTORY = Path(__file__).parent


SDK_FIXTURES = frozenset({"rag", "other_rag"})
# Modules that use the SDK only to feed the server files: what they test is the parsers, and their
# SDK calls are the *_sdk tests' too, so the ragflow-sdk 0.27.3 pass leaves them out (about a minute).
SDK_AS_DRIVER_ONLY = frozenset({"test_ingestion.py"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of this directory ``e2e`` so ``-m "not e2e"`` leaves them out, and those
    driving the server through the ``rag``/``other_rag`` clients ``sdk`` too (``scripts/test`` runs
    them again under ragflow-sdk 0.27.3; a test using the SDK otherwise carries the mark itself).
    With ``--stores=scaleout``, a test marked ``embedded_only`` is skipped, with its reason."""
    scale_out = config.getoption("--stores") == SCALE_OUT
    for item in items:
        if item.path.is_relative_to(E2E_DIRECTORY):
            item.add_marker(pytest.mark.e2e)
            uses_sdk = SDK_FIXTURES.intersection(getattr(item, "fixturenames", ()))
            if uses_sdk and item.path.name not in SDK_AS_DRIVER_ONLY:
                item.add_marker(pytest.mark.sdk)
            embedded_only = item.get_closest_marker("embedded_only")
            if scale_out and embedded_only is not None:
                item.add_marker(pytest.mark.skip(reason=f"about the embedded stores: {embedded_only.args[0]}"))


@dataclass
class LiveServer:
    """A running server and what a test needs to talk to it.

    With ``log`` and ``env`` it can be started again on the same port and data after it died
    (see :func:`watch_live_server`)."""

    base_url: str
    api_url: str
    key: str
    other_key: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path | None = None
    env: dict[str, str] | None = None

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key}"}

    def files(self) -> StoredFiles:
        """The files this server keeps, wherever its stores put them."""
        return StoredFiles(self.data_dir, self.env or {})

    def death(self) -> str | None:
        """How the server ended, with its last log lines; ``None`` while it runs."""
        if self.process.poll() is None:
            return None
        return death_report(self.process.returncode, self.log)

    def restart(self) -> None:
        """Start the server again on the same port and data directory."""
        if self.log is None or self.env is None:
            raise RuntimeError("this server was started without a log and environment; it cannot be restarted")
        port = int(self.base_url.rsplit(":", 1)[1])
        self.process = launch(self.data_dir, self.env, self.log, port)
        wait_until_up(self.base_url, self.process, log=self.log)


def exit_description(returncode: int) -> str:
    """``killed by signal SIGILL`` or ``exited with status 1``."""
    if returncode < 0:
        try:
            return f"killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with status {returncode}"


def death_report(returncode: int, log: Path | None, lines: int = 25) -> str:
    """How a server process ended and the last lines it logged."""
    report = f"the server {exit_description(returncode)}"
    if log is not None and log.is_file():
        tail = log.read_text(errors="replace").splitlines()[-lines:]
        report += f"; its last log lines ({log}):\n" + "\n".join(f"    {line}" for line in tail)
    return report


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ragloom(*arguments: str, env: dict[str, str]) -> str:
    """Run the ``ragloom`` CLI of this interpreter (on the stores of its ``--data-dir``) and return its stdout."""
    data_dir = data_dir_argument(arguments)
    done = subprocess.run(
        [sys.executable, "-m", "ragloom", *arguments],
        env=env if data_dir is None else with_stores(data_dir, env),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def refused_start(data_dir: Path, env: dict[str, str]) -> str:
    """Run ``ragloom serve`` expecting it to refuse to start: exit status 1, no traceback; its stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "ragloom", "serve", "--port", "9", "--data-dir", str(data_dir)],
        env=with_stores(data_dir, env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return done.stderr


def new_tenant_key(server: LiveServer, env: dict[str, str], name: str) -> str:
    """An API key of a tenant created now (through the CLI), so it starts with no data."""
    return ragloom(
        "apikey", "create", "--new-tenant", "--name", name[:60], "--data-dir", str(server.data_dir), env=env
    ).strip()


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(death_report(process.returncode, log))
        try:
            if requests.get(f"{url}/api/v1/system/ping", timeout=5).text == "pong":
                return
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or busy starting
            time.sleep(0.05)
    raise TimeoutError(f"server at {url} did not answer within {timeout}s")


def launch(data_dir: Path, env: dict[str, str], log: Path, port: int) -> subprocess.Popen[bytes]:
    """``ragloom serve`` on ``port`` and the stores of ``data_dir``, its output appended to ``log``."""
    with log.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "ragloom", "serve", "--port", str(port), "--data-dir", str(data_dir)],
            env=with_stores(data_dir, env),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )


def start_server(data_dir: Path, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = launch(data_dir, env, log, port)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base_url, process, log=log)
    except TimeoutError:
        stop_server(process)
        raise
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
def server_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """The environment of servers the tests start. Tenants' own models may reach private
    addresses, since the fake model servers run on 127.0.0.1; ``test_tenant_ssrf`` drops
    that setting to test the default. With ``--stores=scaleout`` it names PostgreSQL and S3
    servers, started for the session, and the helpers here give each data directory its own
    database and prefix on them (:func:`tests.e2e.stores.with_stores`)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("RAGLOOM_")}
    env["RAGLOOM_LOG__LEVEL"] = "WARNING"
    env[ALLOW_PRIVATE_URLS] = "true"
    if request.config.getoption("--stores") == SCALE_OUT:
        postgres, s3 = request.getfixturevalue("postgres_server"), request.getfixturevalue("s3_server")
        env.update(scale_out_environment(postgres, s3, S3_BUCKET))
    return env


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, server_env: dict[str, str]) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("live") / "data"
    key = ragloom("apikey", "create", "--data-dir", str(data_dir), env=server_env).strip()
    other_key = ragloom(
        "apikey", "create", "--new-tenant", "--name", "mallory", "--data-dir", str(data_dir), env=server_env
    ).strip()
    log = data_dir.parent / "server.log"
    process, base_url = start_server(data_dir, server_env, log)
    server = LiveServer(base_url, f"{base_url}/api/v1", key, other_key, data_dir, process, log, server_env)
    yield server
    stop_server(server.process)


@pytest.fixture(autouse=True)
def watch_live_server(request: pytest.FixtureRequest) -> Iterator[None]:
    """Make a crash of the shared server one failure that says why, not hundreds of refused connections.

    A test during which the server died fails at teardown with the exit signal and the server's
    last log lines; the server is then started again on the same port and data, so the tests
    after it run."""
    if "live_server" not in request.fixturenames:
        yield
        return
    server: LiveServer = request.getfixturevalue("live_server")
    earlier = server.death()
    if earlier is not None:
        server.restart()
        pytest.fail(f"the shared server had died before this test started: {earlier}")
    yield
    death = server.death()
    if death is not None:
        server.restart()
        pytest.fail(f"the shared server died during this test: {death}")


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

"""The e2e harness itself: a server that dies is reported with how it died, and can be brought back."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import LiveServer, launch, ragloom, start_server, stop_server, wait_until_up


def test_a_dead_server_is_reported_with_its_signal_and_last_log_lines_then_restarted(
    tmp_path: Path, server_env: dict[str, str]
) -> None:
    data_dir = tmp_path / "data"
    key = ragloom("apikey", "create", "--data-dir", str(data_dir), env=server_env).strip()
    log = tmp_path / "server.log"
    process, base_url = start_server(data_dir, {**server_env, "RAGLOOM_LOG__LEVEL": "INFO"}, log)
    server = LiveServer(base_url, f"{base_url}/api/v1", key, key, data_dir, process, log, server_env)
    try:
        assert server.death() is None
        process.send_signal(signal.SIGILL)
        process.wait(10)
        report = server.death()
        assert report is not None
        assert report.startswith("the server killed by signal SIGILL; its last log lines")
        assert f"serving {base_url}" in report

        server.restart()
        assert server.death() is None
        listed = requests.get(f"{server.api_url}/datasets", headers=server.headers(), timeout=10).json()
        assert listed["code"] == 0
    finally:
        stop_server(server.process)


def test_a_server_that_fails_to_start_is_reported_with_its_error(tmp_path: Path, server_env: dict[str, str]) -> None:
    log = tmp_path / "server.log"
    env = {**server_env, "RAGLOOM_CONFIG": str(tmp_path / "missing.toml")}
    process = launch(tmp_path / "data", env, log, 1)
    with pytest.raises(RuntimeError) as raised:
        wait_until_up("http://127.0.0.1:1", process, log=log)
    assert "the server exited with status 1" in str(raised.value)
    assert "Configuration file not found" in str(raised.value)

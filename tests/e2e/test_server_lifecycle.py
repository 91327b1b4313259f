"""Starting, killing and restarting a real server process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.e2e.conftest import free_port, start_server, stop_server, wait_until_up


def test_first_start_creates_the_data_dir_and_prints_a_working_key_once(
    tmp_path: Path, server_env: dict[str, str]
) -> None:
    data_dir = tmp_path / "fresh" / "nested"
    port = free_port()
    command = [sys.executable, "-m", "ragloom", "--version"]
    assert subprocess.run(command, capture_output=True, text=True, check=True).stdout.startswith("ragloom, version")
    env = {**server_env, "RAGLOOM_DATA_DIR": str(data_dir), "RAGLOOM_PORT": str(port)}
    outputs = []
    for _ in range(2):
        with subprocess.Popen([sys.executable, "-m", "ragloom"], env=env, stdout=subprocess.PIPE) as process:
            wait_until_up(f"http://127.0.0.1:{port}", process)
            stop_server(process)
            assert process.stdout is not None
            outputs.append(process.stdout.read().decode())
    keys = re.findall(r"API key: (ragflow-\S+)", outputs[0])
    assert len(keys) == 1
    assert "API key" not in outputs[1]
    assert data_dir.is_dir()

    process, base_url = start_server(data_dir, server_env, tmp_path / "log")
    try:
        response = requests.get(
            f"{base_url}/api/v1/datasets", headers={"Authorization": f"Bearer {keys[0]}"}, timeout=5
        )
        assert response.json()["code"] == 0
    finally:
        stop_server(process)


def test_acknowledged_uploads_survive_a_kill(tmp_path: Path, server_env: dict[str, str]) -> None:
    from tests.e2e.conftest import ragloom

    data_dir = tmp_path / "data"
    key = ragloom("apikey", "create", "--data-dir", str(data_dir), env=server_env).strip()
    auth = {"Authorization": f"Bearer {key}"}
    process, base_url = start_server(data_dir, server_env, tmp_path / "log")
    payload = os.urandom(200_000)
    try:
        dataset = requests.post(f"{base_url}/api/v1/datasets", json={"name": "durable"}, headers=auth, timeout=5)
        dataset_id = dataset.json()["data"]["id"]
        upload = requests.post(
            f"{base_url}/api/v1/datasets/{dataset_id}/documents",
            files=[("file", ("kept.bin.pdf", payload))],
            headers=auth,
            timeout=5,
        )
        document_id = upload.json()["data"][0]["id"]
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    orphan = data_dir / "blobs" / "left-by-a-crash"
    orphan.write_bytes(b"x")

    process, base_url = start_server(data_dir, server_env, tmp_path / "log")
    try:
        listed = requests.get(f"{base_url}/api/v1/datasets/{dataset_id}/documents", headers=auth, timeout=5).json()
        assert [doc["id"] for doc in listed["data"]["docs"]] == [document_id]
        downloaded = requests.get(
            f"{base_url}/api/v1/datasets/{dataset_id}/documents/{document_id}", headers=auth, timeout=5
        )
        assert downloaded.content == payload
        assert not orphan.exists()
    finally:
        stop_server(process)


def test_sigterm_stops_the_workers_gracefully(tmp_path: Path, server_env: dict[str, str]) -> None:
    from tests.e2e.test_parsing import alive, children_of

    log = tmp_path / "log"
    process, _base_url = start_server(tmp_path / "data", {**server_env, "RAGLOOM_LOG__LEVEL": "INFO"}, log)
    workers = children_of(process.pid)
    assert workers
    process.terminate()
    assert process.wait(timeout=30) == 128 + signal.SIGTERM
    # Workers are joined before the server exits; multiprocessing's resource tracker (also a child)
    # leaves on its own once it sees its parent gone, a moment later.
    deadline = time.monotonic() + 10
    while [pid for pid in workers if alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in workers if alive(pid)] == []
    text = log.read_text()
    assert "stopped" in text
    assert "leaked" not in text

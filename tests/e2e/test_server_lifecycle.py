"""Starting, killing and restarting a real server process."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import free_port, ragloom, refused_start, start_server, stop_server, wait_until_up
from tests.e2e.stores import with_stores


def test_first_start_creates_the_data_dir_and_prints_a_working_key_once(
    tmp_path: Path, server_env: dict[str, str]
) -> None:
    data_dir = tmp_path / "fresh" / "nested"
    port = free_port()
    command = [sys.executable, "-m", "ragloom", "--version"]
    assert subprocess.run(command, capture_output=True, text=True, check=True).stdout.startswith("ragloom, version")
    env = {**with_stores(data_dir, server_env), "RAGLOOM_DATA_DIR": str(data_dir), "RAGLOOM_PORT": str(port)}
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


def upload_then_kill(data_dir: Path, env: dict[str, str], log: Path) -> tuple[dict[str, str], str, str, bytes]:
    """A server on ``data_dir`` acknowledges an upload and is killed with SIGKILL: the key's header,
    the dataset, the document and its bytes."""
    key = ragloom("apikey", "create", "--data-dir", str(data_dir), env=env).strip()
    auth = {"Authorization": f"Bearer {key}"}
    process, base_url = start_server(data_dir, env, log)
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
    return auth, dataset_id, document_id, payload


def assert_kept(base_url: str, auth: dict[str, str], dataset_id: str, document_id: str, payload: bytes) -> None:
    listed = requests.get(f"{base_url}/api/v1/datasets/{dataset_id}/documents", headers=auth, timeout=5).json()
    assert [doc["id"] for doc in listed["data"]["docs"]] == [document_id]
    downloaded = requests.get(
        f"{base_url}/api/v1/datasets/{dataset_id}/documents/{document_id}", headers=auth, timeout=5
    )
    assert downloaded.content == payload


def test_acknowledged_uploads_survive_a_kill(tmp_path: Path, server_env: dict[str, str]) -> None:
    data_dir = tmp_path / "data"
    auth, dataset_id, document_id, payload = upload_then_kill(data_dir, server_env, tmp_path / "log")

    process, base_url = start_server(data_dir, server_env, tmp_path / "log")
    try:
        assert_kept(base_url, auth, dataset_id, document_id, payload)
    finally:
        stop_server(process)


@pytest.mark.embedded_only("the partial and orphan files a kill leaves under blobs/ are the local blob store's")
def test_a_start_after_a_kill_removes_partial_and_orphan_files(tmp_path: Path, server_env: dict[str, str]) -> None:
    data_dir = tmp_path / "data"
    auth, dataset_id, document_id, payload = upload_then_kill(data_dir, server_env, tmp_path / "log")
    orphan = data_dir / "blobs" / "left-by-a-crash"
    orphan.write_bytes(b"x")
    kept = next(path for path in (data_dir / "blobs").rglob("*") if path.is_file() and path != orphan)
    partials = [kept.parent / ".partial-abc123", data_dir / "blobs" / "t" / "d" / ".partial-def456"]
    partials[1].parent.mkdir(parents=True)
    for partial in partials:
        partial.write_bytes(b"half an upload")  # what a kill in the middle of a blob write leaves

    process, base_url = start_server(data_dir, server_env, tmp_path / "log")
    try:
        assert_kept(base_url, auth, dataset_id, document_id, payload)
        assert not orphan.exists()
        assert [partial for partial in partials if partial.exists()] == []
        assert not (data_dir / "blobs" / "t").exists()
        assert kept.read_bytes() == payload
    finally:
        stop_server(process)


def test_sigterm_stops_the_workers_gracefully(tmp_path: Path, server_env: dict[str, str]) -> None:
    from tests.e2e.test_parsing import alive, children_of

    log = tmp_path / "log"
    process, _base_url = start_server(tmp_path / "data", {**server_env, "RAGLOOM_LOG__LEVEL": "INFO"}, log)
    workers = children_of(process.pid)
    assert workers
    while "started" not in log.read_text():  # SIGTERM before that ends a worker at once, silently
        time.sleep(0.05)
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


SHUTDOWN_BOUND = 10.0


def terminate_and_time(process: subprocess.Popen[bytes]) -> float:
    """SIGTERM the server; how long it took to exit (killed, and the test failed, past the bound)."""
    started = time.monotonic()
    process.terminate()
    try:
        process.wait(timeout=SHUTDOWN_BOUND + 5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"SIGTERM did not stop the server in {SHUTDOWN_BOUND + 5:.0f}s") from None
    return time.monotonic() - started


@pytest.mark.slow
def test_sigterm_after_a_worker_was_killed_exits_within_the_bound(tmp_path: Path, server_env: dict[str, str]) -> None:
    from tests.e2e.test_parsing import alive
    from tests.e2e.worker_site import only_worker, wait_for_text

    log = tmp_path / "log"
    process, _base_url = start_server(tmp_path / "data", {**server_env, "RAGLOOM_LOG__LEVEL": "INFO"}, log)
    try:
        killed = only_worker(process.pid)
        time.sleep(0.5)  # idle between two polls, as the worker that once hung the shutdown was
        os.kill(killed, signal.SIGKILL)
        wait_for_text(log, "started worker")
        replacement = only_worker(process.pid, other_than=killed)
        wait_for_text(log, f":{replacement}:")  # "worker host:pid:token started": it handles SIGTERM
        elapsed = terminate_and_time(process)
    finally:
        if process.poll() is None:
            stop_server(process)
    print(f"SIGTERM after a worker was killed: exited in {elapsed:.2f}s")
    assert elapsed < SHUTDOWN_BOUND
    assert process.returncode == 128 + signal.SIGTERM
    assert not alive(replacement)
    text = log.read_text()
    assert f"worker {killed} died (killed by SIGKILL); started worker {replacement}" in text
    assert f"worker {replacement} ended (exit code 0)" in text  # it stopped by itself, on SIGTERM


@pytest.mark.slow
@pytest.mark.parametrize(
    ("embedding_delay", "worker_outcome"),
    [
        (0.3, "stops at its next checkpoint"),
        (600.0, "is stuck in a model call and killed"),
    ],
)
def test_sigterm_while_a_worker_parses_and_an_answer_streams_exits_within_the_bound(
    tmp_path: Path, server_env: dict[str, str], embedding_delay: float, worker_outcome: str
) -> None:
    from tests.e2e.test_parsing import wait_for
    from tests.e2e.worker_site import CHAT_MODEL, Site

    with Site.create(tmp_path, server_env) as site:
        with site.running() as (process, api):
            site.models.embedding_delay = embedding_delay
            dataset_id, document_id = site.queue_document(api, lines=400)
            chat = requests.post(
                f"{api}/chats", json={"name": "stalls", "llm_id": CHAT_MODEL}, headers=site.auth, timeout=30
            ).json()["data"]
            with requests.post(
                f"{api}/chats/{chat['id']}/completions",
                json={"question": "What do pandas eat?"},
                headers=site.auth,
                stream=True,
                timeout=30,
            ) as answer:
                lines = answer.iter_lines(decode_unicode=True)
                assert next(line for line in lines if line.startswith("data:"))  # the answer is streaming
                site.models.wait_for_embedding_calls(1)  # and the worker is embedding
                elapsed = terminate_and_time(process)
                with contextlib.suppress(requests.exceptions.ChunkedEncodingError):
                    list(lines)  # the stream was cut, not left hanging
        print(f"SIGTERM while a worker {worker_outcome} and an answer streams: exited in {elapsed:.2f}s")
        assert elapsed < SHUTDOWN_BOUND
        assert process.returncode == 128 + signal.SIGTERM
        text = site.log.read_text()
        assert "did not finish" not in text  # the watchdog was not needed
        assert ("killing it" in text) is (embedding_delay > 1)

        site.models.embedding_delay = 0
        with site.running() as (process, api):
            done = wait_for(api, site.auth, dataset_id, document_id, until={"DONE", "FAIL"}, limit=120)
        assert done["run"] == "DONE", done["progress_msg"]
        assert "The worker was stopped while this task was running; it runs again." in done["progress_msg"]
        assert "Task resumed (attempt 2)." in done["progress_msg"]


def test_the_server_does_not_start_on_an_unknown_backend(tmp_path: Path, server_env: dict[str, str]) -> None:
    stderr = refused_start(tmp_path / "data", {**server_env, "RAGLOOM_BLOBS__BACKEND": "minio"})
    assert stderr.strip() == "Error: Unknown blobs.backend 'minio'; the backends are: local, s3"

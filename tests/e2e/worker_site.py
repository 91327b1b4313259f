"""A data directory whose datasets embed with the scripted model server, and a server's workers.

Tests that kill workers or servers mid-parse start servers on it with :meth:`Site.running`,
which never leaves a server behind, even when the test fails half-way.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.e2e.conftest import ragloom, start_server, stop_server
from tests.e2e.scripted_models import ScriptedModels
from tests.e2e.test_parsing import alive, children_of, text_file

EMBEDDING_MODEL = "slow-embed@OpenAI-API-Compatible"
CHAT_MODEL = "stalling-chat@OpenAI-API-Compatible"


def worker_pids(server_pid: int) -> list[int]:
    """The parse workers of a server (its other child is multiprocessing's resource tracker)."""
    pids = []
    for pid in children_of(server_pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command and alive(pid):
            pids.append(pid)
    return pids


def only_worker(server_pid: int, other_than: int | None = None) -> int:
    """The pid of a server's one worker (not ``other_than``), once there is exactly one."""
    deadline = time.monotonic() + 30
    while len(pids := worker_pids(server_pid)) != 1 or pids[0] == other_than:
        assert time.monotonic() < deadline, f"workers: {pids}"
        time.sleep(0.05)
    return pids[0]


def wait_for_text(path: Path, text: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in path.read_text():
        assert time.monotonic() < deadline, f"{text!r} never appeared in {path}"
        time.sleep(0.05)


@dataclass
class Site:
    """A data directory, the environment naming the scripted models, and one tenant's key."""

    models: ScriptedModels
    data_dir: Path
    env: dict[str, str]
    auth: dict[str, str]
    log: Path

    @classmethod
    @contextmanager
    def create(cls, folder: Path, server_env: dict[str, str]) -> Iterator[Site]:
        models = ScriptedModels()
        try:
            env = {**server_env, "RAGLOOM_CONFIG": str(models.config(folder / "ragloom.toml"))}
            key = ragloom("apikey", "create", "--data-dir", str(folder / "data"), env=env).strip()
            yield cls(models, folder / "data", env, {"Authorization": f"Bearer {key}"}, folder / "server.log")
        finally:
            models.close()

    @contextmanager
    def running(self) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
        """A server on this site and its API URL; stopped at the end unless the test ended it."""
        process, base_url = start_server(self.data_dir, self.env, self.log)
        try:
            yield process, f"{base_url}/api/v1"
        finally:
            if process.poll() is None:
                stop_server(process)

    def queue_document(self, api: str, lines: int = 3) -> tuple[str, str]:
        """A dataset embedding with the scripted model, and one document of it being parsed."""
        dataset = requests.post(
            f"{api}/datasets",
            json={"name": f"site-{time.time_ns()}", "embedding_model": EMBEDDING_MODEL},
            headers=self.auth,
            timeout=30,
        ).json()["data"]
        upload = requests.post(
            f"{api}/datasets/{dataset['id']}/documents",
            files=[("file", ("notes.txt", text_file(lines)))],
            headers=self.auth,
            timeout=30,
        ).json()
        document_id = upload["data"][0]["id"]
        started = requests.post(
            f"{api}/datasets/{dataset['id']}/chunks",
            json={"document_ids": [document_id]},
            headers=self.auth,
            timeout=30,
        ).json()
        assert started["code"] == 0, started
        return dataset["id"], document_id

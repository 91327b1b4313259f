"""Two API servers and two workers, each on a host of its own (a network namespace), sharing one
PostgreSQL and one S3 server: clients spread uploads, parses and retrievals over both servers, a
worker is killed with SIGKILL in the middle of a task and an API server is restarted, and still
every document ends parsed once, with each of its paragraphs in exactly one chunk, and the counts
agree everywhere."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import S3_BUCKET
from tests.e2e.conftest import ragloom
from tests.e2e.test_s3_blobs import FAST_MODEL
from tests.netns import Host, Network, netns_unavailable
from tests.postgres_server import PostgresServer, start_postgres
from tests.s3_server import REGION, SeaweedS3, start_seaweedfs

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

DOCUMENTS = 16
PARAGRAPHS = 120
PORT = 9380
TIMEOUT = 30


@dataclass
class Cluster:
    network: Network
    postgres: PostgresServer
    s3: SeaweedS3
    env: dict[str, str]
    database: str
    logs: Path


@pytest.fixture
def cluster(tmp_path: Path, server_env: dict[str, str]) -> Iterator[Cluster]:
    why = netns_unavailable()
    if why is not None:
        pytest.skip(f"no network namespaces here: {why}")
    network = Network()
    try:
        postgres = start_postgres(also_listen=network.gateway, trust=network.cidr)
        try:
            s3 = start_seaweedfs(tmp_path / "seaweedfs", bind="0.0.0.0")
            try:
                s3.create_bucket(S3_BUCKET)
                url = postgres.create_database().replace("127.0.0.1", network.gateway)
                env = {
                    **server_env,
                    "RAGLOOM_DATABASE__BACKEND": "postgresql",
                    "RAGLOOM_DATABASE__POSTGRESQL__URL": url,
                    "RAGLOOM_INDEX__BACKEND": "postgresql",
                    "RAGLOOM_BLOBS__BACKEND": "s3",
                    "RAGLOOM_BLOBS__S3__ENDPOINT": f"http://{network.gateway}:{s3.port}",
                    "RAGLOOM_BLOBS__S3__BUCKET": S3_BUCKET,
                    "RAGLOOM_BLOBS__S3__REGION": REGION,
                    "RAGLOOM_BLOBS__S3__ACCESS_KEY": s3.access_key,
                    "RAGLOOM_BLOBS__S3__SECRET_KEY": s3.secret_key,
                    "RAGLOOM_BLOBS__S3__PREFIX": "many-hosts/",
                    "RAGLOOM_WORKERS__LEASE_SECONDS": "5",
                    "RAGLOOM_WORKERS__POLL_INTERVAL_SECONDS": "0.2",
                }
                yield Cluster(network, postgres, s3, env, url.rsplit("/", 1)[1], tmp_path)
            finally:
                s3.stop()
        finally:
            postgres.stop()
    finally:
        network.close()


class Process:
    """``ragloom serve --no-workers`` or ``ragloom worker`` on a host, with its own data directory."""

    def __init__(self, cluster: Cluster, host: Host, name: str, *arguments: str) -> None:
        self.cluster, self.host, self.name, self.arguments = cluster, host, name, arguments
        self.data_dir = cluster.logs / name
        self.log = cluster.logs / f"{name}.log"
        self.process = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        argv = [sys.executable, "-m", "ragloom", *self.arguments, "--data-dir", str(self.data_dir)]
        return self.host.popen(argv, env=self.cluster.env, log=self.log)

    @property
    def api(self) -> str:
        return f"http://{self.host.address}:{PORT}/api/v1"

    def wait_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]
            try:
                if requests.get(f"{self.api}/system/ping", timeout=5).text == "pong":
                    return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        raise TimeoutError(f"{self.name} did not answer: {self.log.read_text(errors='replace')[-3000:]}")

    def restart(self) -> None:
        self.stop()
        self.process = self._start()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def serve(cluster: Cluster, name: str) -> Process:
    host = cluster.network.host()
    server = Process(cluster, host, name, "serve", "--no-workers", "--host", host.address, "--port", str(PORT))
    server.wait_up()
    return server


def text_of(number: int) -> str:
    return "\n\n".join(
        f"Document {number} paragraph {paragraph}: the shared cluster keeps every chunk once."
        for paragraph in range(PARAGRAPHS)
    )


def call(method: str, url: str, key: str, **options: Any) -> Any:
    answer = requests.request(method, url, headers={"Authorization": f"Bearer {key}"}, timeout=TIMEOUT, **options)
    body = answer.json()
    assert body["code"] == 0, (url, body)
    return body.get("data")


def running_task(cluster: Cluster, workers: list[Process]) -> tuple[Process, str] | None:
    """A worker of ``workers`` that is running a task now, with that task's id."""
    with cluster.postgres.connect(cluster.database) as connection:
        for worker in workers:
            row = connection.execute(
                "SELECT id FROM task WHERE status = 'running' AND worker LIKE %s", (f"%:{worker.process.pid}:%",)
            ).fetchone()
            if row is not None:
                return worker, str(row[0])
    return None


def test_two_servers_and_two_workers_on_their_own_hosts_share_postgresql_and_s3(cluster: Cluster) -> None:
    key = ragloom("apikey", "create", "--data-dir", str(cluster.logs / "admin"), env=cluster.env).strip()
    first, second = serve(cluster, "api1"), serve(cluster, "api2")
    workers = [Process(cluster, cluster.network.host(), f"worker{number}", "worker") for number in (1, 2)]
    processes = [first, second, *workers]
    try:
        servers = [first, second]
        dataset = call(
            "POST",
            f"{first.api}/datasets",
            key,
            json={"name": "shared", "embedding_model": FAST_MODEL, "parser_config": {"chunk_token_num": 128}},
        )
        document_ids: list[str] = []
        for number in range(DOCUMENTS):  # uploads spread over both servers
            files = [("file", (f"doc{number}.txt", text_of(number).encode()))]
            uploaded = call("POST", f"{servers[number % 2].api}/datasets/{dataset['id']}/documents", key, files=files)
            document_ids.append(uploaded[0]["id"])
        for half in (0, 1):  # parses started on both servers
            call(
                "POST",
                f"{servers[half].api}/datasets/{dataset['id']}/chunks",
                key,
                json={"document_ids": document_ids[half::2]},
            )

        # a worker dies by SIGKILL in the middle of a task; a new one starts on its host. Whichever
        # worker is running a task first is the one: a worker that started later than the other may
        # find every task claimed already (small documents are claimed in batches)
        deadline = time.monotonic() + 180
        while (running := running_task(cluster, workers)) is None:
            assert time.monotonic() < deadline, [worker.log.read_text(errors="replace")[-3000:] for worker in workers]
            time.sleep(0.05)
        victim, killed_task = running
        os.kill(victim.process.pid, signal.SIGKILL)
        victim.process.wait()
        victim.restart()
        # an API server restarts while the work goes on
        second.restart()
        second.wait_up()

        deadline = time.monotonic() + 600
        question = 0
        while True:
            question += 1
            found = call(
                "POST",
                f"{servers[question % 2].api}/retrieval",
                key,
                json={"question": "which paragraph does the shared cluster keep", "dataset_ids": [dataset["id"]]},
            )
            assert isinstance(found["chunks"], list)
            listed = call(
                "GET", f"{servers[question % 2].api}/datasets/{dataset['id']}/documents", key, params={"page_size": 100}
            )
            runs = [document["run"] for document in listed["docs"]]
            if all(run in ("DONE", "FAIL", "CANCEL") for run in runs) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert runs == ["DONE"] * DOCUMENTS, [(d["name"], d["run"], d["progress_msg"][-300:]) for d in listed["docs"]]

        total = 0
        seen_ids: set[str] = set()
        for document in listed["docs"]:
            number = int(document["name"].removeprefix("doc").removesuffix(".txt"))
            chunks = call(
                "GET",
                f"{first.api}/datasets/{dataset['id']}/documents/{document['id']}/chunks",
                key,
                params={"page_size": 100},
            )
            assert chunks["total"] == document["chunk_count"] == len(chunks["chunks"])
            ids = {chunk["id"] for chunk in chunks["chunks"]}
            assert len(ids) == len(chunks["chunks"])
            assert not ids & seen_ids
            seen_ids |= ids
            joined = "\n".join(chunk["content"] for chunk in chunks["chunks"])
            for paragraph in range(PARAGRAPHS):  # none lost, none duplicated
                assert joined.count(f"Document {number} paragraph {paragraph}:") == 1, (number, paragraph)
            total += document["chunk_count"]
        for server in servers:
            (shown,) = call("GET", f"{server.api}/datasets", key, params={"id": dataset["id"]})
            assert (shown["document_count"], shown["chunk_count"]) == (DOCUMENTS, total)
        with cluster.postgres.connect(cluster.database) as connection:
            tasks = connection.execute("SELECT document_id, status FROM task").fetchall()
            again = connection.execute("SELECT attempts FROM task WHERE id = %s", (killed_task,)).fetchone()
        assert sorted(tasks) == sorted((document_id, "done") for document_id in document_ids)  # each done once
        assert again is not None
        assert again[0] >= 2
    finally:
        for process in processes:
            process.stop()

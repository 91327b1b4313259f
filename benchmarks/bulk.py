"""Bulk work through the API against the same work done directly through the services, in one run.

Four steps, each timed through HTTP on a live ``ragloom serve`` and directly on ``Services`` built
from the same settings (the baseline: the same stores, models and rules, no HTTP):

1. add N chunks to a document, one call each (every chunk is analysed and embedded);
2. delete those N chunks in one call;
3. upload N small text files in one request;
4. delete those N documents in one call.

The ratio API / direct is the cost of the HTTP layer (target: at most 1.3). Chunks are embedded
with the fast built-in Universal Sentence Encoder unless ``--model`` says otherwise; parse workers
are off, so nothing else competes for the CPU.

Usage: ``python benchmarks/bulk.py [--count 1000] [--model multilingual-e5-small@Builtin]``
"""

from __future__ import annotations

import argparse
import io
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from ragloom.services.chunks import NewChunk
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.tenants import Caller
from ragloom.settings import Settings, load_settings

FAST_MODEL = "universal-sentence-encoder-multilingual@Builtin"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def text(position: int) -> str:
    return f"Chunk {position}: pandas of enclosure {position % 37} ate {position * 7 % 101} kilograms of bamboo."


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


class Api:
    """A live server and one tenant's key."""

    def __init__(self, settings: Settings, count: int) -> None:
        env = {"RAGLOOM_WORKERS__COUNT": "0", "RAGLOOM_LOG__LEVEL": "WARNING", "RAGLOOM_UPLOAD__MAX_FILES": str(count)}
        command = [sys.executable, "-m", "ragloom"]
        data = ["--data-dir", str(settings.data_dir)]
        key = subprocess.run([*command, "apikey", "create", *data], env=env, capture_output=True, text=True, check=True)
        self.headers = {"Authorization": f"Bearer {key.stdout.strip()}"}
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/api/v1"
        self.process = subprocess.Popen([*command, "serve", "--port", str(port), *data], env=env)
        while True:
            try:
                if requests.get(f"{self.url}/system/ping", timeout=1).text == "pong":
                    break
            except requests.ConnectionError:
                time.sleep(0.05)
        self.session = requests.Session()
        self.session.headers.update(self.headers)

    def call(self, method: str, path: str, **options: Any) -> Any:
        answer = self.session.request(method, f"{self.url}{path}", timeout=600, **options).json()
        if answer["code"] != 0:
            raise RuntimeError(f"{method} {path}: {answer}")
        return answer.get("data")

    def close(self) -> None:
        self.session.close()
        self.process.terminate()
        self.process.wait()


def through_api(api: Api, count: int, model: str) -> dict[str, float]:
    dataset = api.call("POST", "/datasets", json={"name": "bulk", "embedding_model": model})["id"]
    document = api.call("POST", f"/datasets/{dataset}/documents", files=[("file", ("holder.txt", b"x"))])[0]["id"]
    chunks_path = f"/datasets/{dataset}/documents/{document}/chunks"
    ids: list[str] = []
    seconds = {
        "add chunks": timed(
            lambda: ids.extend(
                api.call("POST", chunks_path, json={"content": text(i)})["chunk"]["id"] for i in range(count)
            )
        )
    }
    seconds["delete chunks"] = timed(lambda: api.call("DELETE", chunks_path, json={"chunk_ids": ids}))
    files = [("file", (f"note-{i}.txt", text(i).encode())) for i in range(count)]
    uploaded: list[str] = []
    seconds["upload files"] = timed(
        lambda: uploaded.extend(doc["id"] for doc in api.call("POST", f"/datasets/{dataset}/documents", files=files))
    )
    seconds["delete documents"] = timed(
        lambda: api.call("DELETE", f"/datasets/{dataset}/documents", json={"ids": uploaded})
    )
    return seconds


def directly(services: Services, count: int, model: str) -> dict[str, float]:
    issued = services.tenants.issue_key(new_tenant=True, tenant_name="bulk")
    caller = Caller(tenant_id=issued.tenant_id, key_id=issued.id)
    dataset = services.datasets.create(caller, NewDataset(name="bulk", embedding_model=model)).record.id
    holder = [IncomingFile("holder.txt", io.BytesIO(b"x"), 1)]
    document = services.documents.upload(caller, dataset, holder)[0].id
    ids: list[str] = []

    def add() -> None:
        for i in range(count):
            ids.append(services.chunks.add(caller, dataset, document, NewChunk(content=text(i))).id)

    seconds = {"add chunks": timed(add)}
    seconds["delete chunks"] = timed(lambda: services.chunks.delete(caller, dataset, document, ids, False))
    files = [IncomingFile(f"note-{i}.txt", io.BytesIO(text(i).encode()), len(text(i).encode())) for i in range(count)]
    uploaded: list[str] = []
    seconds["upload files"] = timed(
        lambda: uploaded.extend(doc.id for doc in services.documents.upload(caller, dataset, files))
    )
    seconds["delete documents"] = timed(lambda: services.documents.delete(caller, dataset, uploaded, False))
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--model", default=FAST_MODEL, help="embedding model of the dataset")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        overrides: dict[str, Any] = {"workers": {"count": 0}, "upload": {"max_files": options.count}}
        direct_settings = load_settings(data_dir=Path(folder) / "direct", **overrides)
        api_settings = load_settings(data_dir=Path(folder) / "api", **overrides)
        services = Services.build(direct_settings)
        try:
            direct = directly(services, options.count, options.model)
        finally:
            services.close()
        api = Api(api_settings, options.count)
        try:
            http = through_api(api, options.count, options.model)
        finally:
            api.close()
    print(f"{options.count} items, embedding model {options.model}")
    print(f"{'step':<18}{'API':>10}{'direct':>10}{'API/direct':>12}")
    for step, seconds in http.items():
        print(f"{step:<18}{seconds:>9.2f}s{direct[step]:>9.2f}s{seconds / direct[step]:>11.2f}x")


if __name__ == "__main__":
    main()

"""Bulk work through the API against the same work done directly through the services, in one run.

Four steps, each timed through HTTP on a live ``ragloom serve`` and directly on ``Services`` built
from the same settings (the baseline: the same stores, models and rules, no HTTP):

1. add N chunks to a document, one call each (every chunk is analysed and embedded);
2. delete those N chunks in one call;
3. upload N small text files in one request;
4. delete those N documents in one call.

The ratio API / direct is the cost of the HTTP layer (target: at most 1.3). The two ways take
turns (``--rounds``, the order swapped each round), so that whatever else the machine does weighs
on both alike. Chunks are embedded with the fast built-in Universal Sentence Encoder unless
``--model`` says otherwise; parse workers are off, so nothing else of ragloom competes for the CPU.

Usage: ``python benchmarks/bulk.py [--count 1000] [--rounds 10] [--model multilingual-e5-small@Builtin]``
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


class Side:
    """One way of doing the work — through HTTP or directly — on its own dataset and document."""

    def add_chunks(self, first: int, count: int) -> None: ...
    def delete_chunks(self) -> None: ...
    def upload(self, count: int) -> None: ...
    def delete_documents(self) -> None: ...


class ThroughApi(Side):
    def __init__(self, api: Api, model: str) -> None:
        self.api = api
        self.dataset = api.call("POST", "/datasets", json={"name": "bulk", "embedding_model": model})["id"]
        holder = api.call("POST", f"/datasets/{self.dataset}/documents", files=[("file", ("holder.txt", b"x"))])
        self.chunks_path = f"/datasets/{self.dataset}/documents/{holder[0]['id']}/chunks"
        self.chunk_ids: list[str] = []
        self.document_ids: list[str] = []

    def add_chunks(self, first: int, count: int) -> None:
        for i in range(first, first + count):
            self.chunk_ids.append(self.api.call("POST", self.chunks_path, json={"content": text(i)})["chunk"]["id"])

    def delete_chunks(self) -> None:
        self.api.call("DELETE", self.chunks_path, json={"chunk_ids": self.chunk_ids})

    def upload(self, count: int) -> None:
        files = [("file", (f"note-{i}.txt", text(i).encode())) for i in range(count)]
        uploaded = self.api.call("POST", f"/datasets/{self.dataset}/documents", files=files)
        self.document_ids = [document["id"] for document in uploaded]

    def delete_documents(self) -> None:
        self.api.call("DELETE", f"/datasets/{self.dataset}/documents", json={"ids": self.document_ids})


class Directly(Side):
    def __init__(self, services: Services, model: str) -> None:
        self.services = services
        issued = services.tenants.issue_key(new_tenant=True, tenant_name="bulk")
        self.caller = Caller(tenant_id=issued.tenant_id, key_id=issued.id)
        new = NewDataset(name="bulk", embedding_model=model)
        self.dataset = services.datasets.create(self.caller, new).record.id
        holder = [IncomingFile("holder.txt", io.BytesIO(b"x"), 1)]
        self.document = services.documents.upload(self.caller, self.dataset, holder)[0].id
        self.chunk_ids: list[str] = []
        self.document_ids: list[str] = []

    def add_chunks(self, first: int, count: int) -> None:
        for i in range(first, first + count):
            added = self.services.chunks.add(self.caller, self.dataset, self.document, NewChunk(content=text(i)))
            self.chunk_ids.append(added.id)

    def delete_chunks(self) -> None:
        self.services.chunks.delete(self.caller, self.dataset, self.document, self.chunk_ids, False)

    def upload(self, count: int) -> None:
        files = [
            IncomingFile(f"note-{i}.txt", io.BytesIO(text(i).encode()), len(text(i).encode())) for i in range(count)
        ]
        self.document_ids = [
            document.id for document in self.services.documents.upload(self.caller, self.dataset, files)
        ]

    def delete_documents(self) -> None:
        self.services.documents.delete(self.caller, self.dataset, self.document_ids, False)


def interleaved(sides: dict[str, Side], count: int, rounds: int) -> dict[str, dict[str, float]]:
    """Each step done by both sides in alternating turns (the order swapped every round), so that
    whatever else the machine does weighs on both alike: chunks are added ``count / rounds`` at a
    time; the bulk steps (one call over every item) are repeated ``rounds`` times."""
    seconds: dict[str, dict[str, float]] = {name: {} for name in sides}
    per_round = max(count // rounds, 1)

    def turn(step: str, round_number: int, action: Callable[[Side], None]) -> None:
        names = list(sides) if round_number % 2 == 0 else list(reversed(sides))
        for name in names:
            spent = timed(lambda name=name: action(sides[name]))  # type: ignore[misc]
            seconds[name][step] = seconds[name].get(step, 0.0) + spent

    for number in range(rounds):
        first = number * per_round
        turn("add chunks", number, lambda side, first=first: side.add_chunks(first, per_round))  # type: ignore[misc]
    turn("delete chunks", 0, lambda side: side.delete_chunks())
    for number in range(rounds):
        turn("upload files", number, lambda side: side.upload(count))
        turn("delete documents", number, lambda side: side.delete_documents())
    for name in sides:
        for step in ("upload files", "delete documents"):
            seconds[name][step] /= rounds  # one upload (or delete) of every file, on average
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10, help="alternations between the API and the direct way")
    parser.add_argument("--model", default=FAST_MODEL, help="embedding model of the dataset")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        overrides: dict[str, Any] = {"workers": {"count": 0}, "upload": {"max_files": options.count}}
        services = Services.build(load_settings(data_dir=Path(folder) / "direct", **overrides))
        api = Api(load_settings(data_dir=Path(folder) / "api", **overrides), options.count)
        try:
            sides: dict[str, Side] = {
                "api": ThroughApi(api, options.model),
                "direct": Directly(services, options.model),
            }
            seconds = interleaved(sides, options.count, options.rounds)
        finally:
            api.close()
            services.close()
    print(f"{options.count} items, embedding model {options.model}, {options.rounds} alternating rounds")
    print(f"{'step':<18}{'API':>10}{'direct':>10}{'API/direct':>12}")
    for step, spent in seconds["api"].items():
        direct = seconds["direct"][step]
        print(f"{step:<18}{spent:>9.2f}s{direct:>9.2f}s{spent / direct:>11.2f}x")


if __name__ == "__main__":
    main()

"""A knowledge-graph build whose worker is killed (real processes, real SIGKILL) runs again and
finishes once: the graph holds each entity once, and the previous graph stayed until then."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.test_parsing import wait_for
from tests.e2e.worker_site import CHAT_MODEL, EMBEDDING_MODEL, Site, only_worker
from tests.enrich.graph_support import ENGINE, ENGINE_ANSWER, FOUNDING, FOUNDING_ANSWER

TIMEOUT = 30


@pytest.fixture
def site(tmp_path: Path, server_env: dict[str, str]) -> Iterator[Site]:
    """A site whose tenant's chat model is the scripted one (the key is made with it set)."""
    with Site.create(tmp_path, {**server_env, "RAGLOOM_MODELS__DEFAULT_CHAT_MODEL": CHAT_MODEL}) as created:
        yield created


def answer(user: str) -> str:
    return json.dumps(FOUNDING_ANSWER if "Alice Martin" in user else ENGINE_ANSWER)


def graph_row(api: str, site: Site, dataset_id: str, until: set[str], limit: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + limit
    while True:
        row: dict[str, Any] = requests.get(
            f"{api}/datasets/{dataset_id}/index", params={"type": "graph"}, headers=site.auth, timeout=TIMEOUT
        ).json()["data"]
        if row.get("status") in until or time.monotonic() > deadline:
            return row
        time.sleep(0.2)


def parsed_dataset(api: str, site: Site) -> str:
    config = {"chunk_token_num": 128, "graphrag": {"use_graphrag": True}}
    created = requests.post(
        f"{api}/datasets",
        json={"name": "graph", "embedding_model": EMBEDDING_MODEL, "parser_config": config},
        headers=site.auth,
        timeout=TIMEOUT,
    ).json()
    assert created["code"] == 0, created
    dataset = created["data"]
    files = [("file", ("founding.txt", FOUNDING.encode())), ("file", ("engine.txt", ENGINE.encode()))]
    uploaded = requests.post(
        f"{api}/datasets/{dataset['id']}/documents", files=files, headers=site.auth, timeout=TIMEOUT
    ).json()["data"]
    ids = [document["id"] for document in uploaded]
    requests.post(
        f"{api}/datasets/{dataset['id']}/chunks", json={"document_ids": ids}, headers=site.auth, timeout=TIMEOUT
    )
    for document_id in ids:
        assert wait_for(api, site.auth, dataset["id"], document_id, until={"DONE", "FAIL"}, limit=60)["run"] == "DONE"
    return str(dataset["id"])


@pytest.mark.slow
def test_a_graph_build_whose_worker_is_killed_finishes_once(site: Site) -> None:
    site.models.chat_answer = answer
    with site.running() as (process, api):
        dataset_id = parsed_dataset(api, site)
        site.models.chat_stall = True
        started = requests.post(
            f"{api}/datasets/{dataset_id}/index", params={"type": "graph"}, headers=site.auth, timeout=TIMEOUT
        ).json()
        assert started["code"] == 0, started
        site.models.wait_for_chat_calls(1)  # the worker is in the middle of the build
        worker = only_worker(process.pid)
        os.kill(worker, signal.SIGKILL)
        site.models.chat_stall = False
        row = graph_row(api, site, dataset_id, {"done", "failed"})
        graph = requests.get(f"{api}/datasets/{dataset_id}/graph", headers=site.auth, timeout=TIMEOUT).json()["data"]
    assert row["status"] == "done", row["progress_msg"]
    assert "The worker died while processing this document (killed by SIGKILL)" in row["progress_msg"]
    assert "Task resumed (attempt 2)." in row["progress_msg"]
    names = sorted(node["id"] for node in graph["graph"]["nodes"])
    assert names == ["ACME Rockets", "Alice Martin", "Bob Stone", "Falcon engine"]
    assert len(graph["graph"]["edges"]) == 3

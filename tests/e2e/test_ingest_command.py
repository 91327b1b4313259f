"""``ragloom ingest --server`` against a live server: killed part-way through 200 files, run
again, every file is one parsed document; then ``ragloom status`` over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.cli.ingest_support import (
    USE_MODEL,
    assert_ingested_once_and_parsed,
    kill_after_uploads,
    run_to_the_end,
    throughput,
    write_corpus,
)
from tests.e2e.conftest import LiveServer, new_tenant_key

pytestmark = pytest.mark.slow


def listed(live_server: LiveServer, key: str, dataset_name: str) -> list[dict[str, object]]:
    headers = live_server.headers(key)
    found = requests.get(f"{live_server.api_url}/datasets", params={"name": dataset_name}, headers=headers, timeout=30)
    dataset_id = found.json()["data"][0]["id"]
    documents: list[dict[str, object]] = []
    for page in range(1, 10):
        answer = requests.get(
            f"{live_server.api_url}/datasets/{dataset_id}/documents",
            params={"page": page, "page_size": 100},
            headers=headers,
            timeout=30,
        ).json()
        assert answer["code"] == 0, answer
        documents += answer["data"]["docs"]
    return documents


def test_killed_part_way_then_run_again_every_file_is_one_parsed_document(
    live_server: LiveServer, server_env: dict[str, str], tmp_path: Path
) -> None:
    key = new_tenant_key(live_server, server_env, "ingest-cli")
    docs = tmp_path / "docs"
    relatives = write_corpus(docs, 200)
    arguments = [
        "ingest", str(docs), "--dataset", "killed", "--parse", "--embedding-model", USE_MODEL,
        "--server", live_server.base_url, "--api-key", key, "--batch", "10",
    ]  # fmt: skip
    kill_after_uploads(arguments, server_env, uploaded=60)
    partial = listed(live_server, key, "killed")
    assert 60 <= len(partial) < 200

    output = run_to_the_end(arguments, server_env)
    assert_ingested_once_and_parsed(listed(live_server, key, "killed"), relatives)  # type: ignore[arg-type]
    parsed, chunks = throughput(output)
    assert parsed <= 200
    assert chunks >= parsed

    status = run_to_the_end(["status", "--server", live_server.base_url, "--api-key", key], server_env)
    assert "200 DONE" in status
    assert "Documents by state: 0 UNSTART, 0 RUNNING, 0 CANCEL, 200 DONE, 0 FAIL" in status
    assert "│ embedding │ multilingual-e5-small@Builtin │" in status

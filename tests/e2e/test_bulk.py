"""Bulk requests RAGFlow programs make: a thousand files in one upload, a thousand rows deleted in one call."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.conftest import LiveServer
from tests.e2e.test_uploads import assert_nothing_stored, create_dataset, document_count

pytestmark = pytest.mark.slow
TIMEOUT = 120


def files(count: int) -> list[tuple[str, tuple[str, bytes]]]:
    return [("file", (f"note-{i:04d}.txt", f"note {i:04d} ".encode() * 4)) for i in range(count)]


def test_a_thousand_files_in_one_upload_are_stored_then_deleted_in_one_call(
    live_server: LiveServer, api: str, auth: dict[str, str], unique_name: str
) -> None:
    dataset = create_dataset(api, auth, unique_name)
    before = live_server.files().locations()
    # a few parts larger than the in-memory spool, to pass through the spooling path too
    sent = [*files(995), *(("file", (f"large-{i}.txt", b"x" * 200_000)) for i in range(5))]
    uploaded = requests.post(f"{api}/datasets/{dataset}/documents", files=sent, headers=auth, timeout=TIMEOUT).json()
    assert uploaded["code"] == 0, uploaded["message"]
    assert len(uploaded["data"]) == 1000
    assert document_count(api, auth, dataset) == 1000
    assert sum(document["size"] for document in uploaded["data"]) == sum(len(body) for _, (_, body) in sent)
    assert len(live_server.files().locations() - before) == 1000

    deleted = requests.delete(
        f"{api}/datasets/{dataset}/documents",
        json={"ids": [document["id"] for document in uploaded["data"]]},
        headers=auth,
        timeout=TIMEOUT,
    ).json()
    assert deleted["code"] == 0, deleted
    assert_nothing_stored(api, auth, dataset, live_server.files(), before)


def test_one_file_over_the_limit_stores_nothing(
    live_server: LiveServer, api: str, auth: dict[str, str], unique_name: str
) -> None:
    dataset = create_dataset(api, auth, unique_name)
    before = live_server.files().locations()
    refused = requests.post(
        f"{api}/datasets/{dataset}/documents", files=files(1001), headers=auth, timeout=TIMEOUT
    ).json()
    assert refused["code"] == 101
    assert "1000" in refused["message"]
    assert_nothing_stored(api, auth, dataset, live_server.files(), before)


def test_a_thousand_chunks_are_deleted_in_one_call(api: str, auth: dict[str, str], unique_name: str) -> None:
    dataset = create_dataset(api, auth, unique_name, embedding_model="universal-sentence-encoder-multilingual@Builtin")
    holder = requests.post(f"{api}/datasets/{dataset}/documents", files=files(1), headers=auth, timeout=TIMEOUT).json()[
        "data"
    ][0]["id"]
    chunks = f"{api}/datasets/{dataset}/documents/{holder}/chunks"
    with requests.Session() as session:
        session.headers.update(auth)
        ids = [
            session.post(chunks, json={"content": f"Fact number {i}: pandas eat bamboo."}, timeout=TIMEOUT).json()[
                "data"
            ]["chunk"]["id"]
            for i in range(1000)
        ]
    assert len(set(ids)) == 1000
    deleted = requests.delete(chunks, json={"chunk_ids": ids}, headers=auth, timeout=TIMEOUT).json()
    assert deleted["code"] == 0, deleted
    listed = requests.get(chunks, headers=auth, timeout=TIMEOUT).json()["data"]
    assert listed["total"] == 0
    assert listed["doc"]["chunk_count"] == 0

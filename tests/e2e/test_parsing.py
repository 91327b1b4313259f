"""Parsing through a live server and its workers: the SDK flow, stop, errors, restart (contract §5)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import ragloom, start_server, stop_server
from tests.e2e.stores import with_stores

TIMEOUT = 30
FAST_MODEL = "universal-sentence-encoder-multilingual@Builtin"


def text_file(lines: int, topic: str = "retrieval engines") -> bytes:
    return "\n".join(f"Paragraph {n} explains how {topic} split documents into chunks." for n in range(lines)).encode()


def wait_for(api: str, auth: dict[str, str], dataset_id: str, document_id: str, *, until: set[str], limit: float = 120):
    """Poll a document until its run is in ``until``; returns its list item."""
    deadline = time.monotonic() + limit
    while True:
        listing = requests.get(
            f"{api}/datasets/{dataset_id}/documents", params={"id": document_id}, headers=auth, timeout=TIMEOUT
        ).json()
        document = listing["data"]["docs"][0]
        if document["run"] in until or time.monotonic() > deadline:
            return document
        time.sleep(0.2)


def test_sdk_parse_documents_reaches_done_with_chunks(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    (document,) = dataset.upload_documents([{"display_name": "guide.txt", "blob": text_file(40)}])
    ((document_id, run, chunk_count, token_count),) = dataset.parse_documents([document.id])
    assert (document_id, run) == (document.id, "DONE")
    assert chunk_count >= 1
    assert token_count > 0
    parsed = dataset.list_documents(id=document.id)[0]
    assert parsed.progress == 1.0
    assert "Task done" in parsed.progress_msg
    assert parsed.process_duration > 0
    assert parsed.process_begin_at
    chunks = parsed.list_chunks(page_size=100)
    assert len(chunks) == chunk_count
    assert "Paragraph 0 explains" in chunks[0].content
    assert rag.list_datasets(id=dataset.id)[0].chunk_count == chunk_count


def test_stopping_right_after_starting_cancels_and_leaves_no_chunks(api, auth, rag, unique_name):
    dataset = rag.create_dataset(name=unique_name, embedding_model=FAST_MODEL)
    (document,) = dataset.upload_documents([{"display_name": "long.txt", "blob": text_file(400)}])
    dataset.async_parse_documents([document.id])
    assert dataset.list_documents(id=document.id)[0].run == "RUNNING"
    dataset.async_cancel_parse_documents([document.id])
    stopped = dataset.list_documents(id=document.id)[0]
    assert (stopped.run, stopped.progress, stopped.chunk_count) == ("CANCEL", 0.0, 0)
    time.sleep(3)  # a worker that was mid-task notices and removes what it wrote
    later = dataset.list_documents(id=document.id)[0]
    assert (later.run, later.chunk_count) == ("CANCEL", 0)
    assert later.list_chunks(page_size=100) == []
    assert dataset.parse_documents([document.id])[0][1] == "DONE"


def test_stopping_a_document_that_is_not_running(api, auth, rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    (document,) = dataset.upload_documents([{"display_name": "idle.txt", "blob": b"idle"}])
    answer = requests.delete(
        f"{api}/datasets/{dataset.id}/chunks", json={"document_ids": [document.id]}, headers=auth, timeout=TIMEOUT
    ).json()
    assert answer == {
        "code": 102,
        "message": "Can't stop parsing document that has not started or already completed",
        "data": {"error_code": "DOC_STOP_PARSING_INVALID_STATE"},
    }
    with pytest.raises(Exception, match="has not started or already completed"):
        dataset.async_cancel_parse_documents([document.id])


def test_stopping_a_finished_parse_is_refused_and_keeps_its_chunks(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name, embedding_model=FAST_MODEL)
    (document,) = dataset.upload_documents([{"display_name": "done.txt", "blob": text_file(20)}])
    ((_, run, chunk_count, _),) = dataset.parse_documents([document.id])
    assert run == "DONE"
    with pytest.raises(Exception, match="^Can't stop parsing document that has not started or already completed$"):
        dataset.async_cancel_parse_documents([document.id])
    after = dataset.list_documents(id=document.id)[0]
    assert (after.run, after.chunk_count, len(after.list_chunks(page_size=100))) == ("DONE", chunk_count, chunk_count)


def test_start_errors_and_duplicates(api, auth, other_auth, rag, unique_name):
    dataset = rag.create_dataset(name=unique_name, embedding_model=FAST_MODEL)
    (document,) = dataset.upload_documents([{"display_name": "d.txt", "blob": text_file(200)}])
    url = f"{api}/datasets/{dataset.id}/chunks"

    def post(body, headers=auth):  # type: ignore[no-untyped-def]
        return requests.post(url, json=body, headers=headers, timeout=TIMEOUT).json()

    assert post({}) == {"code": 102, "message": "`document_ids` is required"}
    assert post({"document_ids": [document.id]}, other_auth) == {
        "code": 102,
        "message": f"You don't own the dataset {dataset.id}.",
    }
    answer = post({"document_ids": [document.id, document.id]})
    assert answer == {"code": 0, "data": {"success_count": 1, "errors": [f"Duplicate document ids: {document.id}"]}}
    assert post({"document_ids": [document.id]}) == {
        "code": 102,
        "message": "Can't parse document that is currently being processed",
    }
    assert post({"document_ids": ["nope1", "nope2"]}) == {
        "code": 102,
        "message": "Documents not found: ['nope1', 'nope2']",
    }
    wait_for(api, auth, dataset.id, document.id, until={"DONE"})


def test_newer_parse_and_stop_routes(api, auth, rag, unique_name):
    dataset = rag.create_dataset(name=unique_name, embedding_model=FAST_MODEL)
    (document,) = dataset.upload_documents([{"display_name": "n.txt", "blob": text_file(300)}])
    base = f"{api}/datasets/{dataset.id}/documents"
    empty = requests.post(f"{base}/parse", headers=auth, timeout=TIMEOUT).json()
    assert empty == {"code": 102, "message": "Request body is required"}
    started = requests.post(f"{base}/parse", json={"document_ids": [document.id]}, headers=auth, timeout=TIMEOUT)
    assert started.json() == {"code": 0, "data": {"success_count": 1}}
    unknown = requests.post(f"{base}/stop", json={"document_ids": [document.id, "x"]}, headers=auth, timeout=TIMEOUT)
    assert unknown.json() == {"code": 102, "message": "Documents not found: ['x']"}
    stopped = requests.post(f"{base}/stop", json={"document_ids": [document.id]}, headers=auth, timeout=TIMEOUT)
    assert stopped.json() == {"code": 0, "data": {"success_count": 1}}
    again = requests.post(f"{base}/stop", json={"document_ids": [document.id]}, headers=auth, timeout=TIMEOUT).json()
    assert again["code"] == 102
    assert again["message"] == "Can't stop parsing document that has not started or already completed"


def test_reparsing_replaces_chunks_without_duplicates(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name, embedding_model=FAST_MODEL)
    (document,) = dataset.upload_documents([{"display_name": "r.txt", "blob": text_file(60)}])
    first = dataset.parse_documents([document.id])[0]
    ids = sorted(chunk.id for chunk in dataset.list_documents(id=document.id)[0].list_chunks(page_size=100))
    second = dataset.parse_documents([document.id])[0]
    again = sorted(chunk.id for chunk in dataset.list_documents(id=document.id)[0].list_chunks(page_size=100))
    assert first[1:] == second[1:]
    assert ids == again
    assert rag.list_datasets(id=dataset.id)[0].chunk_count == first[2]


@pytest.mark.parametrize(
    ("name", "blob", "reason"),
    [
        ("empty.txt", b"", "is empty: there is nothing to parse"),
        ("binary.txt", bytes(range(256)) * 40, "is not a text file"),
        ("voice.mp3", b"ID3\x03\x00" + b"\x00" * 512, "Parsing .mp3 files is not supported yet"),
        ("huge-line.txt", b"wordy " * 50_000, ""),
    ],
)
def test_each_bad_file_fails_only_itself(rag, unique_name, name, blob, reason):
    dataset = rag.create_dataset(name=unique_name, embedding_model=FAST_MODEL)
    bad, good = dataset.upload_documents(
        [{"display_name": name, "blob": blob}, {"display_name": "good.txt", "blob": text_file(5)}]
    )
    results = {doc_id: run for doc_id, run, _chunks, _tokens in dataset.parse_documents([bad.id, good.id])}
    assert results[good.id] == "DONE"
    failed = dataset.list_documents(id=bad.id)[0]
    if reason:
        assert (results[bad.id], failed.progress) == ("FAIL", -1.0)
        assert reason in failed.progress_msg
    else:  # one enormous line is cut into chunks of the promised size
        assert results[bad.id] == "DONE"
        assert failed.chunk_count > 10


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from ``/proc``)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def test_killing_the_server_mid_task_then_restarting_completes_without_duplicates(
    tmp_path: Path, server_env: dict[str, str]
):
    data_dir = tmp_path / "data"
    key = ragloom("apikey", "create", "--data-dir", str(data_dir), env=server_env).strip()
    auth = {"Authorization": f"Bearer {key}"}
    process, base_url = start_server(data_dir, server_env, tmp_path / "log")
    api = f"{base_url}/api/v1"
    try:
        dataset = requests.post(
            f"{api}/datasets",
            json={"name": "crash", "parser_config": {"chunk_token_num": 128}},
            headers=auth,
            timeout=TIMEOUT,
        ).json()["data"]
        upload = requests.post(
            f"{api}/datasets/{dataset['id']}/documents",
            files=[("file", ("book.txt", text_file(500, "durable task queues")))],
            headers=auth,
            timeout=TIMEOUT,
        ).json()
        document_id = upload["data"][0]["id"]
        requests.post(
            f"{api}/datasets/{dataset['id']}/chunks", json={"document_ids": [document_id]}, headers=auth, timeout=30
        )
        deadline = time.monotonic() + 120
        while wait_for(api, auth, dataset["id"], document_id, until={"DONE", "FAIL"}, limit=0)["progress"] < 0.55:
            assert time.monotonic() < deadline, "the task never reached the embedding stage"
            time.sleep(0.1)
        workers = children_of(process.pid)
        assert workers, "ragloom serve runs worker processes"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    time.sleep(0.5)
    assert [pid for pid in workers if alive(pid)] == [], "workers must not outlive a killed server"

    process, base_url = start_server(data_dir, server_env, tmp_path / "log")
    api = f"{base_url}/api/v1"
    try:
        done = wait_for(api, auth, dataset["id"], document_id, until={"DONE", "FAIL"}, limit=240)
        assert done["run"] == "DONE", done["progress_msg"]
        assert "Task resumed (attempt 2)." in done["progress_msg"]
        chunk_ids: list[str] = []
        page = 1
        while True:
            listed = requests.get(
                f"{api}/datasets/{dataset['id']}/documents/{document_id}/chunks",
                params={"page": page, "page_size": 100},
                headers=auth,
                timeout=TIMEOUT,
            ).json()["data"]
            chunk_ids += [chunk["id"] for chunk in listed["chunks"]]
            if len(listed["chunks"]) < 100:
                break
            page += 1
        assert len(chunk_ids) == len(set(chunk_ids)) == done["chunk_count"] == listed["total"]
    finally:
        stop_server(process)


def test_a_separate_ragloom_worker_process_does_the_work(tmp_path: Path, server_env: dict[str, str]):
    import subprocess
    import sys

    data_dir = tmp_path / "data"
    key = ragloom("apikey", "create", "--data-dir", str(data_dir), env=server_env).strip()
    auth = {"Authorization": f"Bearer {key}"}
    no_workers = {**server_env, "RAGLOOM_WORKERS__COUNT": "0"}
    process, base_url = start_server(data_dir, no_workers, tmp_path / "log")
    api = f"{base_url}/api/v1"
    worker = None
    try:
        dataset = requests.post(f"{api}/datasets", json={"name": "w"}, headers=auth, timeout=TIMEOUT).json()["data"]
        upload = requests.post(
            f"{api}/datasets/{dataset['id']}/documents",
            files=[("file", ("w.txt", text_file(5)))],
            headers=auth,
            timeout=TIMEOUT,
        ).json()
        document_id = upload["data"][0]["id"]
        requests.post(
            f"{api}/datasets/{dataset['id']}/chunks", json={"document_ids": [document_id]}, headers=auth, timeout=30
        )
        time.sleep(1.5)
        assert wait_for(api, auth, dataset["id"], document_id, until=set(), limit=0)["run"] == "RUNNING"
        worker = subprocess.Popen(
            [sys.executable, "-m", "ragloom", "worker", "--data-dir", str(data_dir)],
            env=with_stores(data_dir, server_env),
        )
        assert wait_for(api, auth, dataset["id"], document_id, until={"DONE", "FAIL"})["run"] == "DONE"
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=30) == 0
        stop_server(process)

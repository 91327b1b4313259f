"""Moving up: a populated embedded data directory is copied by ``ragloom copy`` into PostgreSQL + S3,
and a server on the copy answers as the original did — the same retrieval results, the same files,
the same keys, chats and sessions."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

from ragloom.storage.index.postgresql_connections import libpq_url
from tests.conftest import S3_BUCKET
from tests.e2e.conftest import ragloom, start_server, stop_server
from tests.e2e.test_s3_blobs import FAST_MODEL, TIMEOUT, parsed
from tests.postgres_server import PostgresServer
from tests.s3_server import REGION, SeaweedS3

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.integration,
    pytest.mark.embedded_only("it copies an embedded data directory (SQLite, local files) to PostgreSQL and S3"),
]


QUESTIONS = ("Which river runs through the capital?", "What do the bees make?", "granite mountains")
TEXTS = {
    "rivers.txt": "\n\n".join(f"River {n}: the great river runs through the capital city {n}." for n in range(30)),
    "bees.txt": "\n\n".join(f"Hive {n}: the bees make honey and wax in the meadow {n}." for n in range(30)),
    "rocks.txt": "\n\n".join(f"Peak {n}: granite mountains rise above the valley {n}." for n in range(30)),
}


def call(method: str, url: str, key: str, **options: Any) -> Any:
    body = requests.request(method, url, headers={"Authorization": f"Bearer {key}"}, timeout=TIMEOUT, **options).json()
    assert body["code"] == 0, (url, body)
    return body.get("data")


def answers(api: str, key: str, dataset_id: str) -> list[list[tuple[str, float]]]:
    """Each question's hits: chunk id and similarity, in order."""
    found = []
    for question in QUESTIONS:
        data = call("POST", f"{api}/retrieval", key, json={"question": question, "dataset_ids": [dataset_id]})
        found.append([(chunk["id"], round(chunk["similarity"], 6)) for chunk in data["chunks"]])
    return found


def copy(source: Path, config: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``ragloom copy`` of ``source`` into the stores of ``config``."""
    argv = [sys.executable, "-m", "ragloom", "copy", "--data-dir", str(source), "--to", str(config)]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, check=False)


def target_config(path: Path, postgres_url: str, s3: SeaweedS3, prefix: str) -> Path:
    path.write_text(
        f"""data_dir = "{path.parent / "target-data"}"

[database]
backend = "postgresql"
[database.postgresql]
url = "{postgres_url}"

[blobs]
backend = "s3"
[blobs.s3]
endpoint = "{s3.endpoint}"
bucket = "{S3_BUCKET}"
region = "{REGION}"
access_key = "{s3.access_key}"
secret_key = "{s3.secret_key}"
prefix = "{prefix}"

[index]
backend = "postgresql"
"""
    )
    return path


def test_an_embedded_directory_copied_to_postgresql_and_s3_answers_the_same(
    tmp_path: Path,
    server_env: dict[str, str],
    postgres_server: PostgresServer,
    postgres_url: str,
    s3_server: SeaweedS3,
) -> None:
    source = tmp_path / "embedded"
    key = ragloom("apikey", "create", "--data-dir", str(source), env=server_env).strip()
    process, base_url = start_server(source, server_env, tmp_path / "embedded.log")
    api = f"{base_url}/api/v1"
    try:
        dataset = call("POST", f"{api}/datasets", key, json={"name": "moving", "embedding_model": FAST_MODEL})
        files = [("file", (name, text.encode())) for name, text in TEXTS.items()]
        documents = call("POST", f"{api}/datasets/{dataset['id']}/documents", key, files=files)
        call("POST", f"{api}/datasets/{dataset['id']}/chunks", key, json={"document_ids": [d["id"] for d in documents]})
        for document in documents:
            assert parsed(api, {"Authorization": f"Bearer {key}"}, dataset["id"], document["id"])["run"] == "DONE"
        chat = call("POST", f"{api}/chats", key, json={"name": "mover", "dataset_ids": [dataset["id"]]})
        session = call("POST", f"{api}/chats/{chat['id']}/sessions", key, json={"name": "first"})
        before = answers(api, key, dataset["id"])
        listed_before = call("GET", f"{api}/datasets/{dataset['id']}/documents", key)
    finally:
        stop_server(process)
    assert all(before), before

    config = target_config(tmp_path / "target.toml", postgres_url, s3_server, f"copy-{uuid.uuid4().hex[:8]}/")
    done = copy(source, config, server_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    table = dict(line.split("\t", 1) for line in done.stdout.splitlines())
    assert (table["dataset"], table["document"], table["chat"], table["chat_session"]) == ("1", "3", "1", "1")
    assert table["files"] == "3"
    assert "every count matches the source" in done.stderr
    assert "index: building the vector indexes" in done.stderr
    with psycopg.connect(libpq_url(postgres_url)) as connection:  # built by the copy, valid, before any server
        built = connection.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = to_regclass('index_record') AND i.indisvalid "
            "AND c.relname LIKE 'index_record_embedding_%'"
        ).fetchall()
    assert len(built) == 1, built

    # a second copy into the same (now full) target is refused and changes nothing
    again = copy(source, config, server_env)
    assert again.returncode == 1
    assert "the target database is not empty" in again.stderr
    assert "Traceback" not in again.stderr

    env = {**server_env, "RAGLOOM_CONFIG": str(config)}
    process, base_url = start_server(tmp_path / "target-data", env, tmp_path / "target.log")
    api = f"{base_url}/api/v1"
    try:
        assert answers(api, key, dataset["id"]) == before  # the same key works, the same hits
        listed = call("GET", f"{api}/datasets/{dataset['id']}/documents", key)
        assert [(d["id"], d["name"], d["chunk_count"], d["run"]) for d in listed["docs"]] == [
            (d["id"], d["name"], d["chunk_count"], d["run"]) for d in listed_before["docs"]
        ]
        for document in documents:
            download = requests.get(
                f"{api}/datasets/{dataset['id']}/documents/{document['id']}",
                headers={"Authorization": f"Bearer {key}"},
                timeout=TIMEOUT,
            )
            assert download.content == TEXTS[document["name"]].encode()
        sessions = call("GET", f"{api}/chats/{chat['id']}/sessions", key)
        assert [s["id"] for s in sessions] == [session["id"]]
    finally:
        stop_server(process)

"""A whole ``ragloom serve`` scaled out: metadata, task queue and chunk index (pgvector) on a real
PostgreSQL, files on S3. A document is uploaded, parsed by the server's worker, found by retrieval
and by a chunk listing's keywords — all through the HTTP API, with its chunks in PostgreSQL."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import ragloom, start_server, stop_server
from tests.e2e.test_s3_blobs import FAST_MODEL, TIMEOUT, s3_environment, upload_and_parse
from tests.postgres_server import PostgresServer
from tests.s3_server import SeaweedS3

pytestmark = pytest.mark.integration


def test_serve_with_the_chunk_index_on_pgvector_finds_a_parsed_document(
    tmp_path: Path,
    server_env: dict[str, str],
    postgres_server: PostgresServer,
    postgres_url: str,
    s3_server: SeaweedS3,
) -> None:
    env = {
        **s3_environment(server_env, s3_server, f"pgindex-{tmp_path.name}/"),
        "RAGLOOM_DATABASE__BACKEND": "postgresql",
        "RAGLOOM_DATABASE__POSTGRESQL__URL": postgres_url,
        "RAGLOOM_INDEX__BACKEND": "postgresql",  # its URL defaults to the metadata database's
    }
    data_dir = tmp_path / "data"
    key = ragloom("apikey", "create", "--data-dir", str(data_dir), env=env).strip()
    auth = {"Authorization": f"Bearer {key}"}
    process, base_url = start_server(data_dir, env, tmp_path / "server.log")
    api = f"{base_url}/api/v1"
    database = postgres_url.rsplit("/", 1)[1]
    paragraphs = [f"Paragraph {n}: the lighthouse keeper logs every passing ship." for n in range(15)]
    paragraphs += ["Pgvector stores embeddings beside the rows; HNSW finds near neighbours quickly."]
    try:
        body = {"name": "on-pgvector", "embedding_model": FAST_MODEL, "parser_config": {"chunk_token_num": 32}}
        dataset_id, document = upload_and_parse(api, auth, body, "notes.txt", "\n\n".join(paragraphs))
        document_id = document["id"]
        assert document["run"] == "DONE", document
        assert document["chunk_count"] > 1
        found = requests.post(
            f"{api}/retrieval",
            json={"question": "Which store keeps embeddings beside rows?", "dataset_ids": [dataset_id]},
            headers=auth,
            timeout=TIMEOUT,
        ).json()
        chunks = found["data"]["chunks"]
        assert chunks, found
        assert "pgvector" in chunks[0]["content"].lower(), chunks[0]
        assert chunks[0]["vector_similarity"] > 0
        listed = requests.get(
            f"{api}/datasets/{dataset_id}/documents/{document_id}/chunks",
            params={"keywords": "HNSW neighbours"},
            headers=auth,
            timeout=TIMEOUT,
        ).json()["data"]
        assert [chunk["id"] for chunk in listed["chunks"]] == [chunks[0]["id"]], listed
        # The worker that wrote the vectors builds their dimension's HNSW index in the background.
        deadline = time.monotonic() + 30
        while not vector_indexes(postgres_server, database):
            assert time.monotonic() < deadline, "no valid HNSW index was built"
            time.sleep(0.2)
    finally:
        stop_server(process)
    assert not (data_dir / "index.sqlite").exists()
    with postgres_server.connect(database) as connection:
        stored = connection.execute(
            "SELECT count(*), min(dimension), max(dimension) FROM index_record "
            "WHERE dataset_id = %s AND kind = 'chunk'",
            (dataset_id,),
        ).fetchone()
        assert stored is not None
        count, low, high = stored
        assert count == document["chunk_count"]
        assert low == high > 0
    assert vector_indexes(postgres_server, database) == [f"index_record_embedding_{high}"]


def vector_indexes(server: PostgresServer, database: str) -> list[str]:
    """The valid per-dimension HNSW indexes of the chunk index."""
    with server.connect(database) as connection:
        rows = connection.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indisvalid AND c.relname LIKE 'index_record_embedding_%'"
        ).fetchall()
    return [str(name) for (name,) in rows]

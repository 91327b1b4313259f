"""A whole ``ragloom serve`` with its metadata and task queue on a real PostgreSQL: a document is
uploaded, parsed by the server's worker (claimed from the PostgreSQL queue) and searchable."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import ragloom, start_server, stop_server
from tests.e2e.test_s3_blobs import FAST_MODEL, TIMEOUT, upload_and_parse
from tests.postgres_server import PostgresServer

pytestmark = pytest.mark.integration


def test_serve_on_postgresql_parses_a_document_end_to_end(
    tmp_path: Path, server_env: dict[str, str], postgres_server: PostgresServer, postgres_url: str
) -> None:
    env = {**server_env, "RAGLOOM_DATABASE__BACKEND": "postgresql", "RAGLOOM_DATABASE__POSTGRESQL__URL": postgres_url}
    data_dir = tmp_path / "data"
    key = ragloom("apikey", "create", "--data-dir", str(data_dir), env=env).strip()
    auth = {"Authorization": f"Bearer {key}"}
    process, base_url = start_server(data_dir, env, tmp_path / "server.log")
    api = f"{base_url}/api/v1"
    text = "\n".join(f"Paragraph {n}: PostgreSQL keeps the metadata and the task queue." for n in range(20))
    try:
        body = {"name": "on-postgres", "embedding_model": FAST_MODEL}
        dataset_id, document = upload_and_parse(api, auth, body, "guide.txt", text)
        assert document["run"] == "DONE", document
        assert document["chunk_count"] > 0
        found = requests.post(
            f"{api}/retrieval",
            json={"question": "task queue", "dataset_ids": [dataset_id]},
            headers=auth,
            timeout=TIMEOUT,
        ).json()
        assert found["data"]["chunks"], found
    finally:
        stop_server(process)
    database = postgres_url.rsplit("/", 1)[1]
    with postgres_server.connect(database) as connection:
        rows = connection.execute("SELECT status, attempts, lease_token IS NOT NULL FROM task").fetchall()
    assert rows == [("done", 1, True)]

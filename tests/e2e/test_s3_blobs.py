"""A whole server with its files on a real S3 server (SeaweedFS, credentials enforced): documents are
uploaded, parsed, downloaded byte for byte and deleted through the API, and the bucket follows."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import S3_BUCKET
from tests.e2e.conftest import ragloom, refused_start, start_server, stop_server
from tests.s3_server import REGION, SeaweedS3

pytestmark = pytest.mark.integration

TIMEOUT = 30
FAST_MODEL = "universal-sentence-encoder-multilingual@Builtin"
PART_SIZE = 5 * 1024 * 1024


def s3_environment(server_env: dict[str, str], s3_server: SeaweedS3, prefix: str) -> dict[str, str]:
    """A server's environment choosing the S3 blob store, in ``prefix`` of the test bucket."""
    return {
        **server_env,
        "RAGLOOM_BLOBS__BACKEND": "s3",
        "RAGLOOM_BLOBS__S3__ENDPOINT": s3_server.endpoint,
        "RAGLOOM_BLOBS__S3__BUCKET": S3_BUCKET,
        "RAGLOOM_BLOBS__S3__REGION": REGION,
        "RAGLOOM_BLOBS__S3__ACCESS_KEY": s3_server.access_key,
        "RAGLOOM_BLOBS__S3__SECRET_KEY": s3_server.secret_key,
        "RAGLOOM_BLOBS__S3__PREFIX": prefix,
        "RAGLOOM_BLOBS__S3__PART_SIZE": str(PART_SIZE),
    }


def objects(s3_server: SeaweedS3, prefix: str) -> dict[str, int]:
    """Every object under ``prefix``: key -> size."""
    listed = s3_server.client().list_objects_v2(Bucket=S3_BUCKET, Prefix=prefix)
    return {entry["Key"]: entry["Size"] for entry in listed.get("Contents", [])}


def parsed(api: str, auth: dict[str, str], dataset_id: str, document_id: str, limit: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + limit
    while True:
        answer = requests.get(
            f"{api}/datasets/{dataset_id}/documents", params={"id": document_id}, headers=auth, timeout=TIMEOUT
        ).json()
        document: dict[str, Any] = answer["data"]["docs"][0]
        if document["run"] in {"DONE", "FAIL", "CANCEL"} or time.monotonic() > deadline:
            return document
        time.sleep(0.2)


def upload_and_parse(
    api: str, auth: dict[str, str], dataset_body: dict[str, Any], name: str, text: str
) -> tuple[str, dict[str, Any]]:
    """A new dataset holding one uploaded text file, parsed to the end: its id and the document's JSON."""
    dataset_id = requests.post(f"{api}/datasets", json=dataset_body, headers=auth, timeout=TIMEOUT).json()["data"]["id"]
    uploaded = requests.post(
        f"{api}/datasets/{dataset_id}/documents", files=[("file", (name, text.encode()))], headers=auth, timeout=TIMEOUT
    ).json()["data"]
    document_id = uploaded[0]["id"]
    started = requests.post(
        f"{api}/datasets/{dataset_id}/chunks", json={"document_ids": [document_id]}, headers=auth, timeout=TIMEOUT
    ).json()
    assert started["code"] == 0, started
    return dataset_id, parsed(api, auth, dataset_id, document_id)


def test_documents_live_in_the_bucket_from_upload_to_delete(
    tmp_path: Path, server_env: dict[str, str], s3_server: SeaweedS3
) -> None:
    prefix = f"e2e-{uuid.uuid4().hex[:12]}/"
    env = s3_environment(server_env, s3_server, prefix)
    data_dir = tmp_path / "data"
    key = ragloom("apikey", "create", "--data-dir", str(data_dir), env=env).strip()
    auth = {"Authorization": f"Bearer {key}"}
    process, base_url = start_server(data_dir, env, tmp_path / "server.log")
    api = f"{base_url}/api/v1"
    text = "\n".join(f"Paragraph {n}: object stores keep uploaded files for parsing." for n in range(30)).encode()
    large = os.urandom(PART_SIZE + 1_000_000)  # sent to S3 in two parts
    try:
        status = requests.get(f"{api}/system/status", headers=auth, timeout=TIMEOUT).json()["data"]
        assert status["storage"]["storage"] == "s3"
        assert status["storage"]["status"] == "green"
        body = {"name": "on-s3", "embedding_model": FAST_MODEL}
        dataset_id = requests.post(f"{api}/datasets", json=body, headers=auth, timeout=TIMEOUT).json()["data"]["id"]
        uploaded = requests.post(
            f"{api}/datasets/{dataset_id}/documents",
            files=[("file", ("guide.txt", text)), ("file", ("scan.bin.pdf", large))],
            headers=auth,
            timeout=TIMEOUT,
        ).json()["data"]
        guide, scan = (document["id"] for document in uploaded)
        stored = objects(s3_server, prefix)
        assert sorted(stored.values()) == [len(text), len(large)]
        assert not (data_dir / "blobs").exists()
        large_key = next(name for name, size in stored.items() if size == len(large))
        etag = s3_server.client().head_object(Bucket=S3_BUCKET, Key=large_key)["ETag"]
        assert etag.strip('"').endswith("-2")

        started = requests.post(
            f"{api}/datasets/{dataset_id}/chunks", json={"document_ids": [guide]}, headers=auth, timeout=TIMEOUT
        ).json()
        assert started["code"] == 0, started
        document = parsed(api, auth, dataset_id, guide)
        assert document["run"] == "DONE", document["progress_msg"]
        assert document["chunk_count"] >= 1

        for document_id, payload in ((guide, text), (scan, large)):
            download = requests.get(f"{api}/datasets/{dataset_id}/documents/{document_id}", headers=auth, timeout=60)
            assert download.status_code == 200
            assert download.content == payload

        deleted = requests.delete(
            f"{api}/datasets/{dataset_id}/documents", json={"ids": [guide, scan]}, headers=auth, timeout=TIMEOUT
        ).json()
        assert deleted["code"] == 0, deleted
        assert objects(s3_server, prefix) == {}
        assert s3_server.client().list_multipart_uploads(Bucket=S3_BUCKET, Prefix=prefix).get("Uploads", []) == []
    finally:
        stop_server(process)


def test_a_server_whose_secret_is_wrong_does_not_start_and_says_why(
    tmp_path: Path, server_env: dict[str, str], s3_server: SeaweedS3
) -> None:
    env = s3_environment(server_env, s3_server, "refused/")
    env["RAGLOOM_BLOBS__S3__SECRET_KEY"] = "not-the-secret"
    stderr = refused_start(tmp_path / "data", env)
    assert stderr.startswith(f"Error: S3 refused to reach the bucket at s3://{S3_BUCKET}/refused/ (403): ")
    assert "check blobs.s3.access_key, blobs.s3.secret_key" in stderr
    assert "not-the-secret" not in stderr

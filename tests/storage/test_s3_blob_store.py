"""The S3 blob store on a real S3 server (SeaweedFS): the whole conformance suite, path-style and
virtual-host, plus what only S3 has — uploads in parts with a bounded memory, refused credentials."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import tracemalloc
import uuid

import pytest
from pydantic import SecretStr

from ragloom.errors import StorageError
from ragloom.services.container import Services
from ragloom.settings import S3BlobSettings, Settings
from ragloom.storage.blobs import BlobStore
from ragloom.storage.blobs.s3 import S3BlobStore
from ragloom.testing.blob_store import BlobStoreConformance
from tests.conftest import S3_BUCKET
from tests.s3_server import REGION, SeaweedS3

pytestmark = pytest.mark.integration

PART_SIZE = 5 * 1024 * 1024  # S3's smallest part

# A put whose source sends one part and a byte and then nothing: the writer is stuck in the
# middle of a multipart upload until killed. Settings come as JSON in the environment.
_WRITER = (
    "import os, sys; from ragloom.settings import S3BlobSettings; from ragloom.storage.blobs.s3 import S3BlobStore; "
    "S3BlobStore.connect(S3BlobSettings.model_validate_json(os.environ['S3_SETTINGS']))"
    ".put(sys.argv[1], sys.stdin.buffer)"
)


def s3_settings(server: SeaweedS3, *, style: str = "path", secret: str | None = None, **more: object) -> S3BlobSettings:
    """Settings of a store in a prefix of its own, so that each test starts with an empty store."""
    virtual = style == "virtual"
    return S3BlobSettings.model_validate(
        {
            "endpoint": server.virtual_host_endpoint if virtual else server.endpoint,
            "proxy": server.virtual_host_proxy if virtual else None,
            "addressing_style": style,
            "bucket": S3_BUCKET,
            "region": REGION,
            "access_key": server.access_key,
            "secret_key": secret or server.secret_key,
            "prefix": f"test-{uuid.uuid4().hex[:12]}/",
            "part_size": PART_SIZE,
            "max_attempts": 1,
            **more,
        }
    )


def unfinished_uploads(store: S3BlobStore) -> list[str]:
    answer = store.client.list_multipart_uploads(Bucket=store.bucket, Prefix=store.prefix)
    return [upload["Key"] for upload in answer.get("Uploads", [])]


def kill_in_the_middle_of_a_put(settings: S3BlobSettings, store: S3BlobStore, key: str) -> None:
    """Start a process putting ``key`` and SIGKILL it once it has sent a part of its upload."""
    name = store.prefix + key
    before = unfinished_uploads(store).count(name)
    environment = {**os.environ, "S3_SETTINGS": _settings_json(settings)}
    with subprocess.Popen([sys.executable, "-c", _WRITER, key], stdin=subprocess.PIPE, env=environment) as writer:
        assert writer.stdin is not None
        writer.stdin.write(b"x" * (PART_SIZE + 1))
        writer.stdin.flush()
        deadline = time.monotonic() + 60
        while not _has_a_part(store, name, before):
            assert writer.poll() is None, "the writer ended on its own"
            assert time.monotonic() < deadline, "the writer never started its upload"
            time.sleep(0.05)
        writer.kill()
        writer.stdin.close()
    assert writer.returncode == -9


def _has_a_part(store: S3BlobStore, name: str, earlier: int) -> bool:
    answer = store.client.list_multipart_uploads(Bucket=store.bucket, Prefix=name)
    uploads = [upload for upload in answer.get("Uploads", []) if upload["Key"] == name]
    if len(uploads) <= earlier:
        return False
    newest = uploads[-1]
    parts = store.client.list_parts(Bucket=store.bucket, Key=name, UploadId=newest["UploadId"])
    return bool(parts.get("Parts"))


def _settings_json(settings: S3BlobSettings) -> str:
    """The settings with the secret in clear, for the writer process (a dump masks it)."""
    fields = settings.model_dump(mode="json")
    fields["secret_key"] = settings.secret_key.get_secret_value() if settings.secret_key else None
    return json.dumps(fields)


class TestS3BlobStorePathStyle(BlobStoreConformance):
    style = "path"

    @pytest.fixture
    def blob_store(self, s3_server: SeaweedS3) -> S3BlobStore:
        self.settings = s3_settings(s3_server, style=self.style)
        return S3BlobStore.connect(self.settings)

    def leave_an_interrupted_write(self, blob_store: BlobStore, key: str) -> None:
        assert isinstance(blob_store, S3BlobStore)
        kill_in_the_middle_of_a_put(self.settings, blob_store, key)


class TestS3BlobStoreVirtualHost(TestS3BlobStorePathStyle):
    """The bucket named in the host (``ragloom-tests.s3.test``), as AWS and most clouds address it."""

    style = "virtual"


@pytest.fixture
def store(s3_server: SeaweedS3) -> S3BlobStore:
    return S3BlobStore.connect(s3_settings(s3_server))


class Pattern(io.RawIOBase):
    """``size`` bytes of a repeating pattern, made as they are read: the source holds 64 KiB."""

    CYCLE = bytes(range(251)) * 262

    def __init__(self, size: int) -> None:
        self.left = size
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = min(len(buffer), self.left, len(self.CYCLE) - 251)
        offset = self.position % 251
        buffer[:count] = self.CYCLE[offset : offset + count]
        self.left -= count
        self.position += count
        return count


def test_a_large_file_is_uploaded_in_parts_with_a_bounded_memory(store: S3BlobStore) -> None:
    size = 6 * PART_SIZE + 123
    tracemalloc.start()
    try:
        info = store.put("t/d/large", io.BufferedReader(Pattern(size)))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.size == size
    assert peak < 3 * PART_SIZE, f"put held {peak / PART_SIZE:.1f} parts at once"
    head = store.client.head_object(Bucket=store.bucket, Key=store.prefix + "t/d/large")
    assert head["ContentLength"] == size
    assert head["ETag"].strip('"').endswith("-7")  # a multipart object's ETag counts its parts
    expected = io.BufferedReader(Pattern(size))
    for piece in store.iter_chunks("t/d/large", chunk_size=3 * 1024 * 1024):
        assert piece == expected.read(len(piece))
    assert expected.read() == b""
    assert unfinished_uploads(store) == []


def test_bytes_larger_than_a_part_are_uploaded_in_parts(store: S3BlobStore) -> None:
    payload = os.urandom(PART_SIZE) + b"tail"
    info = store.put("k", payload)
    assert info.size == len(payload)
    assert store.get("k") == payload
    head = store.client.head_object(Bucket=store.bucket, Key=store.prefix + "k")
    assert head["ETag"].strip('"').endswith("-2")


@pytest.mark.parametrize(("size", "parts"), [(PART_SIZE - 1, 0), (PART_SIZE, 1), (PART_SIZE + 1, 2)])
def test_a_file_that_fills_its_first_part_is_uploaded_in_parts(store: S3BlobStore, size: int, parts: int) -> None:
    payload = os.urandom(size)
    assert store.put("f", io.BytesIO(payload)).size == size
    assert store.get("f") == payload
    etag = store.client.head_object(Bucket=store.bucket, Key=store.prefix + "f")["ETag"].strip('"')
    assert etag.endswith(f"-{parts}") if parts else "-" not in etag
    assert store.put("b", payload).size == size  # bytes: one request when they fit in one part
    assert "-" not in store.client.head_object(Bucket=store.bucket, Key=store.prefix + "b")["ETag"] or parts == 2


def test_a_put_that_fails_in_this_process_aborts_its_upload(store: S3BlobStore) -> None:
    class Failing(io.RawIOBase):
        def __init__(self) -> None:
            self.sent = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            if self.sent >= 2 * PART_SIZE:
                raise OSError("the client went away")
            count = min(len(buffer), 2 * PART_SIZE - self.sent)
            buffer[:count] = b"x" * count
            self.sent += count
            return count

    with pytest.raises(OSError, match="the client went away"):
        store.put("t/d/doc", io.BufferedReader(Failing()))
    assert not store.exists("t/d/doc")
    assert unfinished_uploads(store) == []
    assert store.discard_interrupted_writes() == 0


def test_a_blob_replaced_while_it_is_read_is_not_mixed(store: S3BlobStore) -> None:
    store.put("r", b"a" * (2 * PART_SIZE))
    pieces = store.iter_chunks("r", chunk_size=PART_SIZE)
    assert next(pieces) == b"a" * PART_SIZE
    store.put("r", b"b" * (2 * PART_SIZE))
    with pytest.raises(StorageError, match="replaced while it was being read"):
        next(pieces)


def test_a_wrong_secret_is_refused_with_a_clear_error(s3_server: SeaweedS3) -> None:
    settings = s3_settings(s3_server, secret="not-the-secret")
    store = S3BlobStore.connect(settings)
    with pytest.raises(StorageError, match=r"S3 refused to reach the bucket .*\(403\): check blobs.s3.access_key"):
        store.check_access()
    with pytest.raises(StorageError, match=r"S3 refused to store a blob at s3://ragloom-tests/test-\w+/k"):
        store.put("k", b"x")
    with pytest.raises(StorageError, match="SignatureDoesNotMatch"):
        list(store.iter_keys())
    with pytest.raises(StorageError) as caught:
        store.get("k")
    assert "not-the-secret" not in str(caught.value)


def test_a_missing_bucket_and_an_unreachable_server_say_so(s3_server: SeaweedS3) -> None:
    missing = S3BlobStore.connect(s3_settings(s3_server).model_copy(update={"bucket": "no-such-bucket"}))
    with pytest.raises(StorageError, match="S3 bucket 'no-such-bucket' does not exist"):
        missing.check_access()
    with pytest.raises(StorageError, match="S3 bucket 'no-such-bucket' does not exist"):
        missing.put("k", b"x")
    closed = S3BlobStore.connect(
        s3_settings(s3_server, endpoint="http://127.0.0.1:9", connect_timeout_seconds=2)  # the discard port
    )
    with pytest.raises(StorageError, match="S3 failed to reach the bucket at s3://ragloom-tests/.*Could not connect"):
        closed.check_access()


def test_the_secret_is_never_shown(s3_server: SeaweedS3) -> None:
    settings = s3_settings(s3_server)
    assert isinstance(settings.secret_key, SecretStr)
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert s3_server.secret_key not in shown


def test_prefixes_keep_stores_apart(s3_server: SeaweedS3) -> None:
    first, second = S3BlobStore.connect(s3_settings(s3_server)), S3BlobStore.connect(s3_settings(s3_server))
    first.put("t/d/a", b"1")
    assert list(second.iter_keys()) == []
    assert not second.exists("t/d/a")
    assert second.discard_interrupted_writes() == 0


def test_services_open_the_s3_store_settings_choose(settings: Settings, s3_server: SeaweedS3) -> None:
    blobs = settings.blobs.model_copy(update={"backend": "s3", "s3": s3_settings(s3_server)})
    services = Services.build(settings.model_copy(update={"blobs": blobs}))
    try:
        assert isinstance(services.blobs, S3BlobStore)
        assert services.blobs.prefix == blobs.s3.prefix
        assert not (settings.data_dir / "blobs").exists()
    finally:
        services.close()
    refused = blobs.model_copy(update={"s3": s3_settings(s3_server, secret="not-the-secret")})
    with pytest.raises(StorageError, match=r"S3 refused to reach the bucket"):
        Services.build(settings.model_copy(update={"blobs": refused}))

"""Blob store backend on any S3-compatible object store (AWS S3, Ceph RGW, SeaweedFS, MinIO, R2…).

Each blob is one object ``{prefix}{key}`` of one bucket. The protocol's semantics map onto S3's:

- ``put`` is atomic because S3 makes an object visible only when its ``PutObject`` or its
  ``CompleteMultipartUpload`` succeeds, replacing the old one whole. A blob that fits in one part
  (``part_size``) is one ``PutObject``; a larger file is read one part at a time and sent as a
  multipart upload, so no more than one part of it is ever in memory.
- A ``put`` killed half-way leaves at most an unfinished multipart upload: never listed, never
  readable, removed by ``discard_interrupted_writes`` (which aborts every unfinished upload under
  the prefix — only safe while no ``put`` is in flight, as the protocol says). A ``put`` that fails
  in this process aborts its own upload at once.
- ``iter_chunks`` reads the object in ranges of about ``part_size`` bytes, each conditional on
  the ETag the first request saw: a blob replaced while it is being read fails the read with a
  :class:`~ragloom.errors.StorageError` instead of mixing two versions.
- ``delete`` says whether there was an object by asking first (S3's ``DeleteObject`` answers the
  same either way); two concurrent deletes of one blob may both say ``True``.

Every failure of the server or the network becomes a :class:`~ragloom.errors.StorageError` that
says what was refused and why (wrong credentials, missing bucket, unreachable endpoint); the
secret key is never part of a message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import TYPE_CHECKING, BinaryIO, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ragloom.errors import ConfigError, StorageError
from ragloom.storage.blobs.protocol import BlobInfo, BlobNotFoundError, check_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

    from ragloom.settings import S3BlobSettings

_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_REFUSED = frozenset(
    {"403", "AccessDenied", "Forbidden", "SignatureDoesNotMatch", "InvalidAccessKeyId", "InvalidToken"}
)


class S3BlobStore:
    """Blobs as objects ``{prefix}{key}`` in ``bucket``, through a boto3 S3 ``client``."""

    def __init__(self, client: S3Client, bucket: str, *, prefix: str = "", part_size: int = 8 * 1024 * 1024) -> None:
        if not bucket:
            raise ValueError("The S3 blob store needs a bucket")
        if prefix:
            check_key(prefix.removesuffix("/"))
            if not prefix.endswith("/"):
                raise ValueError(f"An S3 prefix ends with '/': {prefix!r}")
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.part_size = part_size

    @classmethod
    def connect(cls, settings: S3BlobSettings) -> S3BlobStore:
        """A store configured by ``[blobs.s3]``."""
        if not settings.bucket:
            raise ConfigError("blobs.backend is 's3' but blobs.s3.bucket is not set")
        config = Config(
            s3={"addressing_style": settings.addressing_style},
            proxies={"http": settings.proxy, "https": settings.proxy} if settings.proxy else None,
            connect_timeout=settings.connect_timeout_seconds,
            read_timeout=settings.read_timeout_seconds,
            retries={"max_attempts": settings.max_attempts, "mode": "standard"},
            # One client serves every request thread (boto3 clients are thread-safe); the default
            # pool of 10 connections would be reopened over and over under a busy server.
            max_pool_connections=32,
            # Checksums only where S3 requires them: the newer defaults (trailing CRC checksums on
            # every upload) are refused by several S3-compatible servers.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        secret = settings.secret_key.get_secret_value() if settings.secret_key is not None else None
        client = boto3.client(
            "s3",
            endpoint_url=settings.endpoint or None,
            region_name=settings.region,
            aws_access_key_id=settings.access_key or None,
            aws_secret_access_key=secret,
            verify=str(settings.ca_bundle) if settings.ca_bundle and settings.verify_tls else settings.verify_tls,
            config=config,
        )
        return cls(client, settings.bucket, prefix=settings.prefix, part_size=settings.part_size)

    def check_access(self) -> None:
        """Raise :class:`StorageError` unless the bucket exists and answers to these credentials."""
        with self._errors("reach the bucket"):
            self.client.head_bucket(Bucket=self.bucket)

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    @contextmanager
    def _errors(self, action: str, key: str | None = None) -> Iterator[None]:
        """Turn what boto3 raises into :class:`BlobNotFoundError` or a :class:`StorageError` that says why."""
        where = f"s3://{self.bucket}/{self.prefix}{key or ''}"
        try:
            yield
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            status = str(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
            if key is not None and (code in _MISSING or (not code and status == "404")):
                raise BlobNotFoundError(f"No blob at {key}") from None
            if code in _REFUSED or status == "403":
                raise StorageError(
                    f"S3 refused to {action} at {where} ({code or status}): check blobs.s3.access_key, "
                    "blobs.s3.secret_key and the key's permissions on the bucket"
                ) from None
            if code in {"NoSuchBucket"} or (key is None and status == "404"):
                raise StorageError(f"S3 bucket {self.bucket!r} does not exist (blobs.s3.bucket)") from None
            message = error.response.get("Error", {}).get("Message", "")
            raise StorageError(f"S3 failed to {action} at {where}: {code or status} {message}".rstrip()) from None
        except BotoCoreError as error:
            raise StorageError(f"S3 failed to {action} at {where}: {error}") from None

    def put(self, key: str, data: bytes | BinaryIO) -> BlobInfo:
        name = self._name(key)
        if isinstance(data, bytes | bytearray | memoryview):
            view = memoryview(data)
            fits = len(view) <= self.part_size
            pieces: Iterator[bytes] = (
                bytes(view[start : start + self.part_size]) for start in range(0, max(len(view), 1), self.part_size)
            )
        else:
            pieces = _parts_of(data, self.part_size)
            fits = False  # known only once the first part is read
        digest = hashlib.sha256()
        # The first part is read to choose between one request and an upload in parts; it is kept
        # in a list the upload empties, so no name holds it once it is sent.
        pending = [next(pieces)]
        digest.update(pending[0])
        if fits or len(pending[0]) < self.part_size:
            with self._errors("store a blob", key):
                self.client.put_object(Bucket=self.bucket, Key=name, Body=pending[0])
            return BlobInfo(key=key, size=len(pending[0]), sha256=digest.hexdigest())
        # A file whose first part is full may hold more: upload it in parts at once, one part in
        # memory at a time (an upload of one part is valid when the file ends there).
        size = self._upload_in_parts(key, name, _draining(pending, pieces), digest.update)
        return BlobInfo(key=key, size=size, sha256=digest.hexdigest())

    def _upload_in_parts(self, key: str, name: str, pieces: Iterator[bytes], seen: Callable[[bytes], None]) -> int:
        """Send ``pieces`` as the parts of one upload; ``seen`` is told each piece after the first."""
        with self._errors("start an upload", key):
            upload = self.client.create_multipart_upload(Bucket=self.bucket, Key=name)["UploadId"]
        parts: list[CompletedPartTypeDef] = []
        size = 0
        try:
            piece = next(pieces)
            while piece:
                number = len(parts) + 1
                if number > 1:
                    seen(piece)
                with self._errors(f"upload part {number}", key):
                    sent = self.client.upload_part(
                        Bucket=self.bucket, Key=name, UploadId=upload, PartNumber=number, Body=piece
                    )
                parts.append({"ETag": sent["ETag"], "PartNumber": number})
                size += len(piece)
                piece = b""  # let the part sent go before the next one is read
                piece = next(pieces, b"")
            with self._errors("complete an upload", key):
                self.client.complete_multipart_upload(
                    Bucket=self.bucket, Key=name, UploadId=upload, MultipartUpload={"Parts": parts}
                )
        except BaseException:
            self._abort(name, upload)
            raise
        return size

    def _abort(self, name: str, upload: str) -> None:
        """Best effort: what is left is removed by :meth:`discard_interrupted_writes` anyway."""
        with suppress(ClientError, BotoCoreError):
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload)

    def get(self, key: str) -> bytes:
        name = self._name(key)
        with self._errors("read a blob", key):
            return self.client.get_object(Bucket=self.bucket, Key=name)["Body"].read()

    def iter_chunks(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        name = self._name(key)
        with self._errors("read a blob", key):
            head = self.client.head_object(Bucket=self.bucket, Key=name)
        return self._ranges(key, name, head["ContentLength"], head["ETag"], chunk_size)

    def _ranges(self, key: str, name: str, size: int, etag: str, chunk_size: int) -> Iterator[bytes]:
        # Whole chunks per range, so each range yields exact chunk_size pieces but the last.
        span = chunk_size * max(1, self.part_size // chunk_size)
        for start in range(0, size, span):
            end = min(start + span, size) - 1
            with self._errors("read a blob", key):
                try:
                    body = self.client.get_object(
                        Bucket=self.bucket, Key=name, Range=f"bytes={start}-{end}", IfMatch=etag
                    )["Body"]
                except ClientError as error:
                    if error.response.get("Error", {}).get("Code") in {"PreconditionFailed", "412"}:
                        raise StorageError(f"The blob at {key} was replaced while it was being read") from None
                    raise
                with body:
                    while piece := _read_fully(body, chunk_size):
                        yield piece

    def size(self, key: str) -> int:
        name = self._name(key)
        with self._errors("read a blob's size", key):
            return self.client.head_object(Bucket=self.bucket, Key=name)["ContentLength"]

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except BlobNotFoundError:
            return False
        return True

    def delete(self, key: str) -> bool:
        name = self._name(key)
        if not self.exists(key):
            return False
        with self._errors("delete a blob", key):
            self.client.delete_object(Bucket=self.bucket, Key=name)
        return True

    def iter_keys(self, prefix: str = "", *, modified_before: float | None = None) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix + prefix)
        with self._errors("list blobs"):
            for page in pages:
                for entry in page.get("Contents", []):
                    if _before(entry.get("LastModified"), modified_before):
                        yield entry["Key"][len(self.prefix) :]

    def discard_interrupted_writes(self, *, begun_before: float | None = None) -> int:
        pages = self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket, Prefix=self.prefix)
        with self._errors("list unfinished uploads"):
            unfinished = [
                (upload["Key"], upload["UploadId"])
                for page in pages
                for upload in page.get("Uploads", [])
                if _before(upload.get("Initiated"), begun_before)
            ]
        for name, upload in unfinished:
            with self._errors("abort an unfinished upload"):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload)
        return len(unfinished)


def _before(moment: datetime | None, when: float | None) -> bool:
    """Whether the server's ``moment`` is before ``when`` (always, without a time; never, without a moment)."""
    if when is None:
        return True
    return moment is not None and moment.timestamp() < when


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def _read_fully(stream: _Readable, size: int) -> bytes:
    """Up to ``size`` bytes of ``stream``, fewer only at its end (one ``read`` may return less)."""
    pieces: list[bytes] = []
    wanted = size
    while wanted:
        piece = stream.read(wanted)
        if not piece:
            break
        pieces.append(piece)
        wanted -= len(piece)
    return b"".join(pieces)


def _draining(pending: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    """What ``pending`` holds (emptying it), then ``rest``."""
    while pending:
        yield pending.pop(0)
    yield from rest


def _parts_of(stream: BinaryIO, part_size: int) -> Iterator[bytes]:
    """``stream`` in pieces of exactly ``part_size`` bytes but the last (just ``b""`` when it is empty)."""
    piece = _read_fully(stream, part_size)
    yield piece
    while len(piece) == part_size:
        piece = _read_fully(stream, part_size)
        if not piece:
            return
        yield piece

"""The stores of the servers the e2e suite starts: embedded, or scaled out on PostgreSQL and S3.

``pytest --stores=embedded`` (the default) runs every server on its data directory alone: SQLite
metadata and task queue, the SQLite chunk index, files under ``blobs/``. ``pytest --stores=scaleout``
runs every one of them as a scaled-out deployment: metadata, task queue and chunk index (pgvector)
on the session's PostgreSQL, files on its S3 server (SeaweedFS).

In scale-out mode the ``server_env`` fixture names those backends and servers
(:func:`scale_out_environment`), and :func:`with_stores` — which every helper that runs ``ragloom``
applies to its environment — gives each data directory a database and an S3 prefix of its own,
named after the directory: tests stay independent, and a server started again on the same
directory finds its data. A setting the test gives itself wins (a test of the S3 store names its
own prefix, one of the PostgreSQL metadata store its own database).

A test about the embedded stores themselves carries ``@pytest.mark.embedded_only(reason)`` and is
skipped in scale-out mode with that reason. Tests that check the files a server keeps read them
through :class:`StoredFiles`, wherever the server keeps them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from ragloom.storage.metadata.store import MetadataStore
from tests.postgres_server import PostgresServer, database_of
from tests.s3_server import REGION, SeaweedS3

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SCALE_OUT = "scaleout"  # the value of --stores (tests/conftest.py) that scales servers out
# Not a ragloom setting: the PostgreSQL server in which with_stores creates each data directory's database.
POSTGRES_SERVER = "E2E_POSTGRES_SERVER"
DATABASE_BACKEND = "RAGLOOM_DATABASE__BACKEND"
DATABASE_URL = "RAGLOOM_DATABASE__POSTGRESQL__URL"
BLOBS_BACKEND = "RAGLOOM_BLOBS__BACKEND"
S3_PREFIX = "RAGLOOM_BLOBS__S3__PREFIX"


def scale_out_environment(postgres: PostgresServer, s3: SeaweedS3, bucket: str) -> dict[str, str]:
    """The settings every scaled-out server shares: the backends and the servers they live on."""
    return {
        POSTGRES_SERVER: postgres.url(),
        DATABASE_BACKEND: "postgresql",
        "RAGLOOM_INDEX__BACKEND": "postgresql",  # its URL defaults to the metadata database's
        BLOBS_BACKEND: "s3",
        "RAGLOOM_BLOBS__S3__ENDPOINT": s3.endpoint,
        "RAGLOOM_BLOBS__S3__BUCKET": bucket,
        "RAGLOOM_BLOBS__S3__REGION": REGION,
        "RAGLOOM_BLOBS__S3__ACCESS_KEY": s3.access_key,
        "RAGLOOM_BLOBS__S3__SECRET_KEY": s3.secret_key,
    }


def with_stores(data_dir: Path | str, env: dict[str, str]) -> dict[str, str]:
    """``env`` completed with the database and S3 prefix of ``data_dir`` (the database created on
    first use) in scale-out mode; ``env`` itself in embedded mode."""
    server = env.get(POSTGRES_SERVER)
    if server is None:
        return env
    name = "e2e_" + hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:16]
    completed = {S3_PREFIX: f"{name}/", **env}
    if DATABASE_URL not in env:
        completed[DATABASE_URL] = database_of(server, name)
    return completed


def data_dir_argument(arguments: tuple[str, ...]) -> str | None:
    """The value of ``--data-dir`` among a ``ragloom`` command's arguments."""
    if "--data-dir" in arguments[:-1]:
        return arguments[arguments.index("--data-dir") + 1]
    return None


def metadata_store(data_dir: Path, env: dict[str, str]) -> MetadataStore:
    """The metadata store of the server on ``data_dir`` with ``env`` (SQLite or PostgreSQL)."""
    env = with_stores(data_dir, env)
    if env.get(DATABASE_BACKEND, "sqlite") == "postgresql":
        return MetadataStore(env[DATABASE_URL])
    return MetadataStore(f"sqlite:///{data_dir / 'ragloom.db'}")


class StoredFiles:
    """The files (blobs) of the server on ``data_dir`` with ``env``, by location: under ``blobs/``
    of the data directory, or the objects of its S3 prefix."""

    def __init__(self, data_dir: Path, env: dict[str, str]) -> None:
        env = with_stores(data_dir, env)
        self.root = data_dir / "blobs"
        self.prefix = env.get(S3_PREFIX, "")
        self.bucket = env.get("RAGLOOM_BLOBS__S3__BUCKET", "")
        self.client: S3Client | None = None
        if env.get(BLOBS_BACKEND, "local") == "s3":
            self.client = boto3.client(
                "s3",
                endpoint_url=env["RAGLOOM_BLOBS__S3__ENDPOINT"],
                aws_access_key_id=env["RAGLOOM_BLOBS__S3__ACCESS_KEY"],
                aws_secret_access_key=env["RAGLOOM_BLOBS__S3__SECRET_KEY"],
                region_name=env.get("RAGLOOM_BLOBS__S3__REGION", REGION),
                config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
            )

    def read(self, location: str) -> bytes | None:
        """The bytes of the file at ``location``; ``None`` if there is none."""
        if self.client is None:
            path = self.root / location
            return path.read_bytes() if path.is_file() else None
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + location)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                return None
            raise
        return answer["Body"].read()

    def locations(self) -> set[str]:
        """The location of every file kept."""
        if self.client is None:
            if not self.root.is_dir():
                return set()
            return {path.relative_to(self.root).as_posix() for path in self.root.rglob("*") if path.is_file()}
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        return {entry["Key"][len(self.prefix) :] for page in pages for entry in page.get("Contents", [])}

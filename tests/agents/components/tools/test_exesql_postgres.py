"""ExeSQL's read-only mode on a real PostgreSQL server (the machine's, started by the test on a
Unix socket only), through psycopg 3 with every statement prepared."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agents.components.tools.support import call_tool, node_error, run_node, tool_services

psycopg = pytest.importorskip("psycopg")
PORT = 54329


def _binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    binaries = _binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server binaries here")
    as_owner: list[str] = []
    home = Path(tempfile.mkdtemp(prefix="ragloom-pg-"))
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser")
        shutil.chown(home, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    data = home / "data"
    run = lambda *command: subprocess.run([*as_owner, *command], check=True, capture_output=True)  # noqa: E731
    run(str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    options = f"-p {PORT} -k {home} -c listen_addresses=''"
    run(str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(home / "log"), "-w", "start")
    url = f"postgresql+psycopg://postgres@/postgres?host={home}&port={PORT}"
    with psycopg.connect(f"host={home} port={PORT} user=postgres dbname=postgres", autocommit=True) as connection:
        connection.execute("CREATE TABLE orders (product text, amount numeric)")
        connection.execute("INSERT INTO orders VALUES ('bamboo', 12.5), ('apples', 3)")
    try:
        yield url
    finally:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(home, ignore_errors=True)


def count(postgres: str) -> int:
    host = postgres.split("host=")[1].split("&")[0]
    with psycopg.connect(f"host={host} port={PORT} user=postgres dbname=postgres") as connection:
        row = connection.execute("SELECT count(*) FROM orders").fetchone()
    assert row is not None
    return int(row[0])


def test_rows_come_back_and_writes_are_refused(postgres: str) -> None:
    sql = (
        "SELECT product, amount FROM orders WHERE product LIKE 'bam%'; DELETE FROM orders; "
        "SET TRANSACTION READ WRITE; COMMIT; SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE; "
        "DELETE FROM orders"
    )
    with tool_services(databases=[{"name": "sales", "url": postgres}]) as services:
        outputs, _ = call_tool("ExeSQL", {"sql": sql}, services)
    rows, deleted, switched, _, _, deleted_again = outputs["json"]
    assert rows == [{"product": "bamboo", "amount": 12.5}]
    assert "cannot execute DELETE in a read-only transaction" in deleted["content"]
    assert "must be set before any query" in switched["content"]
    assert "cannot execute DELETE in a read-only transaction" in deleted_again["content"]
    assert count(postgres) == 2


def test_several_commands_hidden_in_one_statement_are_refused_by_the_protocol(postgres: str) -> None:
    # ragloom's splitter reads the first ' as opening a text up to the last one: one statement to it,
    # five commands to PostgreSQL, which refuses them as one prepared statement
    hidden = (
        "SELECT $$'$$; COMMIT; SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE; COMMIT; "
        "DELETE FROM orders; SELECT ''"
    )
    with tool_services(databases=[{"name": "sales", "url": postgres}]) as services:
        outputs, _ = call_tool("ExeSQL", {"sql": hidden}, services)
    assert "cannot insert multiple commands into a prepared statement" in outputs["formalized_content"]
    assert count(postgres) == 2


def test_a_long_statement_is_stopped_by_the_time_limit(postgres: str) -> None:
    with tool_services(databases=[{"name": "sales", "url": postgres, "timeout_seconds": 1}]) as services:
        events, _ = run_node("ExeSQL", "{Tool:1@formalized_content}", services, sql="SELECT pg_sleep(10)")
    assert "did not finish within 1 seconds" in node_error(events)


def test_a_driver_that_can_send_several_statements_is_refused_as_read_only() -> None:
    url = "postgresql+psycopg2://reader@db.example/sales"
    with tool_services(databases=[{"name": "sales", "url": url}]) as services:
        events, _ = run_node("ExeSQL", "{Tool:1@formalized_content}", services, sql="SELECT 1")
    assert "cannot keep the database 'sales' (postgresql+psycopg2) read-only" in node_error(events)

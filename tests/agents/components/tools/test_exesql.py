"""ExeSQL against a real SQLite database file, named by the operator's settings."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.agents.components.tools.support import call_tool, node_error, run_node, tool_services
from tests.agents.scripted import answer


@pytest.fixture
def sales(tmp_path: Path) -> Path:
    path = tmp_path / "sales.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, product TEXT, amount REAL)")
        connection.executemany(
            "INSERT INTO orders (product, amount) VALUES (?, ?)",
            [("bamboo", 12.5), ("apples", 3.0), ("bamboo", 7.5), ("pears; ripe", 1.25)],
        )
    connection.close()
    return path


def database(path: Path, **extra: object) -> dict[str, object]:
    return {"name": "sales", "url": f"sqlite:///{path}", **extra}


def test_a_node_runs_its_sql_and_answers_a_markdown_table_and_json(sales: Path) -> None:
    sql = "SELECT product, SUM(amount) AS total FROM orders WHERE product = '{sys.query}' GROUP BY product"
    with tool_services(databases=[database(sales)]) as services:
        events, state = run_node(
            "ExeSQL", "{Tool:1@formalized_content}", services, query="bamboo", sql=sql, database="sales"
        )
    assert answer(events) == "| product | total |\n|---|---|\n| bamboo | 20.0 |"
    assert state.outputs["Tool:1"]["json"] == [[{"product": "bamboo", "total": 20.0}]]


def test_several_statements_each_answer_and_a_failing_one_does_not_stop_the_rest(sales: Path) -> None:
    sql = (
        "```sql\nSELECT COUNT(*) AS n FROM orders; SELECT nope FROM orders;\n"
        "SELECT product FROM orders WHERE product = 'pears; ripe' [ID:3]\n```"
    )
    with tool_services(databases=[database(sales)]) as services:
        outputs, _ = call_tool("ExeSQL", {"sql": sql}, services, database="sales")
    first, second, third = outputs["json"]
    assert first == [{"n": 4}]
    assert second["content"].startswith("SQL Execution Failed: SELECT nope FROM orders\nno such column: nope")
    assert third == [{"product": "pears; ripe"}]


def test_a_write_on_a_read_only_database_is_refused_by_the_connection(sales: Path) -> None:
    with tool_services(databases=[database(sales)]) as services:
        outputs, _ = call_tool(
            "ExeSQL", {"sql": "DELETE FROM orders; PRAGMA query_only = OFF; UPDATE orders SET amount = 0"}, services
        )
    deleted, _, updated = outputs["json"]
    assert "attempt to write a readonly database (the database 'sales' is read-only)" in deleted["content"]
    assert "readonly" in updated["content"]
    with sqlite3.connect(sales) as connection:
        assert connection.execute("SELECT COUNT(*), SUM(amount) FROM orders").fetchone() == (4, 24.25)
    connection.close()


def test_no_other_database_file_can_be_attached(sales: Path, tmp_path: Path) -> None:
    target = tmp_path / "created.db"
    with tool_services(databases=[database(sales, read_only=False)]) as services:
        outputs, _ = call_tool("ExeSQL", {"sql": f"ATTACH DATABASE '{target}' AS other"}, services)
    assert "SQL Execution Failed" in outputs["json"][0]["content"]
    assert not target.exists()


def test_a_database_configured_read_write_takes_writes(sales: Path) -> None:
    with tool_services(databases=[database(sales, read_only=False)]) as services:
        call_tool("ExeSQL", {"sql": "DELETE FROM orders WHERE product = 'apples'"}, services)
    with sqlite3.connect(sales) as connection:
        assert connection.execute("SELECT COUNT(*) FROM orders").fetchone() == (3,)
    connection.close()


def test_rows_are_limited_by_max_records_and_the_database_s_limit(sales: Path) -> None:
    with tool_services(databases=[database(sales, max_records=3)]) as services:
        few, _ = call_tool("ExeSQL", {"sql": "SELECT id FROM orders ORDER BY id"}, services, max_records=2)
        capped, _ = call_tool("ExeSQL", {"sql": "SELECT id FROM orders ORDER BY id"}, services, max_records=100)
    assert few["json"] == [[{"id": 1}, {"id": 2}]]
    assert "(only the first 2 rows)" in few["formalized_content"]
    assert len(capped["json"][0]) == 3


def test_a_statement_past_the_time_limit_fails_the_node(sales: Path) -> None:
    endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n"
    with tool_services(databases=[database(sales, timeout_seconds=0.5)]) as services:
        events, _ = run_node("ExeSQL", "{Tool:1@formalized_content}", services, sql=endless)
    assert "did not finish within 0.5 seconds" in node_error(events)


def test_an_unconfigured_database_is_refused_naming_the_setting(sales: Path) -> None:
    with tool_services() as services:
        events, _ = run_node(
            "ExeSQL", "{Tool:1@formalized_content}", services, sql="SELECT 1", database="crm", host="10.0.0.5"
        )
    assert "no database named 'crm' is configured" in node_error(events)
    assert "[[agents.databases]]" in node_error(events)
    with tool_services(databases=[database(sales)]) as services:
        events, _ = run_node("ExeSQL", "{Tool:1@formalized_content}", services, sql="SELECT 1", database="crm")
    assert "(this tenant may use: sales)" in node_error(events)


def test_a_database_reserved_for_other_tenants_is_refused(sales: Path) -> None:
    with tool_services(tenant_id="tenant-2", databases=[database(sales, tenants=["tenant-1"])]) as services:
        events, _ = run_node("ExeSQL", "{Tool:1@formalized_content}", services, sql="SELECT 1", database="sales")
    assert "no database named 'sales' is configured for this tenant" in node_error(events)


def test_empty_sql_is_refused(sales: Path) -> None:
    with tool_services(databases=[database(sales)]) as services:
        events, _ = run_node("ExeSQL", "{Tool:1@formalized_content}", services, sql="  ;  ")
    assert "SQL for `ExeSQL` MUST not be empty." in node_error(events)

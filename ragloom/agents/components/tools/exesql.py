"""ExeSQL: SQL run against a database the operator configured — a canvas node, or a function an
Agent's model calls with ``sql``.

The DSL's ``database`` names one of the operator's ``[[agents.databases]]`` (with none named, the
only one the tenant may use); RAGFlow's ``db_type``, ``host``, ``port``, ``username`` and
``password`` are never used to connect — where a database is and how to log in is the
operator's — so a DSL naming a database that is not configured is refused with a message naming
the setting. ``sql`` (``{sys.query}`` by default, references rendered) may hold several
statements separated by ``;`` (code fences and ``[ID:n]`` citations are taken out, as RAGFlow
does); each runs in turn, read-only unless the operator configured the database otherwise, and a
failing one is reported in the output while the next still runs. At most ``max_records`` rows
per statement (and at most the database's own ``max_records``).

Outputs, as RAGFlow's: ``json`` (per statement, its rows as objects, or ``{"content": …}``
saying there were none or why it failed) and ``formalized_content`` (per statement a markdown
table or that message).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from ragloom.agents.components.base import Component, ComponentParams, Invocation, ToolSpec
from ragloom.agents.components.tools.arguments import Argument, Function, given, retried, text_of
from ragloom.agents.toolbox import SqlQuery, StatementResult
from ragloom.errors import ArgumentError

NO_RECORD = "No record in the database!"
FUNCTION = Function(
    "execute_sql",
    "Run SQL against the database and get the rows back.",
    [Argument("sql", "string", "The SQL to run; several statements are separated by `;`.", True)],
)
_FENCE = re.compile(r"```[a-zA-Z]*")
_CITATION = re.compile(r"\[ID:[0-9]+\]")


class ExeSQLParams(ComponentParams):
    sql: str = "{sys.query}"
    database: str = ""
    db_type: str = "mysql"
    host: str = ""
    port: int = 3306
    username: str = ""
    password: str = ""
    max_records: int = Field(default=1024, ge=1)
    max_retries: int = Field(default=0, ge=0, le=10)
    delay_after_error: float = Field(default=2.0, ge=0, le=60)


class ExeSQL(Component):
    """Runs SQL; see the module docstring."""

    name = "ExeSQL"
    Params = ExeSQLParams

    def _params(self) -> ExeSQLParams:
        assert isinstance(self.params, ExeSQLParams)
        return self.params

    def invoke(self, run: Invocation) -> dict[str, Any]:
        return self.execute(run, text_of(run, self._params().sql))

    def tool_spec(self) -> ToolSpec:
        return FUNCTION.spec(self.params.description)

    def invoke_tool(self, run: Invocation, arguments: dict[str, Any]) -> dict[str, Any]:
        sql = given(arguments, "sql", None)
        return self.execute(run, str(sql) if sql is not None else text_of(run, self._params().sql))

    def execute(self, run: Invocation, sql: str) -> dict[str, Any]:
        params = self._params()
        statements = split_statements(sql)
        if not statements:
            raise ArgumentError("SQL for `ExeSQL` MUST not be empty.")
        query = SqlQuery(params.database, statements, params.max_records)
        results = retried(lambda: run.services.toolbox.run_sql(query), params.max_retries, params.delay_after_error)
        return {
            "json": [_records(result) for result in results],
            "formalized_content": "\n\n".join(_shown(result) for result in results),
        }


def split_statements(sql: str) -> list[str]:
    """The statements of ``sql``: fences and citations out, split at each ``;`` outside quotes and comments."""
    text = _CITATION.sub("", _FENCE.sub("", sql))
    statements: list[str] = []
    current: list[str] = []
    quote = ""
    position = 0
    while position < len(text):
        character = text[position]
        pair = text[position : position + 2]
        if quote:
            current.append(character)
            if character == quote:
                quote = ""
        elif character in "'\"`":
            quote = character
            current.append(character)
        elif pair == "--":
            end = text.find("\n", position)
            position = len(text) if end < 0 else end
            continue
        elif pair == "/*":
            end = text.find("*/", position + 2)
            position = len(text) if end < 0 else end + 2
            continue
        elif character == ";":
            statements.append("".join(current))
            current = []
        else:
            current.append(character)
        position += 1
    statements.append("".join(current))
    return [statement.strip() for statement in statements if statement.strip()]


def _records(result: StatementResult) -> Any:
    if result.error:
        return {"content": _failure(result)}
    if not result.columns or not result.rows:
        return {"content": NO_RECORD}
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def _shown(result: StatementResult) -> str:
    if result.error:
        return _failure(result)
    if not result.columns or not result.rows:
        return NO_RECORD
    lines = [
        "| " + " | ".join(_cell(column) for column in result.columns) + " |",
        "|" + "|".join("---" for _ in result.columns) + "|",
    ]
    lines.extend("| " + " | ".join(_cell(value) for value in row) + " |" for row in result.rows)
    if result.truncated:
        lines.append(f"\n(only the first {len(result.rows)} rows)")
    return "\n".join(lines)


def _failure(result: StatementResult) -> str:
    return f"SQL Execution Failed: {result.statement}\n{result.error}"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value).replace("|", "\\|").replace("\r", " ").replace("\n", " ")

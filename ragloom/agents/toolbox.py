"""What tool components reach outside ragloom through: HTTP, web services, databases, a sandbox.

The operator decides what is reachable (the ``[agents]`` settings); a DSL only chooses among
it. Each method refuses what the operator has not configured with a
:class:`~ragloom.errors.ConfigError` whose message names the setting to change, and reports a
failure of the outside party as a :class:`~ragloom.errors.ProviderError` that carries nothing
that party sent beyond what the tool's output is meant to hold.

The service layer implements :class:`Toolbox` for one tenant
(:mod:`ragloom.services.agent_toolbox`); components reach it as ``run.services.toolbox``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

HttpMethod = Literal["get", "post", "put"]
WebService = Literal["searxng", "tavily", "tavily_extract", "duckduckgo", "wikipedia", "arxiv", "pubmed"]
CodeLanguage = Literal["python", "javascript"]


@dataclass(frozen=True)
class HttpRequest:
    """A call to a URL a DSL chose (Invoke)."""

    method: HttpMethod
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] | None = None
    """Query parameters (GET)."""
    json: Any = None
    """A JSON body (POST/PUT with ``datatype`` json)."""
    form: Mapping[str, Any] | None = None
    """A form body (POST/PUT with ``datatype`` formdata)."""
    timeout_seconds: float = 60.0
    proxy: str = ""


@dataclass(frozen=True)
class HttpResponse:
    """What a successful call answered: its status, content type and body (at most the size limit)."""

    status: int
    content_type: str
    body: bytes

    def text(self) -> str:
        """The body decoded by its declared charset (UTF-8 otherwise), undecodable bytes replaced."""
        charset = "utf-8"
        for part in self.content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip('"')
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class WebSearch:
    """One search of a web service; ``options`` holds the service's own DSL parameters
    (``language``, ``sort_by``, ``topic``, ``include_domains``, TavilyExtract's ``urls`` …)."""

    service: WebService
    query: str
    top_n: int = 10
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WebResult:
    """One result: what a reference shows (title, URL, text, score) and the service's own record."""

    title: str
    url: str
    content: str
    score: float | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SqlQuery:
    """Statements to run, in order, against the configured database ``database``."""

    database: str
    statements: list[str]
    max_records: int = 1024


@dataclass(frozen=True)
class StatementResult:
    """One statement's rows (at most ``max_records``; ``truncated`` when there were more) or its
    failure (``error``: the database's reason, as RAGFlow shows it to the model)."""

    statement: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    truncated: bool = False
    error: str = ""


@dataclass(frozen=True)
class CodeRun:
    """Code whose ``main(**arguments)`` is called in the sandbox."""

    language: CodeLanguage
    code: str
    arguments: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CodeResult:
    """What a run gave: ``main``'s return value (JSON), or ``error``; stdout and stderr as captured
    (each cut to the size limit, ``…`` marking a cut)."""

    value: Any = None
    error: str = ""
    stdout: str = ""
    stderr: str = ""


class Toolbox(Protocol):
    """The outside world as the operator lets one tenant's agents reach it."""

    def fetch(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` to an address the policy allows (``agents.invoke_allow_private_urls``,
        ``agents.invoke_allowed_networks``; every connection vetted after DNS), within
        ``agents.invoke_timeout_seconds`` and reading at most ``agents.invoke_max_response_size``
        bytes. A refused address, a failed connection, a timeout, a non-2xx status or a larger body
        is a :class:`~ragloom.errors.ProviderError` naming the URL and the reason, never the body."""
        ...

    def search_web(self, search: WebSearch) -> list[WebResult]:
        """Results of the operator's configured ``search.service`` (``agents.search.*``), best first,
        at most ``top_n``; an unconfigured service is a :class:`~ragloom.errors.ConfigError`
        naming its setting."""
        ...

    def run_sql(self, query: SqlQuery) -> list[StatementResult]:
        """Run the statements on the configured database ``query.database`` (``[[agents.databases]]``)
        in a read-only transaction unless it is configured ``read_only = false``; a failing
        statement is reported in its result and the next one still runs. An unknown database, or one
        this tenant may not use, is a :class:`~ragloom.errors.ConfigError` naming the setting."""
        ...

    def run_code(self, run: CodeRun) -> CodeResult:
        """Run ``run`` in a sandbox process (``agents.sandbox``); refused with a
        :class:`~ragloom.errors.ConfigError` unless the operator enabled it."""
        ...

"""Requests of ``/mcp/servers`` (RAGFlow v0.26's ``mcp_api.py``): loose bodies and query strings,
checked in RAGFlow's order and words. A key a route requires but the body lacks is its 101
``required argument are missing: …; ``; a value of the wrong kind its 102 naming the field."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from ragloom.api.params import flag, query_int
from ragloom.api.schemas.loose import CheckedBody, LooseModel, QueryModel, RequestContext, Sent, SortedPageQuery
from ragloom.errors import ArgumentError, DataError
from ragloom.services.mcp_servers import DISCOVERY_TIMEOUT, McpListing, McpServerDraft

MAX_PAGE_SIZE = 100
MAX_TIMEOUT = 60.0


def refuse_missing(body: dict[str, Any], keys: tuple[str, ...]) -> None:
    """RAGFlow's refusal of a body without ``keys``, naming each one missing."""
    missing = [key for key in keys if key not in body]
    if missing:
        raise ArgumentError(f"required argument are missing: {','.join(missing)}; ")


def discovery_timeout(body: dict[str, Any]) -> float:
    """Seconds to wait for a server's tools: ``timeout`` when a positive number (at most 60), else 10."""
    try:
        value = float(body.get("timeout", DISCOVERY_TIMEOUT))
    except (TypeError, ValueError):
        return DISCOVERY_TIMEOUT
    return min(value, MAX_TIMEOUT) if math.isfinite(value) and value > 0 else DISCOVERY_TIMEOUT


def _object(body: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            return {}
        try:
            value = json.loads(value)
        except ValueError:
            raise DataError(f"`{key}` must be a JSON object.") from None
    if not isinstance(value, dict):
        raise DataError(f"`{key}` must be a JSON object.")
    return value


def server_draft(body: dict[str, Any]) -> McpServerDraft:
    """The request's fields; ``headers`` and ``variables`` may be objects or JSON text (RAGFlow's web
    client sends text), anything else in them is refused."""
    name, url, server_type, description = (body.get(key) for key in ("name", "url", "server_type", "description"))
    if name is not None and not isinstance(name, str):
        raise DataError("Invalid MCP name or length is 0 which is large than 255.")
    if url is not None and not isinstance(url, str):
        raise DataError("Invalid url.")
    if server_type is not None and not isinstance(server_type, str):
        raise DataError("Unsupported MCP server type.")
    headers = _object(body, "headers")
    if headers is not None and not all(isinstance(value, str) for value in headers.values()):
        raise DataError("MCP headers must be a string-to-string object.")
    return McpServerDraft(
        name=name,
        url=url,
        server_type=server_type,
        description=str(description) if description is not None else None,
        headers=headers,
        variables=_object(body, "variables"),
        timeout=discovery_timeout(body),
    )


class McpServerFields(LooseModel):
    """What a request may say about an MCP server."""

    name: Sent[str] = Field(None, description="At most 255 bytes; unique per tenant.")
    url: Sent[str] = Field(None, description="http(s), reachable under the tenant address guard.")
    server_type: Sent[Literal["sse", "streamable-http"]] = None
    description: Sent[str] = None
    headers: Sent[dict[str, str] | str] = Field(
        None, description="Sent on every call (an object, or its JSON text); `${name}` is filled from `variables`."
    )
    variables: Sent[dict[str, Any] | str] = Field(
        None, description="Values for the headers' `${name}` placeholders (an object, or its JSON text)."
    )
    timeout: Sent[float] = Field(
        None, description=f"Seconds to wait for the tools (default 10, at most {MAX_TIMEOUT:g})."
    )


class McpServerBody(McpServerFields, CheckedBody[McpServerDraft]):
    """``PUT /mcp/servers/{id}``: only what is sent changes; the server's tools are listed again."""

    def check(self, body: dict[str, Any], _context: RequestContext) -> McpServerDraft:
        refuse_missing(body, self.required_keys)
        return server_draft(body)


class NewMcpServerBody(McpServerBody):
    """``POST /mcp/servers``: a server to register (its tools are listed and kept)."""

    required_keys = ("name", "url", "server_type")


class TriedMcpServerBody(McpServerBody):
    """``POST /mcp/servers/{id}/test``: a server whose tools to list, nothing saved."""

    required_keys = ("url", "server_type")


@dataclass(frozen=True)
class McpImport:
    """Servers of an ``mcpServers`` export, by name, and how long to wait for each one's tools."""

    servers: dict[str, Any]
    timeout: float


class ImportMcpServersBody(CheckedBody[McpImport]):
    """``POST /mcp/servers/import``: an ``{"mcpServers": {name: {url, type, headers, …}}}`` export."""

    required_keys = ("mcpServers",)

    servers: Sent[dict[str, dict[str, Any]]] = Field(None, alias="mcpServers", json_schema_extra={"minProperties": 1})
    timeout: Sent[float] = None

    def check(self, body: dict[str, Any], _context: RequestContext) -> McpImport:
        refuse_missing(body, self.required_keys)
        servers = body.get("mcpServers")
        if not servers or not isinstance(servers, dict):
            raise DataError("No MCP servers provided.")
        return McpImport(servers, discovery_timeout(body))


class ListMcpServersQuery(SortedPageQuery):
    """``GET /mcp/servers``: a page of the caller's servers (all when ``page`` or ``page_size`` is 0)."""

    mcp_ids: Sent[list[str]] = Field(None, description="Only these (comma-separated and/or repeated).")
    mcp_id: Sent[str] = Field(None, description="Only these (comma-separated), when `mcp_ids` is not sent.")
    keywords: Sent[str] = Field(None, description="In the name, ignoring case.")

    def listing(self) -> McpListing:
        params = self.given()
        ids = [item for value in params.get("mcp_ids") or () for item in str(value).split(",") if item]
        if not ids:
            ids = [item for item in str(params.get("mcp_id") or "").split(",") if item]
        page_size = query_int(params, "page_size", 0)
        if page_size > MAX_PAGE_SIZE:
            raise ArgumentError(f"page_size must be less than or equal to {MAX_PAGE_SIZE}")
        return McpListing(
            ids=list(dict.fromkeys(ids)),
            keywords=params.get("keywords") or "",
            page=max(query_int(params, "page", 0), 0),
            page_size=max(page_size, 0),
            orderby=self.orderby_or("create_time"),
            desc=flag(params.get("desc"), default=True),
        )


class McpServerQuery(QueryModel):
    """``GET /mcp/servers/{id}``: ``mode=download`` answers the server as an ``mcpServers`` export."""

    mode: Sent[Literal["download"]] = None

    def download(self) -> bool:
        return self.given().get("mode") == "download"

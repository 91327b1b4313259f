"""MCP servers a tenant registers for its agents (``/mcp/servers``), and calling their tools.

Saving a server checks its URL against the tenant address guard (what the URL shows: scheme,
credentials, a literal refused address; names are judged when connecting) and then connects to
it and lists its tools, which are kept in ``variables.tools`` — a server that cannot be reached
or refuses is not saved. ``headers`` may name ``${variable}`` placeholders filled from
``variables`` when connecting (an authorization token kept apart from the header that sends it).
Every server belongs to one tenant: another tenant's id is answered as one that does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from string import Template
from typing import Any

from ragloom.clock import http_date, now_ms
from ragloom.errors import DataError, ProviderError
from ragloom.ids import new_id
from ragloom.providers.address_guard import AddressPolicy
from ragloom.providers.mcp import SERVER_TYPES, McpClient, McpEndpoint
from ragloom.providers.mcp.headers import WHAT
from ragloom.services.tenants import Caller
from ragloom.storage.metadata import MetadataStore
from ragloom.storage.metadata.tables import McpServer

MAX_NAME_BYTES = 255
DISCOVERY_TIMEOUT = 10.0
TOOL_CALL_TIMEOUT = 60.0
UNSUPPORTED_TYPE = "Unsupported MCP server type."
_EMPTY_SCHEMES = frozenset({"", "bearer", "basic", "token"})


def not_found(server_id: str, caller: Caller) -> DataError:
    return DataError(f"Cannot find MCP server {server_id} for user {caller.tenant_id}")


@dataclass(frozen=True)
class McpServerDraft:
    """A server as a request describes it (``None``: keep what is stored)."""

    name: str | None = None
    url: str | None = None
    server_type: str | None = None
    description: str | None = None
    headers: dict[str, str] | None = None
    variables: dict[str, Any] | None = None
    timeout: float = DISCOVERY_TIMEOUT


@dataclass(frozen=True)
class McpListing:
    ids: list[str] = field(default_factory=list)
    keywords: str = ""
    page: int = 0
    page_size: int = 0
    orderby: str = "create_time"
    desc: bool = True


def server_public(row: McpServer) -> dict[str, Any]:
    """A server as the routes show it (RAGFlow's ``MCPServer.to_dict()``)."""
    return {
        "id": row.id,
        "name": row.name,
        "tenant_id": row.tenant_id,
        "url": row.url,
        "server_type": row.server_type,
        "description": row.description,
        "variables": row.variables,
        "headers": row.headers,
        "create_time": row.create_time,
        "create_date": http_date(row.create_time),
        "update_time": row.update_time,
        "update_date": http_date(row.update_time),
    }


def filled_headers(headers: Mapping[str, Any], variables: Mapping[str, Any]) -> dict[str, str]:
    """``headers`` with ``${name}`` filled from ``variables``; a header left empty (or holding only an
    auth scheme, or a placeholder without a value) is not sent."""
    values = {key: str(value) for key, value in variables.items() if key != "tools"}
    sent: dict[str, str] = {}
    for key, value in headers.items():
        name = Template(str(key)).safe_substitute(values).strip()
        text = Template(str(value)).safe_substitute(values).strip()
        if name and "${" not in text and text.lower() not in _EMPTY_SCHEMES:
            sent[name] = text
    return sent


class McpServerService:
    """Registers tenants' MCP servers and calls their tools; see the module docstring."""

    def __init__(self, store: MetadataStore, client: McpClient, guard: AddressPolicy) -> None:
        self._store = store
        self._client = client
        self._guard = guard

    # ---- reading ------------------------------------------------------------------------------

    def page(self, caller: Caller, listing: McpListing) -> tuple[list[dict[str, Any]], int]:
        with self._store.reading() as tx:
            rows = tx.mcp_servers.page(
                caller.tenant_id,
                ids=listing.ids,
                keywords=listing.keywords,
                orderby=listing.orderby,
                desc=listing.desc,
            )
        servers = [server_public(row) for row in rows]
        if listing.page > 0 and listing.page_size > 0:
            start = (listing.page - 1) * listing.page_size
            return servers[start : start + listing.page_size], len(servers)
        return servers, len(servers)

    def get(self, caller: Caller, server_id: str) -> dict[str, Any]:
        return server_public(self._owned(caller, server_id))

    def export(self, caller: Caller, server_id: str) -> dict[str, Any]:
        """``{"mcpServers": {name: config}}``, the form :meth:`import_servers` reads back."""
        row = self._owned(caller, server_id)
        variables = dict(row.variables)
        config = {
            **variables,
            "type": row.server_type,
            "url": row.url,
            "name": variables.get("name", row.name),
            "authorization_token": variables.get("authorization_token", ""),
            "headers": row.headers or {},
            "tools": variables.get("tools", {}),
        }
        return {"mcpServers": {row.name: config}}

    def _owned(self, caller: Caller, server_id: str) -> McpServer:
        with self._store.reading() as tx:
            row = tx.mcp_servers.get(caller.tenant_id, server_id)
        if row is None:
            raise not_found(server_id, caller)
        return row

    # ---- writing ------------------------------------------------------------------------------

    def create(self, caller: Caller, draft: McpServerDraft) -> dict[str, Any]:
        name, url, server_type = self._checked(caller, draft, None)
        headers = dict(draft.headers or {})
        variables = {key: value for key, value in (draft.variables or {}).items() if key != "tools"}
        variables["tools"] = self._discover(name, url, server_type, headers, variables, draft.timeout)
        now = now_ms()
        row = McpServer(
            id=new_id(),
            tenant_id=caller.tenant_id,
            name=name,
            url=url,
            server_type=server_type,
            description=draft.description or "",
            variables=variables,
            headers=headers,
            create_time=now,
            update_time=now,
        )
        with self._store.writing() as tx:
            tx.mcp_servers.save(row)
        return server_public(row)

    def update(self, caller: Caller, server_id: str, draft: McpServerDraft) -> dict[str, Any]:
        current = self._owned(caller, server_id)
        name, url, server_type = self._checked(caller, draft, current)
        headers = dict(draft.headers if draft.headers is not None else current.headers)
        given = draft.variables if draft.variables is not None else current.variables
        variables = {key: value for key, value in given.items() if key != "tools"}
        variables["tools"] = self._discover(name, url, server_type, headers, variables, draft.timeout)
        with self._store.writing() as tx:
            row = tx.mcp_servers.get(caller.tenant_id, server_id)
            if row is None:
                raise not_found(server_id, caller)
            row.name, row.url, row.server_type = name, url, server_type
            if draft.description is not None:
                row.description = draft.description
            row.headers, row.variables, row.update_time = headers, variables, now_ms()
            tx.mcp_servers.save(row)
            return server_public(row)

    def delete(self, caller: Caller, server_id: str) -> None:
        with self._store.writing() as tx:
            row = tx.mcp_servers.get(caller.tenant_id, server_id)
            if row is None:
                raise not_found(server_id, caller)
            tx.mcp_servers.delete(row)

    def import_servers(self, caller: Caller, servers: Mapping[str, Any], timeout: float) -> list[dict[str, Any]]:
        """Create each server of an ``{"mcpServers": {name: config}}`` export; a name in use gets a
        ``_<n>`` suffix. One result per server, failures included."""
        results: list[dict[str, Any]] = []
        for base_name, config in servers.items():
            try:
                draft = _imported(base_name, config, timeout)
                name = self._free_name(caller, base_name)
                created = self.create(caller, McpServerDraft(**{**draft.__dict__, "name": name}))
            except DataError as error:
                results.append({"server": base_name, "success": False, "message": error.message})
                continue
            result = {"server": base_name, "success": True, "action": "created", "id": created["id"], "new_name": name}
            if name != base_name:
                result["message"] = f"Renamed from '{base_name}' to '{name}' avoid duplication"
            results.append(result)
        return results

    def test(self, draft: McpServerDraft, server_id: str) -> list[dict[str, Any]]:
        """The tools of the server ``draft`` describes, each marked ``enabled`` (nothing is saved)."""
        url, server_type = draft.url, draft.server_type
        if not isinstance(url, str) or not url:
            raise DataError("Invalid MCP url.")
        if server_type not in SERVER_TYPES:
            raise DataError(UNSUPPORTED_TYPE)
        self._check_url(url)
        tools = self._discover(
            server_id,
            url,
            server_type,
            draft.headers or {},
            draft.variables or {},
            draft.timeout,
            prefix="Test MCP error",
        )
        return [{**tool, "enabled": True} for tool in tools.values()]

    # ---- agents -------------------------------------------------------------------------------

    def call_tool(
        self, caller: Caller, server_id: str, tool: str, arguments: dict[str, Any], headers: Mapping[str, str]
    ) -> str:
        """Call ``tool`` of the caller's server ``server_id`` (``headers``: an Agent's custom headers)."""
        row = self._owned(caller, server_id)
        sent = {**filled_headers(row.headers, row.variables), **filled_headers(headers, {})}
        endpoint = McpEndpoint(row.name, row.url, row.server_type, sent)
        return self._client.call_tool(endpoint, tool, arguments, TOOL_CALL_TIMEOUT)

    # ---- checks -------------------------------------------------------------------------------

    def _checked(self, caller: Caller, draft: McpServerDraft, current: McpServer | None) -> tuple[str, str, str]:
        server_type = draft.server_type if draft.server_type is not None else (current and current.server_type)
        if server_type not in SERVER_TYPES:
            raise DataError(UNSUPPORTED_TYPE)
        name = draft.name if draft.name is not None else (current.name if current is not None else "")
        if not name or len(name.encode()) > MAX_NAME_BYTES:
            raise DataError(f"Invalid MCP name or length is {len(name)} which is large than {MAX_NAME_BYTES}.")
        if current is None or name != current.name:
            with self._store.reading() as tx:
                if tx.mcp_servers.named(caller.tenant_id, name) is not None:
                    raise DataError("Duplicated MCP server name.")
        url = draft.url if draft.url is not None else (current.url if current is not None else "")
        if not isinstance(url, str) or not url:
            raise DataError("Invalid url.")
        self._check_url(url)
        return name, url, str(server_type)

    def _check_url(self, url: str) -> None:
        problem = self._guard.url_problem(url, WHAT)
        if problem is not None:
            raise DataError(f"Invalid url: the URL {problem}.")

    def _discover(
        self,
        name: str,
        url: str,
        server_type: str,
        headers: Mapping[str, Any],
        variables: Mapping[str, Any],
        timeout: float,
        *,
        prefix: str = "",
    ) -> dict[str, dict[str, Any]]:
        endpoint = McpEndpoint(name, url, server_type, filled_headers(headers, variables))
        try:
            tools = self._client.list_tools(endpoint, timeout)
        except ProviderError as error:  # RAGFlow answers a server it cannot list with code 102
            raise DataError(f"{prefix}: {error.message}" if prefix else error.message) from None
        return {str(tool["name"]): tool for tool in tools if isinstance(tool, dict) and tool.get("name")}

    def _free_name(self, caller: Caller, base: str) -> str:
        with self._store.reading() as tx:
            name, counter = base, 0
            while tx.mcp_servers.named(caller.tenant_id, name) is not None:
                name, counter = f"{base}_{counter}", counter + 1
        return name


def _imported(name: str, config: Any, timeout: float) -> McpServerDraft:
    """One entry of an import, checked as RAGFlow checks it."""
    if not isinstance(config, dict) or "type" not in config or "url" not in config:
        raise DataError("Missing required fields (type or url)")
    if not name or len(name.encode()) > MAX_NAME_BYTES:
        raise DataError(f"Invalid MCP name or length is {len(name)} which is large than {MAX_NAME_BYTES}.")
    if config["type"] not in SERVER_TYPES:
        raise DataError(UNSUPPORTED_TYPE)
    if not isinstance(config["url"], str) or not config["url"]:
        raise DataError("Invalid url.")
    headers = config.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise DataError("MCP headers must be a string-to-string object.")
    headers = dict(headers)
    if "authorization_token" in config:
        if not isinstance(config["authorization_token"], str):
            raise DataError("authorization_token must be a string.")
        if "headers" not in config:
            headers["authorization_token"] = config["authorization_token"]
    variables = {key: value for key, value in config.items() if key not in ("type", "url", "headers")}
    variables.setdefault("authorization_token", "")
    return McpServerDraft(
        name=name, url=config["url"], server_type=config["type"], headers=headers, variables=variables, timeout=timeout
    )

"""``/mcp/servers``: the MCP servers a tenant registers for its agents' tools (RAGFlow v0.26's
``mcp_api.py``). Every answer is the J envelope; a server of another tenant is answered as
missing (102 ``Cannot find MCP server <id> for user <tenant>``)."""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import APIRouter, Request, Response

from ragloom.api.deps import CurrentCaller, LooseBody, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.params import flag, query_int
from ragloom.api.routing import EnvelopeRoute, envelope
from ragloom.errors import ArgumentError, DataError
from ragloom.services.mcp_servers import DISCOVERY_TIMEOUT, McpListing, McpServerDraft

router = APIRouter(tags=["mcp"], route_class=EnvelopeRoute)
MAX_PAGE_SIZE = 100


@router.get("/mcp/servers", summary="List the caller's MCP servers")
@envelope(Envelope.J)
def list_servers(request: Request, caller: CurrentCaller, services: ServicesDep) -> Response:
    params = request.query_params
    ids = [item for value in params.getlist("mcp_ids") for item in value.split(",") if item]
    if not ids:
        ids = [item for item in (params.get("mcp_id") or "").split(",") if item]
    page_size = query_int(params, "page_size", 0)
    if page_size > MAX_PAGE_SIZE:
        raise ArgumentError(f"page_size must be less than or equal to {MAX_PAGE_SIZE}")
    listing = McpListing(
        ids=list(dict.fromkeys(ids)),
        keywords=params.get("keywords") or "",
        page=max(query_int(params, "page", 0), 0),
        page_size=max(page_size, 0),
        orderby=params.get("orderby") or "create_time",
        desc=flag(params.get("desc"), default=True),
    )
    servers, total = services.mcp_servers.page(caller, listing)
    return success(Envelope.J, {"mcp_servers": servers, "total": total})


@router.post("/mcp/servers", summary="Register an MCP server (its tools are listed and kept)")
@envelope(Envelope.J)
def create_server(caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    missing = [key for key in ("name", "url", "server_type") if key not in body]
    if missing:
        raise ArgumentError(f"required argument are missing: {','.join(missing)}; ")
    return success(Envelope.J, services.mcp_servers.create(caller, _draft(body)))


@router.post("/mcp/servers/import", summary="Register MCP servers from an mcpServers export")
@envelope(Envelope.J)
def import_servers(caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    if "mcpServers" not in body:
        raise ArgumentError("required argument are missing: mcpServers; ")
    servers = body.get("mcpServers")
    if not servers or not isinstance(servers, dict):
        raise DataError("No MCP servers provided.")
    results = services.mcp_servers.import_servers(caller, servers, _timeout(body))
    return success(Envelope.J, {"results": results})


@router.get("/mcp/servers/{mcp_id}", summary="One MCP server (mode=download: as an mcpServers export)")
@envelope(Envelope.J)
def get_server(mcp_id: str, request: Request, caller: CurrentCaller, services: ServicesDep) -> Response:
    if request.query_params.get("mode") == "download":
        return success(Envelope.J, services.mcp_servers.export(caller, mcp_id))
    return success(Envelope.J, services.mcp_servers.get(caller, mcp_id))


@router.put("/mcp/servers/{mcp_id}", summary="Change an MCP server (its tools are listed again)")
@envelope(Envelope.J)
def update_server(mcp_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    return success(Envelope.J, services.mcp_servers.update(caller, mcp_id, _draft(body)))


@router.delete("/mcp/servers/{mcp_id}", summary="Remove an MCP server")
@envelope(Envelope.J)
def delete_server(mcp_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    services.mcp_servers.delete(caller, mcp_id)
    return success(Envelope.J, True)


@router.post("/mcp/servers/{mcp_id}/test", summary="List the tools of an MCP server without saving it")
@envelope(Envelope.J)
def try_server(mcp_id: str, _caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    missing = [key for key in ("url", "server_type") if key not in body]
    if missing:
        raise ArgumentError(f"required argument are missing: {','.join(missing)}; ")
    return success(Envelope.J, services.mcp_servers.test(_draft(body), mcp_id))


def _draft(body: dict[str, Any]) -> McpServerDraft:
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
        timeout=_timeout(body),
    )


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


def _timeout(body: dict[str, Any]) -> float:
    try:
        value = float(body.get("timeout", DISCOVERY_TIMEOUT))
    except (TypeError, ValueError):
        return DISCOVERY_TIMEOUT
    return min(value, 60.0) if math.isfinite(value) and value > 0 else DISCOVERY_TIMEOUT

"""``/mcp/servers``: the MCP servers a tenant registers for its agents' tools (RAGFlow v0.26's
``mcp_api.py``). Every answer is the J envelope; a server of another tenant is answered as
missing (102 ``Cannot find MCP server <id> for user <tenant>``). The requests:
:mod:`ragloom.api.schemas.mcp_servers`."""

from __future__ import annotations

from fastapi import Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import LooseBody, NoBody, Query
from ragloom.api.routing import api_router, envelope
from ragloom.api.schemas.mcp_servers import (
    ImportMcpServersBody,
    ListMcpServersQuery,
    McpServerBody,
    McpServerQuery,
    NewMcpServerBody,
    TriedMcpServerBody,
)

router = api_router(tags=["mcp"])


@router.get("/mcp/servers", summary="List the caller's MCP servers")
@envelope(Envelope.J)
def list_servers(caller: CurrentCaller, services: ServicesDep, query: Query[ListMcpServersQuery]) -> Response:
    servers, total = services.mcp_servers.page(caller, query.listing())
    return success(Envelope.J, {"mcp_servers": servers, "total": total})


@router.post("/mcp/servers", summary="Register an MCP server (its tools are listed and kept)")
@envelope(Envelope.J)
def create_server(caller: CurrentCaller, services: ServicesDep, body: LooseBody[NewMcpServerBody]) -> Response:
    return success(Envelope.J, services.mcp_servers.create(caller, body.checked))


@router.post("/mcp/servers/import", summary="Register MCP servers from an mcpServers export")
@envelope(Envelope.J)
def import_servers(caller: CurrentCaller, services: ServicesDep, body: LooseBody[ImportMcpServersBody]) -> Response:
    imported = body.checked
    results = services.mcp_servers.import_servers(caller, imported.servers, imported.timeout)
    return success(Envelope.J, {"results": results})


@router.get("/mcp/servers/{mcp_id}", summary="One MCP server (mode=download: as an mcpServers export)")
@envelope(Envelope.J)
def get_server(mcp_id: str, caller: CurrentCaller, services: ServicesDep, query: Query[McpServerQuery]) -> Response:
    if query.download():
        return success(Envelope.J, services.mcp_servers.export(caller, mcp_id))
    return success(Envelope.J, services.mcp_servers.get(caller, mcp_id))


@router.put("/mcp/servers/{mcp_id}", summary="Change an MCP server (its tools are listed again)")
@envelope(Envelope.J)
def update_server(
    mcp_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[McpServerBody]
) -> Response:
    return success(Envelope.J, services.mcp_servers.update(caller, mcp_id, body.checked))


@router.delete("/mcp/servers/{mcp_id}", summary="Remove an MCP server")
@envelope(Envelope.J, data=bool)
def delete_server(mcp_id: str, caller: CurrentCaller, services: ServicesDep, _: NoBody) -> Response:
    services.mcp_servers.delete(caller, mcp_id)
    return success(Envelope.J, True)


@router.post("/mcp/servers/{mcp_id}/test", summary="List the tools of an MCP server without saving it")
@envelope(Envelope.J)
def try_server(
    mcp_id: str, _caller: CurrentCaller, services: ServicesDep, body: LooseBody[TriedMcpServerBody]
) -> Response:
    return success(Envelope.J, services.mcp_servers.test(body.checked, mcp_id))

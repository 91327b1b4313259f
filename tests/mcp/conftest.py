"""The e2e suite's live ``ragloom serve`` (and its two tenants' keys), for the transport tests that
drive a server process: streamable HTTP (``test_http``) and ``ragloom mcp`` on its data (``test_stdio``).
Tests using it carry the ``e2e`` mark themselves (the e2e directory's hook marks only its own)."""

from tests.e2e.conftest import live_server, server_env, watch_live_server

__all__ = ["live_server", "server_env", "watch_live_server"]

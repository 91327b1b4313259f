"""What is known of a tenant's MCP server before connecting to it: whether its headers can be
sent, and the name its connections are vetted under. Kept apart from
:mod:`ragloom.providers.mcp.transport`, so checking a server does not import its HTTP library."""

from __future__ import annotations

WHAT = "tenant-configured MCP servers"
TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
"""What an HTTP field name is made of (RFC 9110 §5.1, ``tchar``)."""


def header_problem(headers: dict[str, str]) -> str | None:
    """Why ``headers`` cannot be sent over HTTP (a name that is not a token, a value with other
    than printable ASCII, space and tab), or ``None``: a tenant's headers are checked before any
    connection, since the HTTP library would fail on them with an encoding error."""
    for name, value in headers.items():
        if not name or not set(name) <= TOKEN:
            return f"the header name {name!r} is not an HTTP field name (letters, digits and !#$%&'*+-.^_`|~)"
        if not all(character == "\t" or " " <= character <= "~" for character in value):
            return f"the value of header {name!r} holds characters other than printable ASCII"
    return None

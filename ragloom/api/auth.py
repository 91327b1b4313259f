"""Who is calling: the API key in the ``Authorization`` header (contract §1.2)."""

from __future__ import annotations

from fastapi import Request

from ragloom.services.container import Services
from ragloom.services.tenants import Caller


def bearer_token(header: str | None) -> str | None:
    """The token of ``Bearer <token>`` (prefix matched case-insensitively), else the whole header."""
    if header is None:
        return None
    value = header.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value or None


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def authenticate(request: Request) -> Caller:
    """The caller, or an :class:`~ragloom.errors.AuthenticationError` (HTTP 401)."""
    token = bearer_token(request.headers.get("authorization"))
    return services_of(request).tenants.authenticate(token)

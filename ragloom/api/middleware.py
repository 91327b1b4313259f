"""ASGI middleware: trailing-slash tolerance, security headers and one log line per request."""

from __future__ import annotations

import logging
import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("ragloom.access")


class _HttpMiddleware:
    """Middleware that acts on HTTP requests (in :meth:`handle`) and passes anything else on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.handle(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class StripTrailingSlash(_HttpMiddleware):
    """Route ``/a/b/`` as ``/a/b`` (RAGFlow runs with strict slashes off)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            stripped = path.rstrip("/") or "/"
            scope = {**scope, "path": stripped, "raw_path": stripped.encode("utf-8")}
        await self.app(scope, receive, send)


class SecurityHeaders(_HttpMiddleware):
    """Send ``X-Content-Type-Options: nosniff`` with every response (errors, 404s and streams
    too), so a browser never runs a body as anything but its declared type."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Content-Type-Options"] = "nosniff"
            await send(message)

        await self.app(scope, receive, with_headers)


class AccessLog(_HttpMiddleware):
    """Log method, path, status and duration of every HTTP request.

    The path is logged as the client sent it, control characters included: the log
    formatters (:mod:`ragloom.logs`) escape them, so no path can start a line of its own."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            log.info(
                "%s %s %d",
                scope["method"],
                scope["path"],
                status,
                extra={"duration_ms": round((time.perf_counter() - started) * 1000, 2)},
            )

"""Every route is reachable: no literal path is captured by a parameterised route declared before it.

The router takes the first route whose path and method match, so ``POST /datasets/search``
would be taken by a ``POST /datasets/{dataset_id}`` declared earlier (and a route whose path
matches but whose method does not makes the answer a 405). For every documented route and
method this sends a request whose path parameters hold a sample id and checks, from the ASGI
scope the router filled in, which route served it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from ragloom.api.app import create_app
from ragloom.services.container import Services
from ragloom.settings import Settings

SAMPLE = "0123456789abcdef0123456789abcdef"


def concrete(path: str) -> str:
    """``path`` with every ``{parameter}`` filled by a sample id."""
    return "/".join(SAMPLE if part.startswith("{") and part.endswith("}") else part for part in path.split("/"))


def misrouted(app: FastAPI) -> list[str]:
    """``METHOD path -> the route that served it`` for each documented route another route captures."""
    served: dict[str, Any] = {}

    async def spy(scope: Scope, receive: Receive, send: Send) -> None:
        await app(scope, receive, send)
        served.update(scope)

    wrong = []
    with TestClient(spy) as client:
        for path, operations in app.openapi()["paths"].items():
            for method in operations:
                served.clear()
                client.request(method.upper(), concrete(path))
                route = served.get("route")
                template = getattr(route, "path", None)
                if template is None or not path.endswith(template) or method.upper() not in route.methods:
                    wrong.append(f"{method.upper()} {path} -> {template}")
    return wrong


def test_every_documented_route_serves_its_own_path(settings: Settings, services: Services) -> None:
    app = create_app(settings, services=services)
    assert len(app.openapi()["paths"]) > 25
    assert misrouted(app) == []


def test_the_check_catches_a_shadowed_literal_route(settings: Settings, services: Services) -> None:
    app = create_app(settings, services=services)

    @app.post("/api/v1/datasets/{dataset_id}/generic")
    def generic(dataset_id: str) -> None: ...

    @app.post("/api/v1/datasets/search/generic")
    def literal() -> None: ...

    assert misrouted(app) == ["POST /api/v1/datasets/search/generic -> /api/v1/datasets/{dataset_id}/generic"]

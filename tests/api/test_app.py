"""The application serves each route where clients reach it, as they know it.

``served_routes.txt`` pins, for every method and path the application serves by a route
(the API's under ``/api/v1``), the route's name (its OpenAPI operation id), its
tags, how it checks the API key and what it reads (its body and query models): what the route
table says to a client. A new route adds its line; a route that lost its prefix, its key check
or its reader, or moved, changes a line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from fastapi.routing import APIRoute

from ragloom.api.app import create_app
from ragloom.api.openapi import declared_inputs, key_check
from ragloom.services.container import Services
from ragloom.settings import Settings

PINNED = Path(__file__).with_name("served_routes.txt")


def served_routes(app: FastAPI) -> list[str]:
    """One line per method and path the application serves by one of its API routes."""
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)  # routers included lazily (FastAPI 0.150+)
    routes: list[Any] = list(contexts(app.routes) if contexts is not None else app.routes)
    lines = []
    for route in routes:
        if not isinstance(getattr(route, "original_route", route), APIRoute):
            continue
        check = key_check(route)
        declared = declared_inputs(route)
        reads = [f"{media}:{model.__name__}" for media, model in declared.bodies]
        if declared.query is not None:
            reads.append(f"query:{declared.query.__name__}")
        if declared.no_body:
            reads.append("no-body")
        described = [
            route.name,
            ",".join(str(tag) for tag in route.tags) or "-",
            f"key:{check.status}" if check is not None else "public",
            "documented" if route.include_in_schema else "hidden",
            *reads,
        ]
        lines.extend(f"{method} {route.path} {' '.join(described)}" for method in sorted(route.methods))
    return lines


def test_every_route_is_served_at_its_path_with_its_name_key_check_and_inputs(
    settings: Settings, services: Services
) -> None:
    served = served_routes(create_app(settings, services=services))
    pinned = [line for line in PINNED.read_text().splitlines() if line and not line.startswith("#")]
    assert len(served) > 140
    assert served == pinned


def test_two_applications_serve_the_same_routes_independently(settings: Settings, services: Services) -> None:
    first, second = create_app(settings, services=services), create_app(settings, services=services)
    assert served_routes(first) == served_routes(second)
    first.router.routes.clear()
    assert served_routes(second) == served_routes(create_app(settings, services=services))

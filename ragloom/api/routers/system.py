"""``/system``: health, ping, version and configuration (public), and the status of every store
(with an API key) — contract §13.4. API keys are in :mod:`ragloom.api.routers.tokens`."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response
from starlette.responses import PlainTextResponse

from ragloom import __version__
from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, EnvelopeResponse, success
from ragloom.api.routing import EnvelopeRoute, Success, api_router, envelope
from ragloom.services.container import Services

router = api_router("/system", tags=["system"])
legacy_router = APIRouter(tags=["system"], route_class=EnvelopeRoute)


HEALTH = "db, redis, doc_engine, storage and status, each `ok` or `nok` (HTTP 500 when one is `nok`)"


def _health(services: Services) -> Response:
    checks: dict[str, Callable[[], object]] = {
        "db": services.store.ping,
        "storage": lambda: services.blobs.exists("healthz-probe"),
    }
    body: dict[str, Any] = {"db": "ok", "redis": "ok", "doc_engine": "ok", "storage": "ok", "status": "ok"}
    failures: dict[str, Any] = {}
    for part, check in checks.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:  # a health probe reports every failure instead of raising
            body[part] = "nok"
            failures[part] = {"elapsed": f"{(time.perf_counter() - started) * 1000:.1f}", "error": str(error)}
    if failures:
        body["status"] = "nok"
        body["_meta"] = failures
        return EnvelopeResponse(body, status_code=500)
    return EnvelopeResponse(body)


@router.get("/healthz", summary="Health of every storage part")
@envelope(Envelope.J, success=Success.BARE, raw=HEALTH)
def healthz(services: ServicesDep) -> Response:
    return _health(services)


@legacy_router.get("/v1/system/healthz", include_in_schema=False)
def legacy_healthz(services: ServicesDep) -> Response:
    return _health(services)


@router.get("/ping", summary="Liveness")
@envelope(Envelope.J, success=Success.TEXT)
def ping() -> Response:
    return PlainTextResponse("pong")


@router.get("/version", summary="Server version")
@envelope(Envelope.J, data=str)
def version() -> Response:
    return success(Envelope.J, __version__)


def _timed(check: Callable[[], object], fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` plus ``status`` green or red, ``elapsed`` milliseconds and the ``error`` if any."""
    started = time.perf_counter()
    try:
        check()
    except Exception as error:  # a status probe reports every failure instead of raising
        return {**fields, "status": "red", "elapsed": _since(started), "error": str(error)}
    return {**fields, "status": "green", "elapsed": _since(started)}


def _since(started: float) -> str:
    return f"{(time.perf_counter() - started) * 1000:.1f}"


@router.get("/status", summary="Status of the database, the chunk index and the file store")
@envelope(Envelope.J)
def status(caller: CurrentCaller, services: ServicesDep) -> Response:
    database = services.store.engine.dialect.name
    chosen = services.settings
    return success(
        Envelope.J,
        {
            "doc_engine": _timed(
                lambda: services.index.fetch("status-probe", ["status-probe"]), {"type": chosen.index.backend}
            ),
            "storage": _timed(lambda: services.blobs.exists("status-probe"), {"storage": chosen.blobs.backend}),
            "database": _timed(services.store.ping, {"database": database}),
            # RAGFlow needs Redis; ragloom does not, so there is nothing to fail.
            "redis": {"status": "green", "elapsed": "0.0"},
            "task_executor_heartbeats": _heartbeats(services, caller.tenant_id),
        },
    )


def _heartbeats(services: Services, tenant_id: str) -> dict[str, list[dict[str, Any]]]:
    """RAGFlow's shape (executor name → its reports, newest last) for the workers holding the
    caller's tasks: idle workers and other tenants' work leave no trace here. ``pending`` counts
    every queued task."""
    pending = services.ledger.queued_count()
    now = datetime.now(UTC).isoformat()
    beats: dict[str, list[dict[str, Any]]] = {}
    for task in services.ledger.held():
        if task.tenant_id != tenant_id:
            continue
        report = beats.setdefault(task.worker, [{"name": task.worker, "now": now, "pending": pending, "current": {}}])
        report[0]["current"][task.task_id] = {
            "kind": task.kind.value,
            "subject": task.subject,
            "lease_expires_at": task.lease_expires_at,
        }
    return beats


@router.get("/config", summary="Server configuration a client may need")
@envelope(Envelope.J)
def config() -> Response:
    # No user accounts: keys are created with `ragloom apikey` or POST /system/tokens.
    return success(Envelope.J, {"registerEnabled": 0, "disablePasswordLogin": True})

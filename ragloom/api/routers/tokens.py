"""``/system/tokens``: a tenant's API keys over HTTP (contract §1.2), what ``ragloom apikey`` does.

Only a key's SHA-256 is stored, so the secret is shown once, when it is created; listings show
its hint (``ragflow-AbCd…wxyz``) where RAGFlow shows the token itself. ``beta`` tokens serve
RAGFlow's embedded chat widgets, which ragloom does not have: it is always empty.
"""

from __future__ import annotations

from fastapi import Response
from typing_extensions import TypedDict  # pydantic reads typing's own only from Python 3.12

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import NoBody
from ragloom.api.routing import api_router, envelope
from ragloom.clock import http_date

router = api_router("/system/tokens", tags=["system"])


class TokenOut(TypedDict):
    """An API key: ``token`` is the secret when it is created, its hint in a listing."""

    tenant_id: str
    token: str
    id: str
    beta: str
    create_time: int
    create_date: str | None
    update_time: None
    update_date: None
    last_used_time: int | None


def _token(tenant_id: str, token: str, key_id: str, create_time: int, last_used: int | None) -> TokenOut:
    return {
        "tenant_id": tenant_id,
        "token": token,
        "id": key_id,
        "beta": "",
        "create_time": create_time,
        "create_date": http_date(create_time),
        "update_time": None,
        "update_date": None,
        "last_used_time": last_used,
    }


@router.post("", summary="Create an API key for the caller's tenant (the secret is shown only now)")
@envelope(Envelope.J, data=TokenOut)
def create_token(caller: CurrentCaller, services: ServicesDep, _: NoBody) -> Response:
    issued = services.tenants.issue_key(tenant_id=caller.tenant_id, label="created through the API")
    key = next(key for key in services.tenants.list_keys(caller.tenant_id) if key.id == issued.id)
    return success(Envelope.J, _token(caller.tenant_id, issued.secret, issued.id, key.create_time, None))


@router.get("", summary="The caller's tenant's API keys (by hint)")
@envelope(Envelope.J, data=list[TokenOut])
def list_tokens(caller: CurrentCaller, services: ServicesDep) -> Response:
    keys = services.tenants.list_keys(caller.tenant_id)
    return success(
        Envelope.J, [_token(key.tenant_id, key.hint, key.id, key.create_time, key.last_used_time) for key in keys]
    )


@router.delete("/{token}", summary="Revoke one of the caller's tenant's API keys (by secret, hint or id)")
@envelope(Envelope.J, data=bool)
def delete_token(token: str, caller: CurrentCaller, services: ServicesDep, _: NoBody) -> Response:
    services.tenants.revoke(token, tenant_id=caller.tenant_id)
    return success(Envelope.J, True)

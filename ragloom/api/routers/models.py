"""``/models``, ``/tenant/models``, ``/tenant/providers``: the models a tenant can use, its
defaults, and the remote models it configured for itself.

Not part of RAGFlow's public API (RAGFlow sets these in its web UI); documented in the README.
"""

from __future__ import annotations

from fastapi import Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import NoBody, Query, StrictBody
from ragloom.api.routing import api_router, envelope
from ragloom.api.schemas.models import (
    DefaultModelsOut,
    DefaultModelsRequest,
    ListModelsQuery,
    ModelOut,
    TenantModelRequest,
)
from ragloom.errors import ArgumentError
from ragloom.providers.catalog import ModelEntry, ModelKind
from ragloom.services.model_defaults import ModelDefaults

router = api_router(tags=["models"])


@router.get("/models", summary="List the models this server can use")
@envelope(Envelope.J, data=list[ModelOut])
def list_models(caller: CurrentCaller, services: ServicesDep, query: Query[ListModelsQuery]) -> Response:
    kind = None
    model_type = query.given().get("model_type")
    if model_type is not None:
        try:
            kind = ModelKind(model_type)
        except ValueError:
            raise ArgumentError("`model_type` must be one of: embedding, chat, rerank") from None
    return success(Envelope.J, [_model(entry) for entry in services.model_defaults.available(caller, kind)])


@router.get("/tenant/models", summary="The caller's default models")
@envelope(Envelope.J, data=DefaultModelsOut)
def get_defaults(caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.J, _defaults(services.model_defaults.get(caller)))


@router.put("/tenant/models", summary="Change the caller's default models")
@envelope(Envelope.J, data=DefaultModelsOut)
def set_defaults(caller: CurrentCaller, services: ServicesDep, body: StrictBody[DefaultModelsRequest]) -> Response:
    return success(Envelope.J, _defaults(services.model_defaults.update(caller, body.given())))


@router.get("/tenant/providers", summary="The remote models the caller configured for itself")
@envelope(Envelope.J)
def list_tenant_models(caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.J, services.tenant_models.list(caller))


@router.post("/tenant/providers", summary="Configure a remote model for the caller (or replace it)")
@envelope(Envelope.J)
def put_tenant_model(caller: CurrentCaller, services: ServicesDep, model: StrictBody[TenantModelRequest]) -> Response:
    return success(Envelope.J, services.tenant_models.put(caller, model))


@router.delete("/tenant/providers/{model_row_id}", summary="Remove one of the caller's remote models")
@envelope(Envelope.J)
def delete_tenant_model(model_row_id: str, caller: CurrentCaller, services: ServicesDep, _: NoBody) -> Response:
    services.tenant_models.delete(caller, model_row_id)
    return success(Envelope.J, True)


def _model(entry: ModelEntry) -> ModelOut:
    return {
        "id": str(entry.id),
        "model_name": entry.id.name,
        "factory": entry.id.factory,
        "instance": entry.id.instance or None,
        "alias_of": str(entry.alias_of) if entry.alias_of is not None else None,
        "model_type": entry.kind.value,
        "builtin": entry.remote is None,
        "max_tokens": entry.max_tokens,
        "dimension": entry.dimension,
    }


def _defaults(defaults: ModelDefaults) -> DefaultModelsOut:
    return {"llm_id": defaults.llm_id, "embd_id": defaults.embd_id, "rerank_id": defaults.rerank_id}

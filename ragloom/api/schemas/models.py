"""Requests of ragloom's model routes (``/models``, ``/tenant/models``, ``/tenant/providers``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationError

from ragloom.api.schemas.loose import LooseModel, QueryModel, Sent
from ragloom.errors import ArgumentError
from ragloom.settings import RemoteModel


class ListModelsQuery(QueryModel):
    """``GET /models``."""

    model_type: Sent[Literal["embedding", "chat", "rerank"]] = Field(None, description="Only models of this kind.")


class DefaultModelsRequest(LooseModel):
    """``PUT /tenant/models``: any of the three; each must name a usable model of its kind
    (``""``: no rerank model, or the server's default chat model)."""

    llm_id: Sent[str] = None
    embd_id: Sent[str] = None
    rerank_id: Sent[str] = None


class TenantModelRequest(RemoteModel):
    """``POST /tenant/providers``: a remote model for the caller alone, as ``[[models.remote]]``
    configures one for the server."""

    @classmethod
    def refusal(cls, error: ValidationError) -> ArgumentError:
        problems = "; ".join(f"{'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in error.errors())
        return ArgumentError(f"Invalid model: {problems}")

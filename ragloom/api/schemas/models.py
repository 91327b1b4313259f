"""Requests of ragloom's model routes (``/models``, ``/tenant/models``, ``/tenant/providers``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationError
from typing_extensions import TypedDict  # pydantic reads typing's own only from Python 3.12

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


class ModelOut(TypedDict):
    """A model the caller can use, as ``GET /models`` lists it."""

    id: str
    model_name: str
    factory: str
    instance: str | None
    alias_of: str | None
    model_type: str
    builtin: bool
    max_tokens: int | None
    dimension: int | None


class DefaultModelsOut(TypedDict):
    """The caller's default models (``rerank_id`` empty: none)."""

    llm_id: str
    embd_id: str
    rerank_id: str

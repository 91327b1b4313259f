"""Tenants' own remote models are held to the address policy; the operator's are not.

Each kind (embedding, rerank, chat) is built through its registry from a catalog that reads
the tenant's models, and called for real against a model server on 127.0.0.1 — which must
see no request when the address is refused.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from ragloom.errors import ProviderError
from ragloom.providers.catalog import ModelCatalog, ModelKind, model_key
from ragloom.providers.chat import ChatMessage, ChatModels, GenerationOptions
from ragloom.providers.embedding import EmbeddingModels
from ragloom.providers.rerank import RerankModels
from ragloom.settings import ModelSettings, RemoteModel
from tests.openai_server import ANSWER, SECRET, OpenAIStyleServer

TENANT = "tenant-1"
KINDS = ["embedding", "rerank", "chat"]
LABELS = {"embedding": "Embedding", "rerank": "Rerank", "chat": "Chat"}


@pytest.fixture
def server() -> Iterator[OpenAIStyleServer]:
    running = OpenAIStyleServer()
    yield running
    running.close()


def catalog(
    tenant: Sequence[dict[str, Any]] = (),
    operator: Sequence[dict[str, Any]] = (),
    **settings: Any,
) -> ModelCatalog:
    built = ModelCatalog.configured(ModelSettings(remote=[RemoteModel(**fields) for fields in operator], **settings))
    built.read_tenant_models_with(
        lambda tenant_id: [RemoteModel(**fields) for fields in tenant] if tenant_id == TENANT else []
    )
    return built


def caller(models: ModelCatalog, kind: str) -> Callable[[str, str | None], Any]:
    """Call a model of ``kind`` once, by id, as a tenant (or as nobody: the server's models only)."""
    if kind == "embedding":
        embeddings = EmbeddingModels(models, question_cache_size=0)  # every call reaches the model's address
        return lambda model_id, tenant_id: embeddings.get(model_id, tenant_id).embed_query("bananas")
    if kind == "rerank":
        reranks = RerankModels(models)
        return lambda model_id, tenant_id: reranks.get(model_id, tenant_id).scores("bananas", ["bananas", "apples"])
    chats = ChatModels(models)
    question = [ChatMessage("user", "What are bananas rich in?")]
    return lambda model_id, tenant_id: "".join(
        delta.content for delta in chats.get(model_id, tenant_id).stream(question, GenerationOptions())
    )


def model_id(fields: dict[str, Any]) -> str:
    return f"{fields['name']}@{fields['factory']}"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("host", "named"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "localhost"),
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
        ("10.255.255.1", "10.255.255.1"),
        ("169.254.169.254", "169.254.169.254"),
    ],
)
def test_a_tenants_model_at_an_internal_address_is_never_called(
    server: OpenAIStyleServer, kind: str, host: str, named: str
) -> None:
    fields = server.model(kind, base_url=f"http://{host}:{server.port}/v1", max_retries=3)
    call = caller(catalog(tenant=[fields]), kind)
    started = time.monotonic()
    with pytest.raises(ProviderError) as refused:
        call(model_id(fields), TENANT)
    assert refused.value.message == (
        f"{LABELS[kind]} model {model_id(fields)} was not called: "
        f"the address of {named} is not allowed for tenant-configured models"
    )
    assert time.monotonic() - started < 1  # refused before connecting, and not retried
    assert server.paths == []


@pytest.mark.parametrize("kind", KINDS)
def test_the_operators_model_at_the_same_address_works_and_keeps_its_own_client(
    server: OpenAIStyleServer, kind: str
) -> None:
    """The same configuration as a server-wide model and as a tenant's: one registry serves
    the operator's unguarded and refuses the tenant's, so their cached clients stay apart."""
    fields = server.model(kind)
    models = catalog(tenant=[fields], operator=[fields])
    call = caller(models, kind)
    assert call(model_id(fields), None) is not None
    with pytest.raises(ProviderError, match="not allowed for tenant-configured models"):
        call(model_id(fields), TENANT)
    assert call(model_id(fields), None) is not None
    assert len(server.paths) == 2
    operator_entry = models.require(model_id(fields), ModelKind(kind))
    tenant_entry = models.require(model_id(fields), ModelKind(kind), TENANT)
    assert (operator_entry.tenant_owned, tenant_entry.tenant_owned) == (False, True)
    assert model_key(operator_entry) != model_key(tenant_entry)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "settings",
    [{"tenant_allow_private_urls": True}, {"tenant_allowed_networks": [ipaddress.ip_network("127.0.0.0/8")]}],
)
def test_the_operator_may_let_tenants_reach_private_addresses(
    server: OpenAIStyleServer, kind: str, settings: dict[str, Any]
) -> None:
    fields = server.model(kind, base_url=f"http://localhost:{server.port}/v1")
    answer = caller(catalog(tenant=[fields], **settings), kind)(model_id(fields), TENANT)
    if kind == "chat":
        assert answer == ANSWER
    assert len(server.paths) == 1


def test_metadata_addresses_stay_refused_when_private_ones_are_allowed(server: OpenAIStyleServer) -> None:
    fields = server.model("embedding", base_url="http://169.254.169.254/v1")
    call = caller(catalog(tenant=[fields], tenant_allow_private_urls=True), "embedding")
    with pytest.raises(ProviderError, match="the address of 169.254.169.254 is not allowed"):
        call(model_id(fields), TENANT)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", [400, 404, 500])
@pytest.mark.parametrize("owner", ["operator", "tenant"])
def test_errors_never_repeat_what_the_model_server_answered(
    server: OpenAIStyleServer, kind: str, status: int, owner: str
) -> None:
    server.failure = status
    fields = server.model(kind, max_retries=0)
    models = (
        catalog(tenant=[fields], tenant_allow_private_urls=True) if owner == "tenant" else catalog(operator=[fields])
    )
    with pytest.raises(ProviderError) as failed:
        caller(models, kind)(model_id(fields), TENANT if owner == "tenant" else None)
    verb = "refused the request" if status < 500 else "is unavailable"
    assert failed.value.message.startswith(f"{LABELS[kind]} model {model_id(fields)} {verb} (HTTP {status})")
    assert SECRET not in failed.value.message
    assert "hunter2" not in failed.value.message
    assert server.url not in failed.value.message

"""A tenant's own models: URLs refused when saved, addresses refused when connecting.

Everything runs on real services (parse runner, retrieval) against a real model server on
127.0.0.1, which must receive nothing from a tenant's model while the operator has not
allowed private addresses — and keeps serving the operator's own server-wide models.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ragloom.errors import ArgumentError, ProviderError
from ragloom.services.container import Services
from ragloom.services.retrieval import RetrievalQuery
from ragloom.services.tenants import Caller
from ragloom.settings import ModelSettings, RemoteModel, Settings
from tests.openai_server import OpenAIStyleServer
from tests.workers.test_runner import make_runner, state, upload

TEXT = b"Bananas are rich in potassium and grow in tropical climates."
REFUSED = "the address of localhost is not allowed for tenant-configured models"


@pytest.fixture
def model_server() -> Iterator[OpenAIStyleServer]:
    running = OpenAIStyleServer()
    yield running
    running.close()


def build(settings: Settings, model_server: OpenAIStyleServer, **models: Any) -> Services:
    """Services whose operator configured an embedding model on ``model_server`` (127.0.0.1)."""
    operator = RemoteModel(**model_server.model("embedding", name="operator-bow"))
    return Services.build(settings.model_copy(update={"models": ModelSettings(remote=[operator], **models)}))


@pytest.fixture
def guarded(settings: Settings, model_server: OpenAIStyleServer) -> Iterator[Services]:
    built = build(settings, model_server)
    yield built
    built.close()


def new_caller(services: Services, name: str) -> Caller:
    issued = services.tenants.issue_key(new_tenant=True, tenant_name=name)
    return Caller(tenant_id=issued.tenant_id, key_id=issued.id)


@pytest.fixture
def caller(guarded: Services) -> Caller:
    return new_caller(guarded, "alice")


def on_localhost(model_server: OpenAIStyleServer, kind: str) -> dict[str, Any]:
    return model_server.model(kind, base_url=f"http://localhost:{model_server.port}/v1")


def parse(services: Services, caller: Caller, embedding_model: str) -> tuple[str, Any]:
    dataset_id, document_id = upload(services, caller, "fruit.txt", TEXT, embedding_model=embedding_model)
    task = services.ledger.claim("w1")
    assert task is not None
    make_runner(services).run(task)
    return dataset_id, state(services, document_id)


@pytest.mark.parametrize(
    ("base_url", "problem"),
    [
        ("http://127.0.0.1:11434", "the address 127.0.0.1 is not allowed for tenant-configured models"),
        ("http://10.1.2.3/v1", "the address 10.1.2.3 is not allowed for tenant-configured models"),
        ("http://169.254.169.254/latest", "the address 169.254.169.254 is not allowed for tenant-configured models"),
        ("http://[::1]:8000", "the address ::1 is not allowed for tenant-configured models"),
        ("http://2130706433:8000", "the address 2130706433 is not allowed for tenant-configured models"),
        ("ftp://models.example.com", "must start with http:// or https://"),
        ("http://me:secret@models.example.com/v1", "must not carry credentials (give the key as api_key)"),
    ],
)
def test_urls_wrong_on_their_face_are_refused_and_nothing_is_saved(
    guarded: Services, caller: Caller, base_url: str, problem: str
) -> None:
    body = {"name": "m", "factory": "OpenAI-API-Compatible", "kind": "chat", "base_url": base_url}
    with pytest.raises(ArgumentError) as refused:
        guarded.tenant_models.put(caller, RemoteModel.model_validate(body))
    assert refused.value.code == 101
    assert refused.value.message == f"Invalid model: base_url: {problem}"
    assert guarded.tenant_models.list(caller) == []


def test_a_parse_with_a_tenants_embedding_model_on_localhost_fails_without_calling_it(
    guarded: Services, caller: Caller, model_server: OpenAIStyleServer
) -> None:
    saved = guarded.tenant_models.put(caller, RemoteModel(**on_localhost(model_server, "embedding")))
    dataset_id, document = parse(guarded, caller, saved["model_id"])
    assert (document.run, document.progress) == ("4", -1.0)
    assert f"Embedding model {saved['model_id']} was not called: {REFUSED}" in document.progress_msg
    with pytest.raises(ProviderError, match=REFUSED):
        guarded.retrieval.retrieve(caller, RetrievalQuery(dataset_ids=[dataset_id], question="bananas"))
    assert model_server.paths == []


def test_the_operators_model_on_loopback_serves_while_the_tenants_rerank_and_chat_models_are_refused(
    guarded: Services, caller: Caller, model_server: OpenAIStyleServer
) -> None:
    dataset_id, document = parse(guarded, caller, "operator-bow@OpenAI-API-Compatible")
    assert document.run == "3", document.progress_msg
    question = RetrievalQuery(dataset_ids=[dataset_id], question="bananas potassium")
    assert guarded.retrieval.retrieve(caller, question).hits
    assert model_server.paths

    rerank = guarded.tenant_models.put(caller, RemoteModel(**on_localhost(model_server, "rerank")))
    with pytest.raises(ProviderError) as refused:
        guarded.retrieval.retrieve(
            caller, RetrievalQuery(dataset_ids=[dataset_id], question="bananas", rerank_id=rerank["model_id"])
        )
    assert refused.value.message == f"Rerank model {rerank['model_id']} was not called: {REFUSED}"

    chat = guarded.tenant_models.put(caller, RemoteModel(**on_localhost(model_server, "chat")))
    guarded.model_defaults.update(caller, {"llm_id": chat["model_id"]})
    with pytest.raises(ProviderError) as refused:
        guarded.retrieval.retrieve(caller, RetrievalQuery(dataset_ids=[dataset_id], question="bananas", keyword=True))
    assert refused.value.message.endswith(f"Chat model {chat['model_id']} was not called: {REFUSED}")
    assert set(model_server.paths) == {"/v1/embeddings"}  # only the operator's embedding model was ever called


def test_with_private_addresses_allowed_the_same_tenant_model_works(
    settings: Settings, model_server: OpenAIStyleServer
) -> None:
    services = build(settings, model_server, tenant_allow_private_urls=True)
    try:
        carol = new_caller(services, "carol")
        saved = services.tenant_models.put(
            carol, RemoteModel(**model_server.model("embedding"))
        )  # 127.0.0.1 may now be saved
        _dataset_id, document = parse(services, carol, saved["model_id"])
        assert document.run == "3", document.progress_msg
        assert model_server.paths
    finally:
        services.close()

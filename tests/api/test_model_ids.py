"""Model ids RAGFlow programs name: aliases an operator maps, and ``name@instance@factory``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ragloom.api.app import create_app
from ragloom.services.container import Services
from ragloom.settings import Settings, load_settings

RAGFLOW_DEFAULT = "BAAI/bge-small-en-v1.5@Builtin"
USE = "universal-sentence-encoder-multilingual@Builtin"


@pytest.fixture
def aliased(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data", models={"isolate": False, "aliases": {RAGFLOW_DEFAULT: USE}})


@pytest.fixture
def aliased_client(aliased: Settings) -> Iterator[tuple[TestClient, dict[str, str]]]:
    services = Services.build(aliased)
    key = services.tenants.issue_key(new_tenant=True, tenant_name="migrant")
    with TestClient(create_app(aliased, services=services)) as client:
        yield client, {"Authorization": f"Bearer {key.secret}"}
    services.close()


def test_a_dataset_named_by_an_alias_keeps_the_alias_and_embeds_with_its_model(
    aliased_client: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = aliased_client
    created = client.post("/api/v1/datasets", json={"name": "kb", "embedding_model": RAGFLOW_DEFAULT}, headers=headers)
    assert created.json()["code"] == 0, created.json()
    dataset = created.json()["data"]
    assert dataset["embedding_model"] == RAGFLOW_DEFAULT  # what the program sent is what it reads back
    uploaded = client.post(
        f"/api/v1/datasets/{dataset['id']}/documents",
        files=[("file", ("pandas.txt", b"placeholder"))],
        headers=headers,
    ).json()["data"][0]
    added = client.post(
        f"/api/v1/datasets/{dataset['id']}/documents/{uploaded['id']}/chunks",
        json={"content": "Giant pandas live in the bamboo forests of Sichuan."},
        headers=headers,
    ).json()
    assert added["code"] == 0, added
    found = client.post(
        "/api/v1/retrieval", json={"dataset_ids": [dataset["id"]], "question": "Where do pandas live?"}, headers=headers
    ).json()
    assert found["code"] == 0, found
    assert [chunk["content"] for chunk in found["data"]["chunks"]] == [added["data"]["chunk"]["content"]]
    assert found["data"]["chunks"][0]["vector_similarity"] > 0.3


def test_models_lists_aliases_as_such(aliased_client: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = aliased_client
    listed = client.get("/api/v1/models", params={"model_type": "embedding"}, headers=headers).json()["data"]
    by_id = {model["id"]: model for model in listed}
    assert by_id[RAGFLOW_DEFAULT]["alias_of"] == USE
    assert by_id[RAGFLOW_DEFAULT]["dimension"] == 512
    assert by_id[USE]["alias_of"] is None


def test_without_an_alias_ragflow_s_default_model_is_refused(client: TestClient, headers: dict[str, str]) -> None:
    refused = client.post("/api/v1/datasets", json={"name": "kb", "embedding_model": RAGFLOW_DEFAULT}, headers=headers)
    assert refused.json() == {"code": 102, "message": f"Unsupported model: <{RAGFLOW_DEFAULT}>"}


def test_a_tenant_s_model_with_an_instance_has_a_three_part_id(client: TestClient, headers: dict[str, str]) -> None:
    saved = client.post(
        "/api/v1/tenant/providers",
        json={"name": "bge-m3", "factory": "Ollama", "instance": "home", "base_url": "http://ollama.example.com:11434"},
        headers=headers,
    ).json()
    assert saved["code"] == 0, saved
    listed = client.get("/api/v1/models", params={"model_type": "embedding"}, headers=headers).json()["data"]
    mine = [model for model in listed if model["factory"] == "Ollama"]
    assert [(model["id"], model["instance"]) for model in mine] == [("bge-m3@home@Ollama", "home")]
    for named in ("bge-m3@home@Ollama", "bge-m3@Ollama"):
        created = client.post("/api/v1/datasets", json={"name": named, "embedding_model": named}, headers=headers)
        assert created.json()["code"] == 0, created.json()
    other = client.post(
        "/api/v1/datasets", json={"name": "x", "embedding_model": "bge-m3@office@Ollama"}, headers=headers
    ).json()
    assert other == {"code": 102, "message": "Unauthorized model: <bge-m3@office@Ollama>"}

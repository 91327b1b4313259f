"""``/models`` and ``/tenant/models``: what the server offers and each tenant's default models."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from ragloom.providers.chat.local_llama import SMOLLM2_ID, local_chat_available
from tests.e2e.conftest import LiveServer, new_tenant_key

E5 = "multilingual-e5-small@Builtin"
USE = "universal-sentence-encoder-multilingual@Builtin"


@pytest.fixture
def fresh(live_server: LiveServer, server_env: dict[str, str], unique_name: str) -> dict[str, str]:
    """Headers of a tenant created for this test, so changing its defaults disturbs no other test."""
    return live_server.headers(new_tenant_key(live_server, server_env, unique_name))


def call(method: str, url: str, headers: dict[str, str], **options: Any) -> dict[str, Any]:
    answer = requests.request(method, url, headers=headers, timeout=30, **options)
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def test_models_lists_the_built_in_models_by_kind(api: str, auth: dict[str, str]) -> None:
    listed = call("GET", f"{api}/models", auth)
    assert listed["code"] == 0
    by_id = {model["id"]: model for model in listed["data"]}
    assert by_id[E5]["model_type"] == "embedding"
    assert by_id[E5]["builtin"] is True
    assert by_id[E5]["dimension"] == 384
    assert by_id[USE]["factory"] == "Builtin"
    assert (SMOLLM2_ID in by_id) is local_chat_available()
    chat_only = call("GET", f"{api}/models", auth, params={"model_type": "chat"})["data"]
    assert all(model["model_type"] == "chat" for model in chat_only)
    wrong = call("GET", f"{api}/models", auth, params={"model_type": "vision"})
    assert wrong["code"] == 101
    assert "model_type" in wrong["message"]


def test_defaults_start_from_the_server_settings(api: str, fresh: dict[str, str]) -> None:
    defaults = call("GET", f"{api}/tenant/models", fresh)["data"]
    assert defaults == {"llm_id": SMOLLM2_ID if local_chat_available() else "", "embd_id": E5, "rerank_id": ""}


def test_changed_embedding_default_is_used_by_new_datasets(api: str, fresh: dict[str, str], unique_name: str) -> None:
    changed = call("PUT", f"{api}/tenant/models", fresh, json={"embd_id": USE})
    assert changed["code"] == 0
    assert changed["data"]["embd_id"] == USE
    created = call("POST", f"{api}/datasets", fresh, json={"name": unique_name})
    assert created["data"]["embedding_model"] == USE


def test_bad_changes_are_refused_and_change_nothing(api: str, fresh: dict[str, str]) -> None:
    before = call("GET", f"{api}/tenant/models", fresh)["data"]
    unknown_model = call("PUT", f"{api}/tenant/models", fresh, json={"embd_id": USE, "llm_id": "gpt-9@NoSuchFactory"})
    assert unknown_model == {"code": 102, "message": "`llm_id` gpt-9@NoSuchFactory doesn't exist", "data": None}
    wrong_kind = call("PUT", f"{api}/tenant/models", fresh, json={"rerank_id": E5})
    assert wrong_kind["code"] == 102
    unknown_field = call("PUT", f"{api}/tenant/models", fresh, json={"asr_id": "x"})
    assert unknown_field["code"] == 101
    not_text = call("PUT", f"{api}/tenant/models", fresh, json={"embd_id": 3})
    assert not_text["code"] == 101
    assert call("GET", f"{api}/tenant/models", fresh)["data"] == before


def test_one_tenants_defaults_do_not_touch_anothers(api: str, fresh: dict[str, str], auth: dict[str, str]) -> None:
    mine_before = call("GET", f"{api}/tenant/models", auth)["data"]
    call("PUT", f"{api}/tenant/models", fresh, json={"embd_id": USE})
    assert call("GET", f"{api}/tenant/models", auth)["data"] == mine_before


def test_models_routes_need_a_key(api: str) -> None:
    for method, path in (("GET", "/models"), ("GET", "/tenant/models"), ("PUT", "/tenant/models")):
        answer = requests.request(method, f"{api}{path}", json={}, timeout=30)
        assert answer.status_code == 401

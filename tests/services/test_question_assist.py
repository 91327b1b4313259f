"""``keyword`` / ``cross_languages``: refused clearly without a chat model; keywords parsed from replies."""

from __future__ import annotations

import pytest

from ragloom.errors import DataError
from ragloom.providers.catalog import BUILTIN_MODELS, ModelCatalog
from ragloom.providers.chat import ChatModels
from ragloom.rag.question_prompts import parse_keywords
from ragloom.services.container import Services
from ragloom.services.model_defaults import ModelDefaultsService
from ragloom.services.question_assist import QuestionAssistant
from ragloom.services.tenants import Caller


def test_without_any_chat_model_the_request_is_refused_naming_the_option(services: Services) -> None:
    catalog = ModelCatalog(BUILTIN_MODELS)  # embedding models only
    assistant = QuestionAssistant(ModelDefaultsService(services.store, catalog), catalog, ChatModels(catalog))
    issued = services.tenants.issue_key(new_tenant=True)
    with pytest.raises(DataError, match=r"`keyword` needs a chat model, and none is configured"):
        assistant.model_for(Caller(issued.tenant_id, issued.id), "`keyword`")


def test_a_tenant_default_naming_an_unconfigured_model_is_refused(services: Services) -> None:
    issued = services.tenants.issue_key(new_tenant=True)
    with services.store.writing() as tx:
        tenant = tx.tenants.get(issued.tenant_id)
        assert tenant is not None
        tenant.chat_model = "gpt-4o@OpenAI"
    assistant = QuestionAssistant(services.model_defaults, services.models, services.chat_models)
    with pytest.raises(DataError, match="`cross_languages` needs a chat model"):
        assistant.model_for(Caller(issued.tenant_id, issued.id), "`cross_languages`")


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("bananas, potassium, fruit", ["bananas", "potassium", "fruit"]),
        ("1. bananas\n2. potassium\n- fruit", ["bananas", "potassium", "fruit"]),
        ("香蕉，钾；水果", ["香蕉", "钾", "水果"]),
        ('"bananas", bananas, ', ["bananas"]),
        ("a, b, c, d, e, f, g", ["a", "b", "c", "d", "e"]),
    ],
)
def test_keywords_are_parsed_from_the_models_reply(reply: str, expected: list[str]) -> None:
    assert parse_keywords(reply) == expected

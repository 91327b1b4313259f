"""Related questions without HTTP: which model is asked, how, and what its reply becomes."""

from __future__ import annotations

import pytest

from ragloom.errors import AuthorizationError, DataError, ProviderError, RetCode
from ragloom.services.container import Services
from ragloom.services.search_apps import NewSearchApp
from ragloom.services.search_config import SearchConfig
from ragloom.services.tenants import Caller
from tests.conftest import SCRIPTED_CHAT_MODEL
from tests.openai_server import SECRET, OpenAIStyleServer

REPLY = "Here are some related searches:\n1. Banana nutrition facts\n2. bananas?\n3. How do bananas grow?\n"


@pytest.fixture
def services(scripted_services: Services) -> Services:
    return scripted_services


def test_the_tenant_s_chat_model_suggests_and_its_list_is_parsed(
    services: Services, caller: Caller, chat_server: OpenAIStyleServer
) -> None:
    chat_server.answer = REPLY
    assert services.related_questions.suggest(caller, "Bananas") == ["Banana nutrition facts", "How do bananas grow?"]
    (sent,) = chat_server.bodies
    assert sent["model"] == "parrot"
    assert sent["temperature"] == 0.9
    assert sent["max_tokens"] == 256
    assert "Bananas" in sent["messages"][-1]["content"]


def test_a_search_app_s_model_settings_are_used(
    services: Services, caller: Caller, chat_server: OpenAIStyleServer
) -> None:
    config = SearchConfig(chat_id=SCRIPTED_CHAT_MODEL, llm_setting={"temperature": 0.2, "max_tokens": 64})
    app_id = services.search_apps.create(caller, NewSearchApp(name="fruit", config=config))
    chat_server.answer = "- a\n- b"
    assert services.related_questions.suggest(caller, "fruit", app_id) == ["a", "b"]
    assert (chat_server.bodies[0]["temperature"], chat_server.bodies[0]["max_tokens"]) == (0.2, 64)


def test_another_tenant_s_search_app_is_refused_before_any_model_is_asked(
    services: Services, caller: Caller, other_caller: Caller, chat_server: OpenAIStyleServer
) -> None:
    app_id = services.search_apps.create(other_caller, NewSearchApp(name="theirs"))
    with pytest.raises(AuthorizationError) as refused:
        services.related_questions.suggest(caller, "fruit", app_id)
    assert (refused.value.code, refused.value.message) == (
        RetCode.OPERATING_ERROR,
        "Has no permission for this operation.",
    )
    assert chat_server.bodies == []


def test_a_blank_question_has_no_related_questions(
    services: Services, caller: Caller, chat_server: OpenAIStyleServer
) -> None:
    assert services.related_questions.suggest(caller, "  ") == []
    assert chat_server.bodies == []


def test_without_a_chat_model_the_error_says_so(services: Services, caller: Caller) -> None:
    with services.store.writing() as tx:
        tenant = tx.tenants.get(caller.tenant_id)
        assert tenant is not None
        tenant.chat_model = "gpt-4o@OpenAI"  # not configured on this server
    with pytest.raises(DataError, match="Suggesting related questions needs a chat model, and none is configured"):
        services.related_questions.suggest(caller, "bananas")


def test_a_failing_model_is_an_error_naming_it_and_never_echoing_it(
    services: Services, caller: Caller, chat_server: OpenAIStyleServer
) -> None:
    chat_server.failure = 500
    with pytest.raises(ProviderError) as failed:
        services.related_questions.suggest(caller, "bananas")
    assert failed.value.message.startswith(f"Related questions could not use chat model {SCRIPTED_CHAT_MODEL}: ")
    assert SECRET not in failed.value.message


def test_a_question_over_the_limit_is_refused(services: Services, caller: Caller) -> None:
    limit = services.settings.limits.max_question_length
    with pytest.raises(DataError, match="The question is too long"):
        services.related_questions.suggest(caller, "x" * (limit + 1))

"""Fixtures of the remote chat provider tests: a fake chat server and chat models built on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from ragloom.providers.catalog import ModelCatalog
from ragloom.providers.chat import ChatModel, ChatModels
from ragloom.settings import ModelSettings, RemoteModel
from tests.providers.test_chat_remote import FakeChatServer


@pytest.fixture
def server() -> Iterator[FakeChatServer]:
    fake = FakeChatServer()
    yield fake
    fake.httpd.shutdown()
    fake.httpd.server_close()


@pytest.fixture
def connect() -> Iterator[Callable[[RemoteModel], ChatModel]]:
    """Build the chat model a remote entry configures, through the catalog and registry."""
    registries: list[ChatModels] = []

    def build(remote: RemoteModel) -> ChatModel:
        models = ChatModels(ModelCatalog.configured(ModelSettings(remote=[remote])))
        registries.append(models)
        return models.get(f"{remote.name}@{remote.factory}")

    yield build
    for models in registries:
        models.close()

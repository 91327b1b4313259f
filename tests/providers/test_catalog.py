"""Which models datasets and chats may use, and the chat models built for them."""

import pytest
from pydantic import SecretStr

from ragloom.errors import ConfigError, DataError
from ragloom.providers.catalog import ModelCatalog, ModelId, ModelKind
from ragloom.providers.chat import ChatModels
from ragloom.providers.chat.local_llama import SMOLLM2_ID
from ragloom.providers.chat.ollama import OllamaChat
from ragloom.providers.chat.openai_compatible import OpenAICompatibleChat
from ragloom.settings import ModelSettings, RemoteModel


def test_builtin_models_are_known() -> None:
    catalog = ModelCatalog()
    entry = catalog.require("multilingual-e5-small@Builtin", ModelKind.EMBEDDING)
    assert entry.dimension == 384
    assert catalog.require("universal-sentence-encoder-multilingual@builtin", ModelKind.EMBEDDING).dimension == 512


@pytest.mark.parametrize(
    ("model_id", "message"),
    [
        ("text-embedding-3-small@OpenAI", "Unauthorized model: <text-embedding-3-small@OpenAI>"),
        ("BAAI/bge-large-zh-v1.5@BAAI", "Unauthorized model: <BAAI/bge-large-zh-v1.5@BAAI>"),
        ("nope@Builtin", "Unsupported model: <nope@Builtin>"),
        ("x@NoSuchFactory", "Unsupported model: <x@NoSuchFactory>"),
        ("no-at-sign", "Unsupported model: <no-at-sign>"),
    ],
)
def test_unknown_models(model_id: str, message: str) -> None:
    with pytest.raises(DataError) as raised:
        ModelCatalog().require(model_id, ModelKind.EMBEDDING)
    assert raised.value.message == message


def test_model_id_parsing() -> None:
    assert ModelId.parse(" bge-m3 @ Ollama ") == ModelId("bge-m3", "Ollama")
    assert ModelId.parse("a@b@Factory") == ModelId("a", "Factory", instance="b")
    assert str(ModelId.parse("BAAI/bge-m3@home@Ollama")) == "BAAI/bge-m3@home@Ollama"
    assert ModelId.parse("x@y@z@F") == ModelId("x@y", "F", instance="z")
    for broken in ("@x", "x@", "x", "a@@F", "a@b@"):
        with pytest.raises(ValueError, match="model_name"):
            ModelId.parse(broken)


def test_three_part_ids_name_a_provider_s_instance() -> None:
    settings = ModelSettings(
        remote=[
            RemoteModel(name="bge-m3", factory="Ollama", base_url="http://a", instance="home"),
            RemoteModel(name="bge-m3", factory="Ollama", base_url="http://b", instance="office"),
            RemoteModel(name="text-embedding-3-small", factory="OpenAI", base_url="http://c"),
        ]
    )
    catalog = ModelCatalog.configured(settings)

    def url(model_id: str) -> str:
        remote = catalog.require(model_id, ModelKind.EMBEDDING).remote
        assert remote is not None
        return remote.base_url

    assert url("bge-m3@home@Ollama") == "http://a"
    assert url("BGE-M3@OFFICE@ollama") == "http://b"
    assert url("bge-m3@Ollama") == "http://a"  # the first instance also answers to the plain id
    # a provider configured without instances is its only instance, whatever RAGFlow called it
    assert url("text-embedding-3-small@default@OpenAI") == "http://c"
    with pytest.raises(DataError, match="Unauthorized model: <bge-m3@garage@Ollama>"):
        catalog.require("bge-m3@garage@Ollama", ModelKind.EMBEDDING)
    listed = {str(entry.id) for entry in catalog.entries(ModelKind.EMBEDDING) if entry.remote is not None}
    assert listed == {"bge-m3@home@Ollama", "bge-m3@office@Ollama", "text-embedding-3-small@OpenAI"}


def test_a_model_without_instance_keeps_the_plain_id() -> None:
    settings = ModelSettings(
        remote=[
            RemoteModel(name="m", factory="Ollama", base_url="http://instance", instance="i"),
            RemoteModel(name="m", factory="Ollama", base_url="http://plain"),
        ]
    )
    catalog = ModelCatalog.configured(settings)
    assert catalog.require("m@Ollama", ModelKind.EMBEDDING).remote.base_url == "http://plain"  # type: ignore[union-attr]
    assert catalog.require("m@i@Ollama", ModelKind.EMBEDDING).remote.base_url == "http://instance"  # type: ignore[union-attr]


def test_an_instance_may_not_contain_an_at_sign() -> None:
    with pytest.raises(ValueError, match="instance"):
        RemoteModel(name="m", factory="Ollama", base_url="http://x", instance="a@b")


def test_aliases_resolve_to_the_model_they_name_and_are_listed_as_aliases() -> None:
    settings = ModelSettings(
        aliases={
            "BAAI/bge-small-en-v1.5@Builtin": "multilingual-e5-small@Builtin",
            "glm-4-flash@ZHIPU-AI": "qwen-plus@Tongyi-Qianwen",
        },
        remote=[RemoteModel(name="qwen-plus", factory="Tongyi-Qianwen", kind="chat", base_url="http://x/v1")],
    )
    catalog = ModelCatalog.configured(settings)
    target = catalog.require("multilingual-e5-small@Builtin", ModelKind.EMBEDDING)
    assert catalog.require("baai/bge-small-en-v1.5@builtin", ModelKind.EMBEDDING) is target
    assert str(catalog.require("glm-4-flash@ZHIPU-AI", ModelKind.CHAT).id) == "qwen-plus@Tongyi-Qianwen"
    with pytest.raises(DataError, match="Unauthorized model: <glm-4-flash@ZHIPU-AI>"):
        catalog.require("glm-4-flash@ZHIPU-AI", ModelKind.EMBEDDING)  # an alias has its target's kind only
    aliases = {str(entry.id): str(entry.alias_of) for entry in catalog.entries() if entry.alias_of is not None}
    assert aliases == {
        "BAAI/bge-small-en-v1.5@Builtin": "multilingual-e5-small@Builtin",
        "glm-4-flash@ZHIPU-AI": "qwen-plus@Tongyi-Qianwen",
    }
    listed_alias = next(entry for entry in catalog.entries(ModelKind.EMBEDDING) if entry.alias_of is not None)
    assert listed_alias.dimension == 384


@pytest.mark.parametrize(
    ("aliases", "message"),
    [
        ({"x@OpenAI": "nope@Builtin"}, "names nope@Builtin, which this server does not have"),
        ({"multilingual-e5-small@Builtin": "universal-sentence-encoder-multilingual@Builtin"}, "already the id"),
        ({"no-factory": "multilingual-e5-small@Builtin"}, "models.aliases: Model id must be"),
    ],
)
def test_aliases_that_cannot_work_stop_the_server_from_starting(aliases: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ModelCatalog.configured(ModelSettings(aliases=aliases))


def test_configured_remote_models_are_authorized() -> None:
    from ragloom.settings import ModelSettings, RemoteModel

    settings = ModelSettings(remote=[RemoteModel(name="bge-m3", factory="Ollama", base_url="http://x")])
    catalog = ModelCatalog.configured(settings)
    assert catalog.require("bge-m3@Ollama", ModelKind.EMBEDDING).remote is not None
    with pytest.raises(DataError, match="Unauthorized model: <other@Ollama>"):
        catalog.require("other@Ollama", ModelKind.EMBEDDING)


# ---- chat models ----------------------------------------------------------------------------


def chat_settings(**overrides: object) -> ModelSettings:
    remote = [
        RemoteModel(
            name="qwen-plus", factory="Tongyi-Qianwen", kind="chat", base_url="http://x/v1", api_key=SecretStr("sk")
        ),
        RemoteModel(name="qwen3", factory="Ollama", kind="chat", base_url="http://x", context_window=4096),
        RemoteModel(name="bge-m3", factory="Ollama", base_url="http://x"),
    ]
    return ModelSettings.model_validate({"remote": remote, **overrides})


@pytest.fixture
def no_local_chat(monkeypatch: pytest.MonkeyPatch) -> None:
    """As when the ``local`` extra is not installed, whatever this environment holds."""
    monkeypatch.setattr("ragloom.providers.chat.local_llama.local_chat_available", lambda: False)


@pytest.mark.usefixtures("no_local_chat")
def test_a_remote_chat_model_is_a_chat_model_only() -> None:
    catalog = ModelCatalog.configured(chat_settings())
    entry = catalog.require("qwen-plus@Tongyi-Qianwen", ModelKind.CHAT)
    assert entry.kind is ModelKind.CHAT
    assert entry.remote is not None
    assert entry.remote.context_window == 8192
    assert catalog.find("qwen-plus@Tongyi-Qianwen", ModelKind.EMBEDDING) is None
    with pytest.raises(DataError, match="Unauthorized model: <qwen-plus@Tongyi-Qianwen>"):
        catalog.require("qwen-plus@Tongyi-Qianwen", ModelKind.EMBEDDING)
    assert catalog.find("bge-m3@Ollama", ModelKind.CHAT) is None
    assert [str(entry.id) for entry in catalog.entries(ModelKind.CHAT)] == ["qwen-plus@Tongyi-Qianwen", "qwen3@Ollama"]


@pytest.mark.usefixtures("no_local_chat")
def test_without_the_local_model_there_is_no_default_chat_model_unless_configured() -> None:
    assert ModelCatalog.configured(chat_settings()).default_chat_model == ""
    assert ModelCatalog().default_chat_model == ""
    configured = ModelCatalog.configured(chat_settings(default_chat_model="qwen3@Ollama"))
    assert configured.default_chat_model == "qwen3@Ollama"
    with pytest.raises(DataError, match="Unsupported model: <SmolLM2-135M-Instruct@Builtin>"):
        configured.require("SmolLM2-135M-Instruct@Builtin", ModelKind.CHAT)


def test_the_installed_local_model_is_the_default_chat_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ragloom.providers.chat.local_llama.local_chat_available", lambda: True)
    catalog = ModelCatalog.configured(chat_settings())
    assert catalog.default_chat_model == SMOLLM2_ID == "SmolLM2-135M-Instruct@Builtin"
    entry = catalog.require("smollm2-135m-instruct@builtin", ModelKind.CHAT)
    assert entry.remote is None
    assert catalog.find(SMOLLM2_ID, ModelKind.EMBEDDING) is None
    chosen = ModelCatalog.configured(chat_settings(default_chat_model="qwen-plus@Tongyi-Qianwen"))
    assert chosen.default_chat_model == "qwen-plus@Tongyi-Qianwen"


@pytest.mark.usefixtures("no_local_chat")
def test_chat_models_are_built_by_factory() -> None:
    models = ChatModels(ModelCatalog.configured(chat_settings()))
    try:
        remote = models.get("qwen-plus@Tongyi-Qianwen")
        assert isinstance(remote, OpenAICompatibleChat)
        assert remote.model_id == "qwen-plus@Tongyi-Qianwen"
        assert remote.context_window == 8192
        local = models.get("QWEN3@ollama")
        assert isinstance(local, OllamaChat)
        assert local.context_window == 4096
        assert models.get("qwen3@Ollama") is local  # built once, shared
    finally:
        models.close()


@pytest.mark.usefixtures("no_local_chat")
@pytest.mark.parametrize(
    ("model_id", "message"),
    [
        ("gpt-4o@NoSuchFactory", "Unsupported model: <gpt-4o@NoSuchFactory>"),
        ("nope@Builtin", "Unsupported model: <nope@Builtin>"),
        ("gpt-4o@OpenAI", "Unauthorized model: <gpt-4o@OpenAI>"),
        ("deepseek-chat@DeepSeek", "Unauthorized model: <deepseek-chat@DeepSeek>"),
        ("bge-m3@Ollama", "Unauthorized model: <bge-m3@Ollama>"),  # configured, but as an embedding model
    ],
)
def test_chat_models_that_cannot_be_used(model_id: str, message: str) -> None:
    models = ChatModels(ModelCatalog.configured(chat_settings()))
    with pytest.raises(DataError) as raised:
        models.get(model_id)
    assert raised.value.message == message

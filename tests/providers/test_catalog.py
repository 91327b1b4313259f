"""Which embedding models a dataset may use."""

import pytest

from ragloom.errors import DataError
from ragloom.providers.catalog import ModelCatalog, ModelId, ModelKind


def test_builtin_models_are_known() -> None:
    catalog = ModelCatalog()
    entry = catalog.require("multilingual-e5-small@Builtin", ModelKind.EMBEDDING)
    assert entry.dimension == 384
    assert catalog.require("universal-sentence-encoder-multilingual@builtin", ModelKind.EMBEDDING).dimension == 512


@pytest.mark.parametrize(
    ("model_id", "message"),
    [
        ("text-embedding-3-small@OpenAI", "Unauthorized model: text-embedding-3-small@OpenAI"),
        ("BAAI/bge-large-zh-v1.5@BAAI", "Unauthorized model: BAAI/bge-large-zh-v1.5@BAAI"),
        ("nope@Builtin", "Unsupported model: nope@Builtin"),
        ("x@NoSuchFactory", "Unsupported model: x@NoSuchFactory"),
        ("no-at-sign", "Unsupported model: no-at-sign"),
    ],
)
def test_unknown_models(model_id: str, message: str) -> None:
    with pytest.raises(DataError) as raised:
        ModelCatalog().require(model_id, ModelKind.EMBEDDING)
    assert raised.value.message == message


def test_model_id_parsing() -> None:
    assert ModelId.parse("a@b@Factory") == ModelId("a@b", "Factory")
    with pytest.raises(ValueError, match="model_name"):
        ModelId.parse("@x")


def test_configured_remote_models_are_authorized() -> None:
    from ragloom.settings import ModelSettings, RemoteModel

    settings = ModelSettings(remote=[RemoteModel(name="bge-m3", factory="Ollama", base_url="http://x")])
    catalog = ModelCatalog.configured(settings)
    assert catalog.require("bge-m3@Ollama", ModelKind.EMBEDDING).remote is not None
    with pytest.raises(DataError, match="Unauthorized model: other@Ollama"):
        catalog.require("other@Ollama", ModelKind.EMBEDDING)

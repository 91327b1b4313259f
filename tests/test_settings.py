"""Settings come from overrides, then RAGLOOM_* variables, then a TOML file, then defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from ragloom.errors import ConfigError
from ragloom.settings import (
    AgentDatabase,
    AgentSettings,
    EnrichmentSettings,
    LimitSettings,
    LocalBlobSettings,
    PostgresDatabaseSettings,
    PostgresIndexSettings,
    S3BlobSettings,
    SandboxSettings,
    SqliteDatabaseSettings,
    SqliteIndexSettings,
    WebSearchSettings,
    load_settings,
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("RAGLOOM_CONFIG", "RAGLOOM_HOST", "RAGLOOM_PORT", "RAGLOOM_DATA_DIR", "XDG_DATA_HOME"):
        monkeypatch.delenv(variable, raising=False)


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = load_settings()
    assert (settings.host, settings.port) == ("127.0.0.1", 9380)
    assert settings.data_dir == tmp_path / ".local" / "share" / "ragloom"
    assert (settings.database.backend, settings.blobs.backend, settings.index.backend) == ("sqlite", "local", "sqlite")
    assert settings.models.default_embedding_model == "multilingual-e5-small@Builtin"


def test_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "ragloom.toml"
    config.write_text('host = "0.0.0.0"\nport = 1111\n[upload]\nmax_file_size = 10\nmax_files = 3\n')
    monkeypatch.setenv("RAGLOOM_PORT", "2222")
    monkeypatch.setenv("RAGLOOM_HOST", "::1")
    monkeypatch.setenv("RAGLOOM_UPLOAD__MAX_FILES", "5")
    monkeypatch.setenv("RAGLOOM_DATA_DIR", str(tmp_path / "env-data"))
    settings = load_settings(config, data_dir=None)
    assert settings.host == "::1"
    assert settings.port == 2222
    assert settings.upload.max_file_size == 10
    assert settings.upload.max_files == 5
    assert settings.data_dir == tmp_path / "env-data"
    assert load_settings(config, port=3333).port == 3333


def test_config_file_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[log]\nlevel = 'debug'\nformat = 'json'\n")
    monkeypatch.setenv("RAGLOOM_CONFIG", str(config))
    assert (load_settings().log.level, load_settings().log.format) == ("DEBUG", "json")


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Configuration file not found"):
        load_settings(tmp_path / "missing.toml")
    with pytest.raises(ValidationError, match="port"):
        load_settings(port=70000)
    bad = tmp_path / "bad.toml"
    bad.write_text("[upload]\nmax_file_size = 0\n")
    with pytest.raises(ValidationError, match="max_file_size"):
        load_settings(bad)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("colour = 'blue'\n")
    with pytest.raises(ValidationError, match="colour"):
        load_settings(unknown)
    scoring = tmp_path / "scoring.toml"
    scoring.write_text("[retrieval]\nscoring = 'fancy'\n")
    with pytest.raises(
        ValidationError, match="retrieval.scoring\n  Input should be 'ragflow', 'bm25' or 'bm25_feedback'"
    ):
        load_settings(scoring)
    assert load_settings().retrieval.scoring == "ragflow"


def test_tenant_address_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    defaults = load_settings(data_dir=tmp_path).models
    assert (defaults.tenant_allow_private_urls, defaults.tenant_allowed_networks) == (False, [])
    config = tmp_path / "ragloom.toml"
    config.write_text('[models]\ntenant_allowed_networks = ["10.8.0.0/16", "fd00:1::/64"]\n')
    monkeypatch.setenv("RAGLOOM_MODELS__TENANT_ALLOW_PRIVATE_URLS", "true")
    models = load_settings(config).models
    assert models.tenant_allow_private_urls is True
    assert [str(network) for network in models.tenant_allowed_networks] == ["10.8.0.0/16", "fd00:1::/64"]
    monkeypatch.setenv("RAGLOOM_MODELS__TENANT_ALLOWED_NETWORKS", '["10.8.0.1/16"]')
    with pytest.raises(ValidationError, match="tenant_allowed_networks"):
        load_settings(config)


def test_limits_come_from_the_environment_and_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "limits.toml"
    config.write_text("[limits]\nmax_json_body_size = 1000\nmax_json_depth = 16\n")
    monkeypatch.setenv("RAGLOOM_LIMITS__MAX_JSON_DEPTH", "32")
    limits = load_settings(config).limits
    assert (limits.max_json_body_size, limits.max_json_depth, limits.max_string_length) == (1000, 32, 4096)


@pytest.mark.parametrize(
    "line",
    [
        "max_json_body_size = 0",
        "max_json_depth = 1000",  # beyond what recursive code survives
        "max_json_items = 40000",  # more bound variables than SQLite takes in one statement
        "max_string_length = 60000",  # a LIKE pattern SQLite refuses
    ],
)
def test_limits_that_cannot_work_are_refused(tmp_path: Path, line: str) -> None:
    config = tmp_path / "limits.toml"
    config.write_text(f"[limits]\n{line}\n")
    with pytest.raises(ValidationError, match=line.split(" ", 1)[0]):
        load_settings(config)


def test_the_readme_documents_every_limit() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for name in LimitSettings.model_fields:
        assert f"`limits.{name}`" in readme, name
        assert f"`RAGLOOM_LIMITS__{name.upper()}`" in readme, name


def test_the_readme_documents_every_enrichment_setting() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for name in EnrichmentSettings.model_fields:
        assert f"`enrichment.{name}`" in readme, name
        assert f"`RAGLOOM_ENRICHMENT__{name.upper()}`" in readme, name


def fields(section: str, model: type[BaseModel]) -> list[str]:
    """``section.field`` for every field of ``model``."""
    return [f"{section}.{name}" for name in model.model_fields]


def undocumented(names: list[str]) -> list[str]:
    """The setting names README.md does not write as `` `name` ``."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    return [name for name in names if f"`{name}`" not in readme]


def test_the_readme_documents_every_storage_setting() -> None:
    names = ["database.backend", "blobs.backend", "index.backend"]
    names += fields("database.sqlite", SqliteDatabaseSettings) + fields("database.postgresql", PostgresDatabaseSettings)
    names += fields("blobs.local", LocalBlobSettings) + fields("blobs.s3", S3BlobSettings)
    names += fields("index.sqlite", SqliteIndexSettings) + fields("index.postgresql", PostgresIndexSettings)
    assert undocumented(names) == []


def test_secrets_of_storage_settings_are_never_shown(tmp_path: Path) -> None:
    config = tmp_path / "ragloom.toml"
    config.write_text(
        '[blobs]\nbackend = "s3"\n[blobs.s3]\nbucket = "b"\naccess_key = "AKIA-visible"\nsecret_key = "s3-hidden"\n'
        '[database.postgresql]\nurl = "postgresql+psycopg://ragloom:pg-hidden@db/ragloom"\n'
        '[index.postgresql]\nurl = "postgresql://ragloom:index-hidden@db/ragloom"\n'
    )
    settings = load_settings(config, data_dir=tmp_path)
    assert settings.blobs.s3.secret_key is not None
    assert settings.blobs.s3.secret_key.get_secret_value() == "s3-hidden"
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert "s3-hidden" not in shown
        assert "pg-hidden" not in shown
        assert "index-hidden" not in shown
    assert "AKIA-visible" in settings.model_dump_json()


def test_the_readme_documents_every_agents_setting() -> None:
    names = [f"agents.{name}" for name in AgentSettings.model_fields if name not in ("search", "sandbox", "databases")]
    names += fields("agents.search", WebSearchSettings) + fields("agents.sandbox", SandboxSettings)
    names += fields("agents.databases[]", AgentDatabase)
    assert undocumented(names) == []


def test_agents_settings_are_off_until_the_operator_configures_them(tmp_path: Path) -> None:
    agents = load_settings(data_dir=tmp_path).agents
    assert agents.sandbox.enabled is False
    assert agents.databases == []
    assert agents.invoke_allow_private_urls is False
    assert not agents.search.searxng_url
    assert agents.search.tavily_api_key is None
    config = tmp_path / "ragloom.toml"
    config.write_text(
        '[[agents.databases]]\nname = "sales"\nurl = "sqlite:///x.db"\n'
        '[[agents.databases]]\nname = "sales"\nurl = "sqlite:///y.db"\n'
    )
    with pytest.raises(ValidationError, match="database names must be unique: sales"):
        load_settings(config)

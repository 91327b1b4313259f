"""The ``ragloom`` command's key management, scriptable from a shell."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ragloom.cli.main import main
from ragloom.services.container import Services
from ragloom.settings import load_settings


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("RAGLOOM_CONFIG", raising=False)
    monkeypatch.setenv("RAGLOOM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RAGLOOM_LOG__LEVEL", "WARNING")
    return tmp_path / "data"


def run(*arguments: str) -> str:
    result = CliRunner().invoke(main, list(arguments), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_create_prints_the_key_alone_and_it_works(data_dir: Path) -> None:
    output = run("apikey", "create")
    assert re.fullmatch(r"ragflow-[A-Za-z0-9_-]{43}\n", output)
    services = Services.build(load_settings(data_dir=data_dir))
    try:
        caller = services.tenants.authenticate(output.strip())
        assert services.tenants.get_tenant(caller.tenant_id)
    finally:
        services.close()


def test_list_and_revoke(data_dir: Path) -> None:
    first = run("apikey", "create", "--label", "laptop").strip()
    run("apikey", "create", "--new-tenant", "--name", "bob")
    listing = run("apikey", "list").splitlines()
    assert len(listing) == 3
    assert "laptop" in listing[1]
    assert first not in "\n".join(listing)
    key_id = listing[1].split("\t")[0]
    result = CliRunner().invoke(main, ["apikey", "revoke", key_id])
    assert result.exit_code == 0
    assert len(run("apikey", "list").splitlines()) == 2


def test_ambiguous_or_wrong_targets_fail_clearly(data_dir: Path) -> None:
    run("apikey", "create", "--new-tenant")
    run("apikey", "create", "--new-tenant")
    result = CliRunner().invoke(main, ["apikey", "create"])
    assert result.exit_code == 1
    assert "Several tenants exist" in result.output
    result = CliRunner().invoke(main, ["apikey", "revoke", "no-such-key"])
    assert result.exit_code == 1
    assert "No API key matches" in result.output
    result = CliRunner().invoke(main, ["apikey", "create", "--tenant", "x", "--new-tenant"])
    assert result.exit_code == 2


def test_wrong_settings_are_named_without_a_traceback(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAGLOOM_PORT", "abc")
    monkeypatch.setenv("RAGLOOM_INDEX__POSTGRESQL__HNSW_M", "1")
    for command in (["serve"], ["worker"], ["apikey", "list"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1, result.output
        assert "port: Input should be a valid integer" in result.output
        assert "index.postgresql.hnsw_m: Input should be greater than or equal to 2 (given '1')" in result.output
        assert "Traceback" not in result.output
        assert not data_dir.exists()  # nothing was started or created
    monkeypatch.delenv("RAGLOOM_PORT")
    monkeypatch.delenv("RAGLOOM_INDEX__POSTGRESQL__HNSW_M")
    broken = tmp_path / "broken.toml"
    broken.write_text("port = \n")
    result = CliRunner().invoke(main, ["serve", "--config", str(broken)])
    assert result.exit_code == 1
    assert "the configuration file is not valid TOML" in result.output

"""What the commands share: the ``--config``/``--data-dir`` options, and settings and services
opened with a one-line error (no traceback) when they cannot be."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from ragloom.errors import RagloomError
from ragloom.logs import configure_logging
from ragloom.services.container import Services
from ragloom.settings import Settings, load_settings

config_option = click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="TOML settings file (default: $RAGLOOM_CONFIG).",
)
data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where ragloom keeps its data (default: $RAGLOOM_DATA_DIR or ~/.local/share/ragloom).",
)


def cli_settings(config: Path | None, **overrides: Any) -> Settings:
    """The settings, or an error naming each setting that is wrong (no traceback)."""
    try:
        return load_settings(config, **overrides)
    except RagloomError as error:
        raise click.ClickException(error.message) from None
    except ValidationError as error:
        raise click.ClickException(settings_problems(error)) from None
    except tomllib.TOMLDecodeError as error:
        raise click.ClickException(f"the configuration file is not valid TOML: {error}") from None


def settings_problems(error: ValidationError) -> str:
    """One line per wrong setting: its dotted name (as in the TOML file), what is wrong and the value given."""
    lines = ["invalid settings:"]
    for problem in error.errors(include_url=False):
        name = ".".join(str(part) for part in problem["loc"]) or "(settings)"
        given = (
            f" (given {problem['input']!r})" if "input" in problem and not isinstance(problem["input"], dict) else ""
        )
        lines.append(f"  {name}: {problem['msg']}{given}")
    return "\n".join(lines)


def build_services(settings: Settings) -> Services:
    """The services, or a one-line error (no traceback) when a store cannot be opened: an unknown
    backend, a bucket refusing the credentials, a missing client library."""
    try:
        return Services.build(settings)
    except RagloomError as error:
        raise click.ClickException(error.message) from None


def open_services(config: Path | None, data_dir: Path | None) -> Services:
    """The services of the data directory, with logging configured."""
    settings = cli_settings(config, data_dir=data_dir)
    configure_logging(settings.log)
    return build_services(settings)

"""What the commands share: the ``--config``/``--data-dir`` options, and settings and services
opened with a one-line error (no traceback) when they cannot be."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

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
    """The settings, or a one-line error."""
    try:
        return load_settings(config, **overrides)
    except RagloomError as error:
        raise click.ClickException(error.message) from None


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

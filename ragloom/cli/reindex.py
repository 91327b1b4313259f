"""``ragloom reindex``: build the PostgreSQL chunk index's HNSW indexes again with the configured graph."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ragloom.cli.options import cli_settings, config_option, data_dir_option
from ragloom.errors import RagloomError
from ragloom.logs import configure_logging


@click.command()
@data_dir_option
@config_option
def reindex(data_dir: Path | None, config: Path | None) -> None:
    """Build the HNSW index of each vector dimension in the PostgreSQL chunk index again, with the
    settings' `index.postgresql.hnsw_m` and `hnsw_ef_construction`. Servers and workers may keep
    running: searches use the old index until the new one replaces it. The embedded index has no
    approximate index to rebuild (it scans exactly)."""
    from ragloom.storage.backends import StorageBackends
    from ragloom.storage.index.postgresql import PostgresChunkIndex

    settings = cli_settings(config, data_dir=data_dir)
    configure_logging(settings.log)
    if settings.index.backend != "postgresql":
        click.echo(f"index.backend is {settings.index.backend!r}: it scans vectors exactly, nothing to rebuild")
        return
    try:
        index = StorageBackends.builtin().index.create(settings.index.backend, settings)
    except RagloomError as error:
        raise click.ClickException(error.message) from None
    try:
        assert isinstance(index, PostgresChunkIndex)
        started = time.perf_counter()
        dimensions = index.rebuild_vector_indexes()
        seconds = time.perf_counter() - started
    finally:
        index.close()
    if not dimensions:
        click.echo("no vectors stored: nothing to rebuild")
        return
    shown = ", ".join(str(dimension) for dimension in dimensions)
    click.echo(f"rebuilt the HNSW index of {shown}-dimension vectors ({index.graph}) in {seconds:.1f} s")

"""``ragloom status``: datasets, documents by state, workers and models, of a server or a data directory."""

from __future__ import annotations

from pathlib import Path

import click

from ragloom.cli.targets import open_target, target_options
from ragloom.client.status import gather_status
from ragloom.errors import RagloomError


@click.command()
@target_options
def status(
    server: str | None, api_key: str | None, tenant_id: str | None, data_dir: Path | None, config: Path | None
) -> None:
    """Show the datasets (documents and chunks), their documents by state, the workers holding
    tasks and the tasks waiting, and the models: the tenant's defaults and all it may use."""
    target = open_target(server, api_key, tenant_id, data_dir, config)
    try:
        report = gather_status(target)
    except RagloomError as error:
        raise click.ClickException(error.message) from None
    finally:
        target.close()
    from rich.console import Console  # drawing is this command's alone: `serve` starts without rich

    from ragloom.cli.status_display import render_status

    console = Console()
    for part in render_status(report):
        console.print(part)

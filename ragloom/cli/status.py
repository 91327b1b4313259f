"""``ragloom status``: datasets, documents by state, workers and models, of a server or a data directory."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console, RenderableType
from rich.table import Table

from ragloom.cli.targets import open_target, target_options
from ragloom.client.status import StatusReport, gather_status
from ragloom.client.target import DocumentRun
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
    console = Console()
    for part in render_status(report):
        console.print(part)


def render_status(report: StatusReport) -> list[RenderableType]:
    """The tables and lines of a status report, in print order."""
    states = list(DocumentRun)
    datasets = Table(title=f"Datasets at {report.where}")
    for heading in ("name", "id", "documents", "chunks", "by state", "embedding model"):
        datasets.add_column(heading, justify="right" if heading in ("documents", "chunks") else "left", overflow="fold")
    for item in report.datasets:
        dataset = item.dataset
        runs = ", ".join(f"{item.runs[state]} {state.value}" for state in states if item.runs.get(state))
        datasets.add_row(
            dataset.name, dataset.id, str(dataset.documents), str(dataset.chunks), runs or "-", dataset.embedding_model
        )
    totals = report.runs_total()
    by_state = ", ".join(f"{totals[state]} {state.value}" for state in states)
    workers: RenderableType = "Workers holding tasks: none"
    if report.workers.leases:
        workers = Table(title="Workers holding tasks")
        for heading in ("worker", "task", "kind", "on", "lease until"):
            workers.add_column(heading)
        for lease in report.workers.leases:
            until = (
                datetime.fromtimestamp(lease.lease_expires_at / 1000, UTC).strftime("%H:%M:%S UTC")
                if lease.lease_expires_at
                else "-"
            )
            workers.add_row(lease.worker, lease.task_id, lease.kind, lease.subject, until)
    queued = "unknown" if report.workers.queued is None else str(report.workers.queued)
    models = Table(title="Models")
    models.add_column("kind")
    models.add_column("default")
    models.add_column("available", overflow="fold")
    defaults = report.models.defaults
    for kind, key in (("chat", "llm_id"), ("embedding", "embd_id"), ("rerank", "rerank_id")):
        models.add_row(kind, defaults.get(key) or "-", ", ".join(report.models.available.get(kind, [])) or "-")
    return [
        datasets,
        f"Documents by state: {by_state}",
        workers,
        f"Tasks queued: {queued} ({report.workers.note})" if report.workers.note else f"Tasks queued: {queued}",
        models,
    ]

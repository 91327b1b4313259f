"""How ``ragloom status`` draws its report: rich tables and lines."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import RenderableType
from rich.table import Table

from ragloom.client.status import StatusReport
from ragloom.client.target import DocumentRun


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

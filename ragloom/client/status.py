"""What ``ragloom status`` shows: datasets with their documents by state, workers and models."""

from __future__ import annotations

from dataclasses import dataclass

from ragloom.client.target import DatasetSummary, DocumentRun, IngestTarget, ModelReport, WorkerReport


@dataclass(frozen=True)
class DatasetStatus:
    """A dataset and how many of its documents are in each state."""

    dataset: DatasetSummary
    runs: dict[DocumentRun, int]


@dataclass(frozen=True)
class StatusReport:
    """Everything ``ragloom status`` prints about one target."""

    where: str
    datasets: list[DatasetStatus]
    workers: WorkerReport
    models: ModelReport

    def runs_total(self) -> dict[DocumentRun, int]:
        """Documents by state over every dataset."""
        totals = dict.fromkeys(DocumentRun, 0)
        for status in self.datasets:
            for state, count in status.runs.items():
                totals[state] += count
        return totals


def gather_status(target: IngestTarget) -> StatusReport:
    """Ask ``target`` for its datasets, their documents' states, its workers and its models."""
    datasets = [DatasetStatus(dataset, target.runs(dataset.id)) for dataset in target.datasets()]
    return StatusReport(target.description, datasets, target.workers(), target.models())

"""Client commands' logic, without a command line: ingesting folders into a dataset and
reading a deployment's status, over HTTP or on a data directory (:mod:`ragloom.client.target`)."""

from ragloom.client.http_target import HttpTarget
from ragloom.client.ingestion import FileOutcome, Ingestion, IngestObserver, IngestOptions, IngestReport
from ragloom.client.local_target import LocalTarget
from ragloom.client.status import StatusReport, gather_status
from ragloom.client.target import DocumentRun, IngestTarget, RemoteDocument
from ragloom.client.walk import FileFilter, FoundFile, SkippedFile, Walk, walk

__all__ = [
    "DocumentRun",
    "FileFilter",
    "FileOutcome",
    "FoundFile",
    "HttpTarget",
    "IngestObserver",
    "IngestOptions",
    "IngestReport",
    "IngestTarget",
    "Ingestion",
    "LocalTarget",
    "RemoteDocument",
    "SkippedFile",
    "StatusReport",
    "Walk",
    "gather_status",
    "walk",
]

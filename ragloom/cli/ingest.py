"""``ragloom ingest PATH… --dataset NAME``: folders into a dataset, resumably, with progress."""

from __future__ import annotations

from pathlib import Path

import click

from ragloom.cli.targets import open_target, sigterm_exits, target_options


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--dataset", "dataset_name", required=True, help="The dataset (created if there is none of that name).")
@click.option("--parse", is_flag=True, help="Parse the documents too, and wait until they are parsed.")
@click.option("--chunk-method", default=None, help="Chunk method of the new documents (and of a new dataset).")
@click.option("--embedding-model", default=None, help="Embedding model of a new dataset (default: the tenant's).")
@click.option("--include", multiple=True, help="Only files matching this glob (repeatable).")
@click.option("--exclude", multiple=True, help="Leave out files matching this glob (repeatable).")
@click.option("--batch", "batch_files", type=click.IntRange(1, 1000), default=32, help="Files per upload request.")
@click.option(
    "--workers", type=click.IntRange(1, 64), default=None, help="Without --server: parse workers to start (default 1)."
)
@target_options
def ingest(
    paths: tuple[Path, ...],
    dataset_name: str,
    parse: bool,
    chunk_method: str | None,
    embedding_model: str | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    batch_files: int,
    workers: int | None,
    server: str | None,
    api_key: str | None,
    tenant_id: str | None,
    data_dir: Path | None,
    config: Path | None,
) -> None:
    """Upload the files under PATHS into a dataset, skipping those whose content it holds already.

    Folders are walked (hidden files, and globs listed in a .ragloomignore, left out); files
    of types ragloom cannot parse are listed as skipped. With --parse the documents are parsed,
    also those an earlier run uploaded but did not get parsed. Run it again after an interruption:
    it goes on where it stopped. Exits with status 1 if any file failed.
    """
    from rich.console import Console

    from ragloom.cli.ingest_display import ProgressDisplay, summary_tables
    from ragloom.client.ingestion import Ingestion, IngestOptions
    from ragloom.client.walk import FileFilter, walk
    from ragloom.errors import RagloomError
    from ragloom.ingest.parsers.registry import PARSERS
    from ragloom.services.file_types import extension_of

    found = walk(list(paths), FileFilter(lambda name: extension_of(name) in PARSERS, tuple(include), tuple(exclude)))
    console = Console()
    options = IngestOptions(
        dataset=dataset_name,
        parse=parse,
        chunk_method=chunk_method,
        embedding_model=embedding_model,
        batch_files=batch_files,
    )
    target = open_target(server, api_key, tenant_id, data_dir, config, workers=workers)
    try:
        console.print(f"Ingesting into dataset {dataset_name!r} at {target.description}", markup=False)
        with sigterm_exits(), ProgressDisplay(console) as display:
            report = Ingestion(target, options, display).run(found)
    except RagloomError as error:
        raise click.ClickException(error.message) from None
    finally:
        target.close()
    for table in summary_tables(report, parsing=parse):
        console.print(table)
    if parse:
        console.print(report.throughput_line(), markup=False)
        console.print(
            f"(parse time from the first document taken up to the last finished; the whole run took "
            f"{report.total_seconds:.1f} s, uploading {report.upload_seconds:.1f} s)",
            markup=False,
        )
    else:
        console.print(report.upload_line(), markup=False)
    if not report.ok:
        raise click.exceptions.Exit(1)

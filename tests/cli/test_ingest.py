"""``ragloom ingest`` on a data directory: options, failures and the summary in-process; killed
part-way through 200 files and run again, as a real process."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ragloom.cli.main import main
from ragloom.services.container import Services
from ragloom.services.documents import DocumentListing, run_word
from ragloom.services.tenants import Caller
from ragloom.settings import load_settings
from tests.cli.ingest_support import (
    USE_MODEL,
    assert_ingested_once_and_parsed,
    cli_env,
    kill_after_uploads,
    run_to_the_end,
    throughput,
    write_corpus,
    write_leftovers,
)


def stored_documents(data_dir: Path, dataset_name: str) -> list[dict[str, object]]:
    """The dataset's documents as the HTTP API lists them (the fields the checks need)."""
    services = Services.build(load_settings(data_dir=data_dir, models={"isolate": False}))
    try:
        tenant = services.tenants.acting_tenant()
        caller = Caller(tenant.id, "")
        dataset = next(view.record for view in services.datasets.list_page(caller, _named(dataset_name))[0])
        views = services.documents.list_page(caller, dataset.id, DocumentListing(page=0, page_size=0))[0]
    finally:
        services.close()
    return [
        {
            "name": view.record.name,
            "run": run_word(view.record.run),
            "chunk_count": view.record.chunk_count,
            "meta_fields": view.record.meta_fields,
        }
        for view in views
    ]


def _named(name: str):  # type: ignore[no-untyped-def]
    from ragloom.services.datasets import DatasetListing

    return DatasetListing(name=name)


def test_server_and_data_directory_options_exclude_each_other(tmp_path: Path) -> None:
    runner = CliRunner()
    no_key = runner.invoke(main, ["ingest", str(tmp_path), "--dataset", "d", "--server", "http://x"], env={})
    assert no_key.exit_code == 2
    assert "--server needs --api-key" in no_key.output
    no_server = runner.invoke(main, ["ingest", str(tmp_path), "--dataset", "d", "--api-key", "k"])
    assert no_server.exit_code == 2
    assert "--api-key is for --server" in no_server.output


def test_an_upload_only_run_reports_skips_and_failures_then_resumes(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    relatives = write_corpus(docs, 12, binaries=0)
    write_leftovers(docs)
    (docs / "big.txt").write_text("x" * 5000, encoding="utf-8")
    data_dir = tmp_path / "data"
    arguments = ["ingest", str(docs), "--dataset", "notes", "--data-dir", str(data_dir), "--batch", "5"]
    runner = CliRunner()
    env = {"RAGLOOM_UPLOAD__MAX_FILE_SIZE": "4000", "RAGLOOM_LOG__LEVEL": "WARNING"}

    first = runner.invoke(main, arguments, env=env)
    assert first.exit_code == 1, first.output
    assert first.exception is None or isinstance(first.exception, SystemExit)
    assert "Traceback" not in first.output
    assert "│ docs/big.txt │ upload │ File big.txt is 5000 bytes, over the limit of 4000" in first.output
    assert "docs/archive.xyz │ unsupported file type .xyz" in first.output
    assert "docs/empty.txt   │ empty file" in first.output
    assert "[upload 13/13] " in first.output
    assert "Uploaded 12 files" in first.output
    assert len(stored_documents(data_dir, "notes")) == 12

    (docs / "big.txt").unlink()
    second = runner.invoke(main, arguments, env=env)
    assert second.exit_code == 0, second.output
    assert "│ already uploaded           │ 12 │" in second.output
    assert "Uploaded 0 files" in second.output
    documents = stored_documents(data_dir, "notes")
    assert sorted(str(document["meta_fields"]["ingest_path"]) for document in documents) == sorted(relatives)  # type: ignore[index]

    status = runner.invoke(main, ["status", "--data-dir", str(data_dir)], env=env)
    assert status.exit_code == 0, status.output
    assert "12 UNSTART" in status.output
    assert "Documents by state: 12 UNSTART, 0 RUNNING, 0 CANCEL, 0 DONE, 0 FAIL" in status.output
    assert "Workers holding tasks: none" in status.output
    assert "│ embedding │ multilingual-e5-small@Builtin │" in status.output  # the default


@pytest.mark.slow
def test_killed_part_way_then_run_again_every_file_is_one_parsed_document(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    relatives = write_corpus(docs, 200)
    data_dir = tmp_path / "data"
    arguments = [
        "ingest", str(docs), "--dataset", "kill", "--parse", "--embedding-model", USE_MODEL,
        "--data-dir", str(data_dir), "--batch", "10",
    ]  # fmt: skip
    env = cli_env()
    kill_after_uploads(arguments, env, uploaded=60)
    partial = stored_documents(data_dir, "kill")
    assert 60 <= len(partial) < 200

    output = run_to_the_end(arguments, env)
    assert_ingested_once_and_parsed(stored_documents(data_dir, "kill"), relatives)  # type: ignore[arg-type]
    parsed, chunks = throughput(output)
    assert 200 - len(partial) <= parsed <= 200
    assert chunks >= parsed

"""How the PostgreSQL index builds its HNSW graphs: the configured ``m`` and ``ef_construction``, an
index built with other options kept (with a warning) until ``rebuild_vector_indexes`` replaces it, and
bulk loads that build the graph once at the end."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import psycopg
import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from ragloom.cli.main import main
from ragloom.settings import load_settings
from ragloom.storage.index import ChunkRecord, postgresql_match
from ragloom.storage.index.backends import postgres_chunk_index
from ragloom.storage.index.postgresql import PostgresChunkIndex
from ragloom.storage.index.postgresql_connections import libpq_url
from ragloom.storage.index.postgresql_schema import HnswGraph
from ragloom.storage.index.protocol import DeferredVectorIndexes
from ragloom.testing.chunk_index import chunk

pytestmark = pytest.mark.integration

INDEX = "index_record_embedding_8"


def records(count: int = 120) -> list[ChunkRecord]:
    generator = np.random.default_rng(5)
    vectors = generator.normal(size=(count, 8))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return [chunk(f"v{number}", "text", vector=list(vector)) for number, vector in enumerate(vectors)]


def index_options(url: str) -> list[tuple[str, list[str] | None]]:
    """Every HNSW index on ``index_record``: name and reloptions."""
    with psycopg.connect(libpq_url(url)) as connection:
        rows = connection.execute(
            "SELECT c.relname, c.reloptions FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam WHERE i.indrelid = to_regclass('index_record') AND a.amname = 'hnsw' "
            "AND i.indisvalid ORDER BY c.relname"
        ).fetchall()
    return [(name, options) for name, options in rows]


def nearest(index: PostgresChunkIndex, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setattr(postgresql_match, "EXACT_SCAN_LIMIT", 10)  # 120 vectors count as many: HNSW is used
    query = np.ones(8, dtype=np.float32)
    return [hit.chunk_id for hit in index.search_vector(["ds1"], query, limit=5)]


def test_the_configured_graph_is_what_postgresql_builds(postgres_url: str, tmp_path: Path) -> None:
    defaults = load_settings(data_dir=tmp_path).index.postgresql
    assert HnswGraph(defaults.hnsw_m, defaults.hnsw_ef_construction) == HnswGraph()  # one default
    settings = load_settings(
        data_dir=tmp_path,
        index={"backend": "postgresql", "postgresql": {"url": postgres_url, "hnsw_m": 12, "hnsw_ef_construction": 40}},
    )
    index = postgres_chunk_index(settings)
    assert isinstance(index, PostgresChunkIndex)
    try:
        assert index.graph == HnswGraph(12, 40)
        index.upsert(records())
        index.wait_for_vector_indexes(60)
    finally:
        index.close()
    assert index_options(postgres_url) == [(INDEX, ["m=12", "ef_construction=40"])]


def test_graph_settings_pgvector_would_refuse_are_refused_on_load(tmp_path: Path) -> None:
    for section in ({"hnsw_m": 1}, {"hnsw_m": 101}, {"hnsw_ef_construction": 1001}, {"hnsw_m": 60}):
        with pytest.raises(ValidationError, match="hnsw_"):
            load_settings(data_dir=tmp_path, index={"postgresql": section})  # the last: ef_construction < 2 m
    with pytest.raises(ValueError, match="at least 2 \\* m"):
        HnswGraph(40, 64)


def test_an_index_built_otherwise_is_kept_with_a_warning_until_rebuilt(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    first = PostgresChunkIndex(postgres_url, build_vector_indexes=False)
    try:
        first.upsert(records())
        with psycopg.connect(libpq_url(postgres_url), autocommit=True) as connection:  # as ragloom built it before
            connection.execute(
                f"CREATE INDEX {INDEX} ON index_record USING hnsw ((embedding::vector(8)) vector_ip_ops) "
                "WHERE dimension = 8"
            )
        before = nearest(first, monkeypatch)
    finally:
        first.close()
    assert index_options(postgres_url) == [(INDEX, None)]  # pgvector's defaults: m 16, ef_construction 64

    with caplog.at_level(logging.WARNING, logger="ragloom.storage.index.postgresql_vectors"):
        denser = PostgresChunkIndex(postgres_url, graph=HnswGraph(24, 96))
    try:
        assert "built with m 16, ef_construction 64; the settings ask for m 24, ef_construction 96" in caplog.text
        denser.upsert([chunk("late", "text", vector=[1.0] * 8)])  # writes go into the old graph meanwhile
        denser.wait_for_vector_indexes(60)
        assert index_options(postgres_url) == [(INDEX, None)]
        with psycopg.connect(libpq_url(postgres_url), autocommit=True) as connection:  # a failed rebuild's leftover
            connection.execute(
                f"CREATE INDEX {INDEX}_new ON index_record USING hnsw ((embedding::vector(8)) vector_ip_ops) "
                "WHERE dimension = 8"
            )
        with caplog.at_level(logging.WARNING, logger="ragloom.storage.index.postgresql_vectors"):
            PostgresChunkIndex(postgres_url, graph=HnswGraph(24, 96)).close()  # opens beside the leftover
        assert denser.rebuild_vector_indexes() == [8]
        assert index_options(postgres_url) == [(INDEX, ["m=24", "ef_construction=96"])]
        assert nearest(denser, monkeypatch) == ["late", *before[:4]]
    finally:
        denser.close()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="ragloom.storage.index.postgresql_vectors"):
        PostgresChunkIndex(postgres_url, graph=HnswGraph(24, 96)).close()
    assert caplog.text == ""


@pytest.mark.parametrize("deferred", ["on open", "later"])
def test_a_bulk_load_builds_the_graph_once_at_the_end(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, deferred: str
) -> None:
    index = PostgresChunkIndex(postgres_url, build_vector_indexes=deferred != "on open")
    try:
        if deferred == "later":
            assert isinstance(index, DeferredVectorIndexes)  # what `ragloom copy` looks for
            index.defer_vector_indexes()
        index.upsert(records())
        index.wait_for_vector_indexes(60)
        assert index_options(postgres_url) == []
        exact = nearest(index, monkeypatch)  # no HNSW index yet: an exact scan
        assert index.rebuild_vector_indexes() == [8]
        assert index_options(postgres_url) == [(INDEX, ["m=24", "ef_construction=96"])]
        assert nearest(index, monkeypatch) == exact
        index.upsert([chunk("wide", "text", vector=[1.0] * 12)])  # a new dimension gets its index again
        index.wait_for_vector_indexes(60)
        assert [name for name, _ in index_options(postgres_url)] == ["index_record_embedding_12", INDEX]
    finally:
        index.close()


def test_ragloom_reindex_rebuilds_with_the_settings(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAGLOOM_CONFIG", raising=False)
    monkeypatch.setenv("RAGLOOM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RAGLOOM_LOG__LEVEL", "ERROR")
    result = CliRunner().invoke(main, ["reindex"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "it scans vectors exactly, nothing to rebuild" in result.output

    monkeypatch.setenv("RAGLOOM_INDEX__BACKEND", "postgresql")
    monkeypatch.setenv("RAGLOOM_INDEX__POSTGRESQL__URL", postgres_url)
    result = CliRunner().invoke(main, ["reindex"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "no vectors stored" in result.output

    index = PostgresChunkIndex(postgres_url)
    try:
        index.upsert(records())
        index.wait_for_vector_indexes(60)
    finally:
        index.close()
    monkeypatch.setenv("RAGLOOM_INDEX__POSTGRESQL__HNSW_M", "20")
    monkeypatch.setenv("RAGLOOM_INDEX__POSTGRESQL__HNSW_EF_CONSTRUCTION", "80")
    result = CliRunner().invoke(main, ["reindex"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "rebuilt the HNSW index of 8-dimension vectors (m 20, ef_construction 80)" in result.output
    assert index_options(postgres_url) == [(INDEX, ["m=20", "ef_construction=80"])]

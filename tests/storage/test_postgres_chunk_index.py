"""The PostgreSQL + pgvector chunk index passes the conformance suite on a real server, and reports
the same facts and rankings as the embedded SQLite index for the same data."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psycopg
import pytest
from pydantic import ValidationError

from ragloom.settings import load_settings
from ragloom.storage.index import ChunkIndex, ChunkRecord, Matches, SqliteChunkIndex, postgresql_match
from ragloom.storage.index.backends import postgres_chunk_index
from ragloom.storage.index.postgresql import PostgresChunkIndex
from ragloom.storage.index.postgresql_connections import libpq_url
from ragloom.storage.index.postgresql_match import Scope
from ragloom.testing.chunk_index import ANALYZER, ChunkIndexConformance, chunk
from tests.postgres_server import PostgresServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="class")
def shared_index(postgres_server: PostgresServer) -> Iterator[PostgresChunkIndex]:
    """One index (and database) for a whole test class; :func:`empty_index` empties it for each test."""
    index = PostgresChunkIndex(postgres_server.create_database())
    yield index
    index.close()


@pytest.fixture
def empty_index(shared_index: PostgresChunkIndex) -> PostgresChunkIndex:
    """``shared_index`` with no records (its tables emptied: far quicker than a new database per test)."""
    shared_index.wait_for_vector_indexes(60)  # a build in progress and TRUNCATE would wait on each other
    url = shared_index.url
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        connection.execute("TRUNCATE index_record, index_word_total RESTART IDENTITY")
    return shared_index


class TestPostgresChunkIndex(ChunkIndexConformance):
    @pytest.fixture
    def chunk_index(self, empty_index: PostgresChunkIndex) -> PostgresChunkIndex:
        return empty_index


# ---- the same data through both backends ------------------------------------------------------

VOCABULARY = (
    "machine learning models retrieval engines rank chunks of text by terms and vectors; pandas eat bamboo "
    "while rivers flow to the sea. PostgreSQL stores rows, SQLite stores files, e-mail and 3.14 are words too. "
    "北京大学的知识库检索系统 支持中文 分词 和 向量 检索"
).split()


def corpus(seed: int = 7) -> list[ChunkRecord]:
    """Chunks of random sentences over a small vocabulary (so terms repeat), some with titles,
    keywords and questions, in two datasets and three documents; random unit vectors of 16 dimensions."""
    generator = np.random.default_rng(seed)
    records = []
    for number in range(240):
        text = " ".join(generator.choice(VOCABULARY, size=int(generator.integers(3, 30))))
        vector = generator.normal(size=16).astype(np.float32)
        extra: dict[str, object] = {}
        if number % 7 == 0:
            extra["important_terms"] = ANALYZER.joined(" ".join(generator.choice(VOCABULARY, size=2)))
        if number % 11 == 0:
            extra["question_terms"] = ANALYZER.joined("what do pandas eat")
        if number % 5 == 0:
            extra["title_terms"] = ANALYZER.joined("retrieval engines")
        records.append(
            chunk(
                f"c{number:03d}",
                text,
                dataset_id="ds1" if number % 4 else "ds2",
                document_id=f"doc{number % 3}",
                order=number,
                vector=list(vector / np.linalg.norm(vector)),
                available=number % 13 != 0,
                **extra,
            )
        )
    return records


@pytest.fixture(scope="module")
def both(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ChunkIndex, ChunkIndex]]:
    embedded = SqliteChunkIndex(tmp_path_factory.mktemp("parity") / "index.sqlite")
    scaled = PostgresChunkIndex(postgres_server.create_database())
    records = corpus()
    for index in (embedded, scaled):
        index.upsert(records)
    yield embedded, scaled
    embedded.close()
    scaled.close()


QUERIES = [
    ANALYZER.terms("machine learning retrieval"),
    ["machin learn", "retriev"],
    ANALYZER.terms("pandas eat bamboo"),
    ANALYZER.terms("知识库 检索 中文"),
    ["北京"],
    ["e-mail", "3.14"],
    ["nothing", "here"],
]


def facts(matches: Matches) -> dict[tuple[str, str], tuple[list[bool], str, str]]:
    return {
        (dataset, chunk_id): (hits.tolist(), document, parent)
        for dataset, chunk_id, hits, document, parent in zip(
            matches.dataset_ids,
            matches.chunk_ids,
            matches.term_hits,
            matches.document_ids,
            matches.parent_ids,
            strict=True,
        )
    }


def similarities(matches: Matches) -> dict[tuple[str, str], float]:
    return {
        (dataset, chunk_id): float(similarity)
        for dataset, chunk_id, similarity in zip(
            matches.dataset_ids, matches.chunk_ids, matches.vector_similarity, strict=True
        )
    }


@pytest.mark.parametrize("terms", QUERIES)
def test_match_reports_the_same_facts_as_the_embedded_index(
    both: tuple[ChunkIndex, ChunkIndex], terms: list[str]
) -> None:
    embedded, scaled = both
    query = np.random.default_rng(len(terms)).normal(size=16).astype(np.float32)
    for datasets, documents, top_k in (
        (["ds1", "ds2"], (), 1000),
        (["ds1"], ["doc1", "doc2"], 1000),
        (["ds2", "ds1"], (), 7),
    ):
        vector = query if top_k == 7 else None if terms == QUERIES[0] else query
        expected = embedded.match(datasets, terms if top_k > 7 else [], vector, document_ids=documents, top_k=top_k)
        found = scaled.match(datasets, terms if top_k > 7 else [], vector, document_ids=documents, top_k=top_k)
        assert found.eligible == expected.eligible
        assert found.document_frequency.tolist() == expected.document_frequency.tolist()
        assert found.chunk_ids == expected.chunk_ids  # the same candidates, in the same order
        assert facts(found) == facts(expected)
        wanted = similarities(expected)
        assert similarities(found) == pytest.approx(wanted, abs=1e-6)


@pytest.mark.parametrize("terms", QUERIES)
def test_search_text_ranks_as_the_embedded_index(both: tuple[ChunkIndex, ChunkIndex], terms: list[str]) -> None:
    embedded, scaled = both
    for datasets, documents in ((["ds1", "ds2"], ()), (["ds1"], ["doc0"])):
        expected = embedded.search_text(datasets, terms, document_ids=documents)
        found = scaled.search_text(datasets, terms, document_ids=documents)
        assert [hit.chunk_id for hit in found] == [hit.chunk_id for hit in expected]
        assert [hit.score for hit in found] == pytest.approx([hit.score for hit in expected], rel=1e-9)
        limited = scaled.search_text(datasets, terms, document_ids=documents, limit=5)
        assert [hit.chunk_id for hit in limited] == [hit.chunk_id for hit in expected[:5]]


def test_search_vector_ranks_as_the_embedded_index(both: tuple[ChunkIndex, ChunkIndex]) -> None:
    embedded, scaled = both
    for seed in range(5):
        query = np.random.default_rng(100 + seed).normal(size=16).astype(np.float32)
        for datasets, documents, limit in ((["ds1", "ds2"], (), 1024), (["ds1"], ["doc2"], 10), (["ds2"], (), 3)):
            expected = embedded.search_vector(datasets, query, document_ids=documents, limit=limit)
            found = scaled.search_vector(datasets, query, document_ids=documents, limit=limit)
            assert [(hit.dataset_id, hit.chunk_id) for hit in found] == [
                (hit.dataset_id, hit.chunk_id) for hit in expected
            ]
            assert [hit.score for hit in found] == pytest.approx([hit.score for hit in expected], abs=1e-6)


# ---- PostgreSQL's own ---------------------------------------------------------------------------


def test_large_scopes_use_the_dimensions_hnsw_index_and_find_the_same_nearest(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = PostgresChunkIndex(postgres_url)
    try:
        generator = np.random.default_rng(3)
        vectors = generator.normal(size=(300, 8))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        records = [chunk(f"v{number}", "text", vector=list(vector)) for number, vector in enumerate(vectors)]
        index.upsert(records)
        index.wait_for_vector_indexes(60)
        with psycopg.connect(libpq_url(postgres_url)) as connection:
            valid = connection.execute(
                "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('index_record_embedding_8')"
            ).fetchone()
        assert valid == (True,)
        query = generator.normal(size=8).astype(np.float32)
        exact = index.search_vector(["ds1"], query, limit=10)
        monkeypatch.setattr(postgresql_match, "EXACT_SCAN_LIMIT", 10)  # 300 vectors now count as many
        approximate = index.search_vector(["ds1"], query, limit=10)
        assert [hit.chunk_id for hit in approximate] == [hit.chunk_id for hit in exact]
        assert [hit.score for hit in approximate] == pytest.approx([hit.score for hit in exact], abs=1e-6)
    finally:
        index.close()


def test_processes_opening_a_new_database_at_once_create_the_schema_once(postgres_url: str) -> None:
    opened: list[PostgresChunkIndex] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_index() -> None:
        try:
            start.wait()
            opened.append(PostgresChunkIndex(postgres_url))
        except BaseException as error:  # re-raised below
            errors.append(error)

    threads = [threading.Thread(target=open_index) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    opened[0].upsert([chunk("a", "shared words", vector=[1.0, 0.0])])
    assert [hit.chunk_id for hit in opened[1].search_vector(["ds1"], np.asarray([1.0, 0.0], dtype=np.float32))] == ["a"]
    for index in opened:
        index.close()


def _counts(url: str) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    """The non-zero rows of both count tables, and what counting the records afresh gives."""
    with psycopg.connect(libpq_url(url)) as connection:
        kept = set(connection.execute("SELECT * FROM index_term_count WHERE records <> 0").fetchall())
        kept |= {
            ("dimension", *row) for row in connection.execute("SELECT * FROM index_record_count WHERE records <> 0")
        }
        fresh = set(
            connection.execute(
                "SELECT dataset_id, kind, lexeme, count(*) FROM index_record, unnest(words) "
                "WHERE available GROUP BY 1, 2, 3"
            ).fetchall()
        )
        fresh |= {
            ("dimension", *row)
            for row in connection.execute(
                "SELECT dataset_id, kind, dimension, count(*) FROM index_record WHERE available GROUP BY 1, 2, 3"
            )
        }
    return kept, fresh


def test_word_counts_follow_every_write(postgres_url: str) -> None:
    index = PostgresChunkIndex(postgres_url)
    try:
        records = corpus()
        steps = [
            lambda: index.upsert(records),
            lambda: index.upsert([*records[:5], chunk("c001", "pandas rivers", dataset_id="ds1"), records[7]]),
            lambda: index.set_available("ds1", False, document_id="doc1"),
            lambda: index.set_available("ds1", True, chunk_ids=["c005", "c006"]),
            lambda: index.rename_document("ds1", "doc2", "new name", ANALYZER.joined("bamboo rivers")),
            lambda: index.replace_tag("ds1", "nothing", "else"),
            lambda: index.delete("ds1", chunk_ids=["c002", "c003"]),
            lambda: index.delete("ds1", document_ids=["doc0"]),
            lambda: index.delete_datasets(["ds2"]),
        ]
        for step in steps:
            step()
            kept, fresh = _counts(postgres_url)
            assert kept == fresh
    finally:
        index.close()


@pytest.mark.parametrize("first_postings", [1, 8])
def test_text_candidates_are_the_top_k_by_weight(
    both: tuple[ChunkIndex, ChunkIndex], monkeypatch: pytest.MonkeyPatch, first_postings: int
) -> None:
    from ragloom.storage.index import postgresql_terms
    from ragloom.storage.index.candidates import term_weights

    monkeypatch.setattr(postgresql_terms, "FIRST_POSTINGS", first_postings)
    _embedded, scaled = both
    for terms in QUERIES:
        every = scaled.match(["ds1", "ds2"], terms, None, top_k=1000)
        weights = term_weights(every.eligible, every.document_frequency)
        score = dict(zip(zip(every.dataset_ids, every.chunk_ids, strict=True), every.term_hits @ weights, strict=True))
        ranked = sorted(score.values(), reverse=True)
        for top_k in (1, 5, 20):
            found = scaled.match(["ds1", "ds2"], terms, None, top_k=top_k)
            assert len(found.chunk_ids) == min(top_k, len(ranked))
            if ranked:
                kept = [score[key] for key in zip(found.dataset_ids, found.chunk_ids, strict=True)]
                assert min(kept) >= ranked[len(kept) - 1] - 1e-9


class _BeamSeen:
    """A connection that notes PostgreSQL's ``hnsw.ef_search`` when the nearest-neighbour query runs."""

    def __init__(self, connection: psycopg.Connection[object]) -> None:
        self.connection = connection
        self.beams: list[str] = []

    def execute(self, query: str, parameters: object = None) -> object:
        if query.startswith("SELECT rowid"):
            row = self.connection.execute("SELECT current_setting('hnsw.ef_search')").fetchone()
            self.beams.append(str(row[0]) if row else "")
        return self.connection.execute(query, parameters)  # type: ignore[arg-type]


def test_the_configured_hnsw_beam_is_what_postgresql_searches_with(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(data_dir=tmp_path, index={"backend": "postgresql", "postgresql": {"url": postgres_url}})
    assert settings.index.postgresql.hnsw_ef_search == postgresql_match.EF_SEARCH  # one default
    configured = load_settings(
        data_dir=tmp_path,
        index={"backend": "postgresql", "postgresql": {"url": postgres_url, "hnsw_ef_search": 37}},
    )
    index = postgres_chunk_index(configured)
    assert isinstance(index, PostgresChunkIndex)
    try:
        assert index.ef_search == 37
        index.upsert([chunk(f"v{n}", "text", vector=[float(np.cos(n / 20)), float(np.sin(n / 20))]) for n in range(30)])
        index.wait_for_vector_indexes(60)
        monkeypatch.setattr(postgresql_match, "EXACT_SCAN_LIMIT", 10)  # 30 vectors now count as many
        query = np.asarray([1.0, 0.0], dtype=np.float32)
        with psycopg.connect(libpq_url(postgres_url)) as connection, connection.transaction():
            seen = _BeamSeen(connection)
            postgresql_match.nearest(seen, Scope(["ds1"]), query, 5, candidates=30, ef_search=index.ef_search)  # type: ignore[arg-type]
        assert seen.beams == ["37"]
        assert [hit.chunk_id for hit in index.search_vector(["ds1"], query, limit=3)] == ["v0", "v1", "v2"]
    finally:
        index.close()
    with pytest.raises(ValidationError):
        load_settings(data_dir=tmp_path, index={"postgresql": {"hnsw_ef_search": 5}})

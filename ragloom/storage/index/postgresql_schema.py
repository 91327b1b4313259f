"""The PostgreSQL index's tables, created on open, and its per-dimension HNSW indexes.

Tables (prefixed ``index_`` so they can share the metadata database):

- ``index_record``: one row per record (chunk, memory message, graph record) with the columns of
  :data:`~ragloom.storage.index.rows.COLUMNS`, the ``words`` tsvector and ``word_counts`` of
  :mod:`~ragloom.storage.index.postgresql_text`, and ``embedding`` (pgvector's ``vector`` with no
  fixed dimension) beside its ``dimension`` (0: none).
- ``index_word_total``: per dataset, how many rows and words it holds, kept by a trigger; summed,
  the whole index's statistics for BM25.
- ``index_term_count`` and ``index_record_count``: per dataset and record kind, how many *available*
  records contain each word, and how many there are of each vector dimension (0: none), kept by
  statement-level triggers (:data:`_COUNTS`) in the writing transaction, so ``match`` reads how common
  a word is, and how many records a query may see, with one index lookup instead of counting
  matching rows (which grows with the index). Every writer that changes them holds its datasets'
  ``index_word_total`` rows (locked in key order), so concurrent writers queue per dataset instead
  of deadlocking on word rows; ``TRUNCATE index_record`` empties them too.
- ``index_schema_version``: one row, the schema's version.

``words`` is stored ``MAIN``: inline in the row (compressed if that pays), moved to the TOAST table only
when the row would not fit a page. Left ``EXTENDED`` (the default) a tsvector of a few hundred words
went out of line, and every ``@@`` on a row read it back from TOAST again — once per query term.

Every filter a read or delete uses is a B-tree prefix: ``(dataset_id, id)`` (unique),
``(dataset_id, document_id, ord, id)``, ``(dataset_id, parent_id)``, ``(dataset_id, kind, available,
dimension)`` and the messages' ``(dataset_id, kind, valid_at, message_id, message_size)``; the
words have a GIN index.

Vectors: HNSW needs a fixed dimension, so each dimension in use gets its own partial expression
index, ``hnsw ((embedding::vector(384)) vector_ip_ops) WHERE dimension = 384``, created (concurrently,
so writers are not blocked) the first time vectors of that dimension are written
(:mod:`~ragloom.storage.index.postgresql_vectors`). pgvector's HNSW
takes at most 2,000 dimensions; larger vectors are only ever scanned exactly.

Opening creates what is missing in one transaction under ``pg_advisory_xact_lock``, so processes
starting together neither race nor fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg

from ragloom.errors import StorageError
from ragloom.storage.index.postgresql_connections import Connection, ConnectionPool

SCHEMA_VERSION = 2
HNSW_MAX_DIMENSION = 2_000
_SCHEMA_LOCK = "ragloom.index.schema"
_VECTOR_INDEX_LOCK = "ragloom.index.vectors"
_VECTOR_INDEX_WAIT = "60s"
_PGVECTOR_M, _PGVECTOR_EF_CONSTRUCTION = 16, 64  # what pgvector builds with when told nothing
HNSW_M = 24
"""Links per vector in each HNSW graph layer (pgvector's ``m``; the setting ``index.postgresql.hnsw_m``).
At a million clustered 384-dimension vectors (``benchmarks/scale.py --bulk``, beam 400) pgvector's
defaults, m 16 and ef_construction 64, found 0.970 of the exact top ten; m 24 and ef_construction 96
found 0.995 for a build 1.7 times as long (586 s against 347 s); m 32 and 128 found 0.999 in 808 s."""
HNSW_EF_CONSTRUCTION = 96
"""Candidates kept while linking a vector into the HNSW graph (pgvector's ``ef_construction``; the
setting ``index.postgresql.hnsw_ef_construction``); see :data:`HNSW_M`."""

_TABLES = """
CREATE TABLE IF NOT EXISTS index_schema_version (version integer NOT NULL);
CREATE TABLE IF NOT EXISTS index_record (
    rowid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text COLLATE "C" NOT NULL,
    dataset_id text COLLATE "C" NOT NULL,
    document_id text COLLATE "C" NOT NULL,
    document_name text NOT NULL,
    content text NOT NULL,
    ord bigint NOT NULL,
    available boolean NOT NULL,
    content_terms text NOT NULL,
    content_fine_terms text NOT NULL,
    title_terms text NOT NULL,
    important_terms text NOT NULL,
    question_terms text NOT NULL,
    important_keywords text NOT NULL,
    questions text NOT NULL,
    tag_keywords text NOT NULL,
    tag_features text NOT NULL,
    positions text NOT NULL,
    image_id text NOT NULL,
    doc_type text NOT NULL,
    parent_id text COLLATE "C" NOT NULL,
    token_count bigint NOT NULL,
    created_at double precision NOT NULL,
    extra text NOT NULL,
    kind text COLLATE "C" NOT NULL,
    message_id bigint,
    message_type text COLLATE "C",
    message_source bigint,
    message_agent text COLLATE "C",
    message_session text COLLATE "C",
    message_user text COLLATE "C",
    valid_at double precision,
    invalid_at double precision,
    forget_at double precision,
    message_size bigint NOT NULL DEFAULT 0,
    graph_fields text,
    words tsvector NOT NULL,
    word_counts integer[] NOT NULL,
    word_count integer NOT NULL,
    dimension integer NOT NULL DEFAULT 0,
    embedding vector,
    UNIQUE (dataset_id, id)
);
CREATE INDEX IF NOT EXISTS index_record_document ON index_record (dataset_id, document_id, ord, id);
CREATE INDEX IF NOT EXISTS index_record_parent ON index_record (dataset_id, parent_id) WHERE parent_id <> '';
CREATE INDEX IF NOT EXISTS index_record_scope ON index_record (dataset_id, kind, available, dimension);
CREATE INDEX IF NOT EXISTS index_record_message
    ON index_record (dataset_id, kind, valid_at, message_id, message_size);
CREATE INDEX IF NOT EXISTS index_record_words ON index_record USING gin (words);
CREATE TABLE IF NOT EXISTS index_word_total (
    dataset_id text COLLATE "C" PRIMARY KEY,
    records bigint NOT NULL,
    words bigint NOT NULL
);
CREATE OR REPLACE FUNCTION index_record_word_total() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE index_word_total SET records = records - 1, words = words - OLD.word_count
        WHERE dataset_id = OLD.dataset_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO index_word_total AS total (dataset_id, records, words)
        VALUES (NEW.dataset_id, 1, NEW.word_count)
        ON CONFLICT (dataset_id) DO UPDATE SET records = total.records + 1, words = total.words + EXCLUDED.words;
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER index_record_word_total
    AFTER INSERT OR DELETE OR UPDATE OF word_count, dataset_id ON index_record
    FOR EACH ROW EXECUTE FUNCTION index_record_word_total();
ALTER TABLE index_record ALTER COLUMN words SET STORAGE MAIN;
CREATE TABLE IF NOT EXISTS index_term_count (
    dataset_id text COLLATE "C" NOT NULL,
    kind text COLLATE "C" NOT NULL,
    term text COLLATE "C" NOT NULL,
    records bigint NOT NULL,
    PRIMARY KEY (dataset_id, kind, term)
);
CREATE TABLE IF NOT EXISTS index_record_count (
    dataset_id text COLLATE "C" NOT NULL,
    kind text COLLATE "C" NOT NULL,
    dimension integer NOT NULL,
    records bigint NOT NULL,
    PRIMARY KEY (dataset_id, kind, dimension)
);
"""

_CHANGED = (
    "o.available <> n.available OR o.dataset_id <> n.dataset_id OR o.kind <> n.kind "
    "OR o.dimension <> n.dimension OR o.words <> n.words"
)
_DELTAS = {
    "INSERT": "SELECT dataset_id, kind, dimension, words, 1 AS change FROM added WHERE available",
    "DELETE": "SELECT dataset_id, kind, dimension, words, -1 AS change FROM removed WHERE available",
    "UPDATE": (
        "SELECT n.dataset_id, n.kind, n.dimension, n.words, 1 AS change FROM removed o JOIN added n USING (rowid) "
        f"WHERE n.available AND ({_CHANGED}) UNION ALL "
        "SELECT o.dataset_id, o.kind, o.dimension, o.words, -1 FROM removed o JOIN added n USING (rowid) "
        f"WHERE o.available AND ({_CHANGED})"
    ),
}


def _apply(delta: str) -> str:
    """One statement adding the changes of ``delta`` (rows of dataset, kind, dimension, words, ±1) to both
    count tables, in key order."""
    return f"""
        WITH delta AS MATERIALIZED ({delta}),
        terms AS (
            INSERT INTO index_term_count AS counted (dataset_id, kind, term, records)
            SELECT dataset_id, kind, lexeme, sum(change) FROM delta, unnest(words)
            GROUP BY 1, 2, 3 HAVING sum(change) <> 0 ORDER BY 1, 2, 3
            ON CONFLICT (dataset_id, kind, term) DO UPDATE SET records = counted.records + EXCLUDED.records
        )
        INSERT INTO index_record_count AS counted (dataset_id, kind, dimension, records)
        SELECT dataset_id, kind, dimension, sum(change) FROM delta
        GROUP BY 1, 2, 3 HAVING sum(change) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (dataset_id, kind, dimension) DO UPDATE SET records = counted.records + EXCLUDED.records;"""


_COUNTS = f"""
CREATE OR REPLACE FUNCTION index_record_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {_apply(_DELTAS["INSERT"])}
    ELSIF TG_OP = 'DELETE' THEN {_apply(_DELTAS["DELETE"])}
    ELSIF TG_OP = 'UPDATE' THEN {_apply(_DELTAS["UPDATE"])}
    ELSE
        DELETE FROM index_term_count;
        DELETE FROM index_record_count;
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER index_record_counts_insert AFTER INSERT ON index_record
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION index_record_counts();
CREATE OR REPLACE TRIGGER index_record_counts_update AFTER UPDATE ON index_record
    REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION index_record_counts();
CREATE OR REPLACE TRIGGER index_record_counts_delete AFTER DELETE ON index_record
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION index_record_counts();
CREATE OR REPLACE TRIGGER index_record_counts_truncate AFTER TRUNCATE ON index_record
    FOR EACH STATEMENT EXECUTE FUNCTION index_record_counts();
"""
_RECOUNT = (
    "LOCK TABLE index_record IN SHARE MODE",
    "DELETE FROM index_term_count",
    "DELETE FROM index_record_count",
    "INSERT INTO index_term_count (dataset_id, kind, term, records) "
    "SELECT dataset_id, kind, lexeme, count(*) FROM index_record, unnest(words) WHERE available GROUP BY 1, 2, 3",
    "INSERT INTO index_record_count (dataset_id, kind, dimension, records) "
    "SELECT dataset_id, kind, dimension, count(*) FROM index_record WHERE available GROUP BY 1, 2, 3",
)


def create_schema(pool: ConnectionPool) -> None:
    """Create the tables if they are missing (once, whichever process gets there first)."""
    with pool.transaction() as connection:
        connection.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_SCHEMA_LOCK,))
        if connection.execute("SELECT to_regclass('index_schema_version')").fetchone() == (None,):
            _create(connection)
            return
        row = connection.execute("SELECT max(version) FROM index_schema_version").fetchone()
        version = int(row[0]) if row and row[0] is not None else 0
        if version > SCHEMA_VERSION:
            raise StorageError(
                f"the chunk index's schema is version {version}, newer than this ragloom knows ({SCHEMA_VERSION})"
            )
        if version < SCHEMA_VERSION:
            _create(connection)


def _create(connection: Connection) -> None:
    if connection.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone() is None:
        try:
            with connection.transaction():
                connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except psycopg.Error as error:
            raise StorageError(
                "the chunk index needs the pgvector extension: install it on the server and run "
                f"CREATE EXTENSION vector in this database as a superuser ({error})"
            ) from error
    connection.execute(_TABLES)
    connection.execute(_COUNTS)
    # Version 1 had no counts: count what is there (writers wait; the triggers keep them from now on).
    # Rows written before ``words`` was MAIN keep it out of line until they are written again.
    for statement in _RECOUNT:
        connection.execute(statement)
    connection.execute("DELETE FROM index_schema_version")
    connection.execute("INSERT INTO index_schema_version (version) VALUES (%s)", (SCHEMA_VERSION,))


def vector_index_name(dimension: int) -> str:
    return f"index_record_embedding_{int(dimension)}"


@dataclass(frozen=True)
class HnswGraph:
    """How an HNSW index's graph is built (pgvector's ``m`` and ``ef_construction``): each vector's
    links per layer, and the candidates kept while choosing them. Denser graphs find more of the exact
    nearest neighbours at a given search beam and cost more to build and to insert into."""

    m: int = HNSW_M
    ef_construction: int = HNSW_EF_CONSTRUCTION

    def __post_init__(self) -> None:
        if not 2 <= self.m <= 100 or not 4 <= self.ef_construction <= 1000:
            raise ValueError(
                f"HNSW m must be 2-100 and ef_construction 4-1000, not {self.m} and {self.ef_construction}"
            )
        if self.ef_construction < 2 * self.m:
            raise ValueError(f"HNSW ef_construction ({self.ef_construction}) must be at least 2 * m ({2 * self.m})")

    def __str__(self) -> str:
        return f"m {self.m}, ef_construction {self.ef_construction}"

    def ddl(self, name: str, dimension: int) -> str:
        """``CREATE INDEX CONCURRENTLY`` of the partial HNSW index of ``dimension`` named ``name``."""
        return (
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON index_record "
            f"USING hnsw ((embedding::vector({int(dimension)})) vector_ip_ops) "
            f"WITH (m = {int(self.m)}, ef_construction = {int(self.ef_construction)}) "
            f"WHERE dimension = {int(dimension)}"
        )


def vector_index_graphs(pool: ConnectionPool) -> dict[int, HnswGraph]:
    """Each dimension's valid HNSW index and the graph options it was built with (pgvector's defaults,
    m 16 and ef_construction 64, when it was created without any)."""
    with pool.connection() as connection:
        rows = connection.execute(
            "SELECT c.relname, coalesce(c.reloptions, '{}') FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = to_regclass('index_record') AND i.indisvalid AND c.relname ~ %s",
            ("^index_record_embedding_[0-9]+$",),
        ).fetchall()
    graphs = {}
    for name, options in rows:
        values = dict(option.split("=", 1) for option in options)
        graphs[int(name.rsplit("_", 1)[1])] = HnswGraph(
            int(values.get("m", _PGVECTOR_M)), int(values.get("ef_construction", _PGVECTOR_EF_CONSTRUCTION))
        )
    return graphs


@contextmanager
def _vector_index_lock(pool: ConnectionPool) -> Iterator[Connection]:
    """A connection holding the advisory lock of HNSW builds, its waits for other transactions bounded."""
    with pool.connection() as connection:
        # Bounds CONCURRENTLY's waits for other transactions (the caller tries again later); reset below.
        connection.execute(f"SET lock_timeout = '{_VECTOR_INDEX_WAIT}'")
        connection.execute("SELECT pg_advisory_lock(hashtext(%s))", (_VECTOR_INDEX_LOCK,))
        try:
            yield connection
        finally:
            connection.execute("SELECT pg_advisory_unlock(hashtext(%s))", (_VECTOR_INDEX_LOCK,))
            connection.execute("RESET lock_timeout")


def create_vector_index(pool: ConnectionPool, dimension: int, graph: HnswGraph) -> None:
    """Build the HNSW index of ``dimension`` with ``graph``'s options if it has none (an invalid one, left
    by a failed build, is built again). Concurrently: writers go on meanwhile; one process builds, the
    others wait for it. Raises ``psycopg.errors.LockNotAvailable`` when other transactions stay open too
    long."""
    if not 0 < dimension <= HNSW_MAX_DIMENSION:
        return
    name = vector_index_name(dimension)
    with _vector_index_lock(pool) as connection:
        row = connection.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", (name,))
        state = row.fetchone()
        if state is not None and state[0]:
            return
        if state is not None:
            connection.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        connection.execute(graph.ddl(name, dimension))


def rebuild_vector_index(pool: ConnectionPool, dimension: int, graph: HnswGraph) -> None:
    """Build the HNSW index of ``dimension`` again with ``graph``'s options (or for the first time). The
    new index is built beside the old one, concurrently, and takes its name once valid: searches use the
    old one until then, writers go on. Raises as :func:`create_vector_index` does."""
    if not 0 < dimension <= HNSW_MAX_DIMENSION:
        return
    name = vector_index_name(dimension)
    new = f"{name}_new"
    with _vector_index_lock(pool) as connection:
        connection.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {new}")  # left by a rebuild that failed
        connection.execute(graph.ddl(new, dimension))
        connection.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        connection.execute(f"ALTER INDEX {new} RENAME TO {name}")

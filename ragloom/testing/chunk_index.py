"""Conformance tests every :class:`~ragloom.storage.index.ChunkIndex` backend must pass.

Subclass and provide a ``chunk_index`` fixture yielding an empty index::

    class TestMyIndex(ChunkIndexConformance):
        @pytest.fixture
        def chunk_index(self): ...

Tests of an optional ability skip only when the backend does not declare it.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from ragloom.storage.index import Capability, ChunkIndex
from ragloom.testing.index_export import ExportConformance
from ragloom.testing.index_graph import GraphConformance
from ragloom.testing.index_messages import MessageConformance
from ragloom.testing.index_records import ANALYZER, chunk, unit

__all__ = ["ANALYZER", "ChunkIndexConformance", "chunk", "unit"]


class ChunkIndexConformance(MessageConformance, GraphConformance, ExportConformance):
    """The semantics stated in the :mod:`ragloom.storage.index.protocol` docstring, as tests
    (those of memory messages in :class:`~ragloom.testing.index_messages.MessageConformance`, of
    knowledge graphs in :class:`~ragloom.testing.index_graph.GraphConformance`)."""

    # ---- storage ---------------------------------------------------------------------------

    def test_is_a_chunk_index(self, chunk_index: ChunkIndex) -> None:
        assert isinstance(chunk_index, ChunkIndex)

    def test_round_trip_keeps_every_field(self, chunk_index: ChunkIndex) -> None:
        original = chunk(
            "c1",
            "Alpha beta",
            vector=unit(1, 0, 0),
            important_keywords=["k1"],
            questions=["what is alpha?"],
            tag_keywords=["t"],
            tag_features={"t": 1.5},
            positions=[[1, 10, 200, 30, 60]],
            image_id="img",
            doc_type="table",
            token_count=7,
            created_at=123.5,
            extra={"fields": {"a": 1}},
        )
        chunk_index.upsert([original])
        stored = chunk_index.get("ds1", "c1", with_vector=True)
        assert stored is not None
        assert stored.vector is not None
        assert np.allclose(stored.vector, original.vector)  # type: ignore[arg-type]
        stored.vector = original.vector = None
        assert stored == original
        assert chunk_index.get("ds1", "c1") == original

    def test_upsert_replaces_and_keys_are_per_dataset(self, chunk_index: ChunkIndex) -> None:
        chunk_index.upsert([chunk("c1", "first"), chunk("c1", "other dataset", dataset_id="ds2")])
        chunk_index.upsert([chunk("c1", "second")])
        first = chunk_index.get("ds1", "c1")
        other = chunk_index.get("ds2", "c1")
        assert first is not None
        assert other is not None
        assert (first.content, other.content) == ("second", "other dataset")
        assert chunk_index.get("ds3", "c1") is None

    def test_fetch_returns_those_that_exist(self, chunk_index: ChunkIndex) -> None:
        chunk_index.upsert([chunk("a", "x"), chunk("b", "y"), chunk("c", "z", dataset_id="ds2")])
        assert sorted(record.id for record in chunk_index.fetch("ds1", ["a", "b", "c", "nope"])) == ["a", "b"]

    def test_page_lists_in_document_order_without_children(self, chunk_index: ChunkIndex) -> None:
        chunk_index.upsert(
            [
                chunk("z", "third", order=2),
                chunk("y", "first", order=0),
                chunk("x", "second", order=1),
                chunk("child", "piece", order=0, parent_id="y"),
                chunk("elsewhere", "other doc", document_id="doc2"),
            ]
        )
        records, total = chunk_index.page("ds1", "doc1")
        assert [record.id for record in records] == ["y", "x", "z"]
        assert total == 3
        records, total = chunk_index.page("ds1", "doc1", offset=1, limit=1)
        assert ([record.id for record in records], total) == (["x"], 3)

    def test_page_filters_by_terms_and_availability(self, chunk_index: ChunkIndex) -> None:
        self.require(chunk_index, Capability.FULL_TEXT)
        chunk_index.upsert(
            [chunk("a", "Retrieval engines", order=0), chunk("b", "Cooking pasta", order=1, available=False)]
        )
        assert [r.id for r in chunk_index.page("ds1", "doc1", terms=ANALYZER.terms("retrieval"))[0]] == ["a"]
        assert [r.id for r in chunk_index.page("ds1", "doc1", available=False)[0]] == ["b"]
        assert [r.id for r in chunk_index.page("ds1", "doc1", available=True)[0]] == ["a"]

    def test_availability_switches(self, chunk_index: ChunkIndex) -> None:
        chunk_index.upsert([chunk("a", "one"), chunk("b", "two"), chunk("c", "three", document_id="doc2")])
        assert chunk_index.set_available("ds1", False, chunk_ids=["a"]) == 1
        assert chunk_index.set_available("ds1", False, document_id="doc2") == 1
        states = {record.id: record.available for record in chunk_index.fetch("ds1", ["a", "b", "c"])}
        assert states == {"a": False, "b": True, "c": False}
        assert chunk_index.set_available("ds2", True, chunk_ids=["a"]) == 0

    def test_delete_by_ids_takes_children_and_counts_listed_chunks(self, chunk_index: ChunkIndex) -> None:
        chunk_index.upsert([chunk("p", "parent"), chunk("k", "kid", parent_id="p"), chunk("q", "other")])
        assert chunk_index.delete("ds2", chunk_ids=["p"]) == 0
        assert chunk_index.delete("ds1", chunk_ids=["p", "missing"]) == 1
        assert chunk_index.fetch("ds1", ["p", "k", "q"])[0].id == "q"
        assert len(chunk_index.fetch("ds1", ["p", "k", "q"])) == 1

    def test_delete_by_document_and_dataset(self, chunk_index: ChunkIndex) -> None:
        chunk_index.upsert([chunk("a", "x"), chunk("b", "y", document_id="doc2"), chunk("c", "z", dataset_id="ds2")])
        assert chunk_index.delete("ds1", document_ids=["doc1"]) == 1
        assert chunk_index.page("ds1", "doc1") == ([], 0)
        assert chunk_index.page("ds1", "doc2")[1] == 1
        assert chunk_index.delete_datasets(["ds1"]) == 1
        assert chunk_index.page("ds1", "doc2") == ([], 0)
        assert chunk_index.get("ds2", "c") is not None

    def test_renaming_a_document_updates_its_chunks(self, chunk_index: ChunkIndex) -> None:
        chunk_index.upsert([chunk("a", "x"), chunk("b", "y", document_id="doc2")])
        chunk_index.rename_document("ds1", "doc1", "new.txt", "new")
        renamed, other = chunk_index.get("ds1", "a"), chunk_index.get("ds1", "b")
        assert renamed is not None
        assert other is not None
        assert (renamed.document_name, renamed.title_terms) == ("new.txt", "new")
        assert other.document_name == "doc2.txt"

    def test_document_names_are_what_the_chunks_carry_renamed_at_once(self, chunk_index: ChunkIndex) -> None:
        chunk_index.upsert(
            [
                chunk("a", "x"),
                chunk("b", "y"),
                chunk("k", "z", parent_id="a"),
                chunk("c", "w", document_id="doc2"),
                chunk("d", "v", dataset_id="ds2", document_id="doc3"),
            ]
        )
        assert chunk_index.document_names("ds1", ["doc1", "doc2", "doc3", "missing"]) == {
            "doc1": "doc1.txt",
            "doc2": "doc2.txt",
        }
        chunk_index.rename_document("ds1", "doc1", "new.txt", "new")
        assert chunk_index.document_names("ds1", ["doc1", "doc1"]) == {"doc1": "new.txt"}
        assert chunk_index.document_names("ds2", ["doc3", "doc1"]) == {"doc3": "doc3.txt"}
        assert chunk_index.document_names("ds1", []) == {}

    def test_document_stats_count_listed_chunks(self, chunk_index: ChunkIndex) -> None:
        chunk_index.upsert(
            [
                chunk("a", "x", token_count=5),
                chunk("b", "y", token_count=7),
                chunk("k", "z", parent_id="a", token_count=3),
            ]
        )
        stats = chunk_index.document_stats("ds1", "doc1")
        assert (stats.chunk_count, stats.token_count) == (2, 12)
        assert chunk_index.document_stats("ds1", "none").chunk_count == 0

    def test_concurrent_writers_lose_nothing(self, chunk_index: ChunkIndex) -> None:
        def write(thread: int) -> None:
            for number in range(20):
                chunk_index.upsert([chunk(f"{thread}-{number}", f"text {thread} {number}", order=number)])

        threads = [threading.Thread(target=write, args=(thread,)) for thread in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert chunk_index.document_stats("ds1", "doc1").chunk_count == 120

    # ---- tags ------------------------------------------------------------------------------

    def test_tags_are_counted_over_listed_chunks_of_the_datasets(self, chunk_index: ChunkIndex) -> None:
        chunk_index.upsert(
            [
                chunk("a", "x", tag_keywords=["fruit", "red"]),
                chunk("b", "y", tag_keywords=["fruit"], available=False),
                chunk("k", "z", parent_id="a", tag_keywords=["fruit"]),
                chunk("c", "w", dataset_id="ds2", tag_keywords=["red", "blue"]),
                chunk("d", "v", dataset_id="ds3", tag_keywords=["fruit"]),
            ]
        )
        assert chunk_index.tag_counts(["ds1"]) == [("fruit", 2), ("red", 1)]
        assert chunk_index.tag_counts(["ds1", "ds2"]) == [("fruit", 2), ("red", 2), ("blue", 1)]
        assert chunk_index.tag_counts([]) == []
        assert chunk_index.tag_counts(["none"]) == []

    def test_replacing_a_tag_rewrites_every_chunk_carrying_it(self, chunk_index: ChunkIndex) -> None:
        chunk_index.upsert(
            [
                chunk("a", "x", tag_keywords=["old", "keep"]),
                chunk("b", "y", tag_keywords=["new", "old"], available=False),
                chunk("k", "z", parent_id="a", tag_keywords=["old"]),
                chunk("c", "w", tag_keywords=["keep"]),
                chunk("a", "v", dataset_id="ds2", tag_keywords=["old"]),
            ]
        )
        assert chunk_index.replace_tag("ds1", "old", "new") == 3
        tags = {record.id: record.tag_keywords for record in chunk_index.fetch("ds1", ["a", "b", "k", "c"])}
        assert tags == {"a": ["new", "keep"], "b": ["new"], "k": ["new"], "c": ["keep"]}
        other = chunk_index.get("ds2", "a")
        assert other is not None
        assert other.tag_keywords == ["old"]
        assert chunk_index.replace_tag("ds1", "absent", "new") == 0

    def test_removing_tags_leaves_the_rest_of_each_chunk(self, chunk_index: ChunkIndex) -> None:
        original = chunk("a", "Alpha beta", tag_keywords=["one", "two", "three"], tag_features={"one": 2.0})
        chunk_index.upsert([original, chunk("b", "y", tag_keywords=["three"]), chunk("c", "z", dataset_id="ds2")])
        assert chunk_index.remove_tags("ds1", ["one", "three", "missing"]) == 2
        stored = chunk_index.get("ds1", "a")
        assert stored is not None
        assert stored.tag_keywords == ["two"]
        original.tag_keywords = ["two"]
        original.vector = None
        assert stored == original
        assert chunk_index.tag_counts(["ds1"]) == [("two", 1)]
        assert chunk_index.remove_tags("ds1", []) == 0

    # ---- full text -------------------------------------------------------------------------

    def test_full_text_matches_any_term_and_scopes(self, chunk_index: ChunkIndex) -> None:
        self.require(chunk_index, Capability.FULL_TEXT)
        chunk_index.upsert(
            [
                chunk("a", "The retrieval engine ranks chunks"),
                chunk("b", "Chunks of text", document_id="doc2"),
                chunk("c", "Nothing relevant"),
                chunk("d", "retrieval elsewhere", dataset_id="ds2"),
                chunk("e", "retrieval but switched off", available=False),
                *[chunk(f"filler{n}", f"unrelated sentence number {n} about gardens") for n in range(20)],
            ]
        )
        hits = chunk_index.search_text(["ds1"], ANALYZER.terms("retrieval chunks"))
        assert {hit.chunk_id for hit in hits} == {"a", "b"}
        assert hits[0].chunk_id == "a"
        assert all(hit.dataset_id == "ds1" for hit in hits)
        only_doc2 = chunk_index.search_text(["ds1"], ANALYZER.terms("chunks"), document_ids=["doc2"])
        assert [hit.chunk_id for hit in only_doc2] == ["b"]
        assert chunk_index.search_text(["ds1"], []) == []
        assert len(chunk_index.search_text(["ds1", "ds2"], ANALYZER.terms("retrieval"), limit=1)) == 1

    def test_keywords_and_questions_outweigh_content(self, chunk_index: ChunkIndex) -> None:
        self.require(chunk_index, Capability.FULL_TEXT)
        chunk_index.upsert(
            [
                chunk("content", "pandas eat bamboo and pandas sleep; pandas"),
                chunk("keyword", "an animal", important_terms=ANALYZER.joined("pandas")),
                chunk("question", "they live in China", question_terms=ANALYZER.joined("where do pandas live")),
            ]
        )
        ranked = [hit.chunk_id for hit in chunk_index.search_text(["ds1"], ANALYZER.terms("pandas"))]
        assert ranked.index("keyword") < ranked.index("content")
        assert ranked.index("question") < ranked.index("content")

    def test_chinese_terms_match_without_spaces(self, chunk_index: ChunkIndex) -> None:
        self.require(chunk_index, Capability.FULL_TEXT)
        chunk_index.upsert([chunk("zh", "北京大学的知识库检索系统"), chunk("en", "knowledge base")])
        hits = chunk_index.search_text(["ds1"], ANALYZER.terms("知识库"))
        assert [hit.chunk_id for hit in hits] == ["zh"]
        fine = chunk_index.search_text(["ds1"], ["北京"])
        assert [hit.chunk_id for hit in fine] == ["zh"]

    def test_terms_with_quotes_and_operators_are_literal(self, chunk_index: ChunkIndex) -> None:
        self.require(chunk_index, Capability.FULL_TEXT)
        chunk_index.upsert([chunk("a", "AND OR NOT near")])
        assert [hit.chunk_id for hit in chunk_index.search_text(["ds1"], ['"', "OR", "near*", "NOT"])] == ["a"]

    # ---- vectors ---------------------------------------------------------------------------

    def test_vector_search_ranks_by_cosine(self, chunk_index: ChunkIndex) -> None:
        self.require(chunk_index, Capability.VECTOR)
        chunk_index.upsert(
            [
                chunk("x", "x", vector=unit(1, 0, 0)),
                chunk("xy", "xy", vector=unit(1, 1, 0)),
                chunk("y", "y", vector=unit(0, 1, 0), document_id="doc2"),
                chunk("off", "off", vector=unit(1, 0, 0), available=False),
                chunk("novector", "none"),
            ]
        )
        hits = chunk_index.search_vector(["ds1"], np.asarray(unit(1, 0.1, 0), dtype=np.float32))
        assert [hit.chunk_id for hit in hits] == ["x", "xy", "y"]
        assert hits[0].score == pytest.approx(float(np.dot(unit(1, 0.1, 0), unit(1, 0, 0))), abs=1e-5)
        limited = chunk_index.search_vector(["ds1"], np.asarray(unit(0, 1, 0), dtype=np.float32), limit=1)
        assert [hit.chunk_id for hit in limited] == ["y"]
        filtered = chunk_index.search_vector(
            ["ds1"], np.asarray(unit(0, 1, 0), dtype=np.float32), document_ids=["doc1"]
        )
        assert [hit.chunk_id for hit in filtered] == ["xy", "x"]

    def test_vector_search_sees_writes_at_once(self, chunk_index: ChunkIndex) -> None:
        self.require(chunk_index, Capability.VECTOR)
        query = np.asarray(unit(0, 0, 1), dtype=np.float32)
        chunk_index.upsert([chunk("a", "a", vector=unit(1, 0, 0))])
        assert [hit.chunk_id for hit in chunk_index.search_vector(["ds1"], query)] == ["a"]
        chunk_index.upsert([chunk("b", "b", vector=unit(0, 0, 1))])
        assert chunk_index.search_vector(["ds1"], query)[0].chunk_id == "b"
        chunk_index.set_available("ds1", False, chunk_ids=["b"])
        assert [hit.chunk_id for hit in chunk_index.search_vector(["ds1"], query)] == ["a"]
        chunk_index.delete("ds1", chunk_ids=["a"])
        assert chunk_index.search_vector(["ds1"], query) == []

    def test_vector_search_spans_datasets_and_skips_other_dimensions(self, chunk_index: ChunkIndex) -> None:
        self.require(chunk_index, Capability.VECTOR)
        chunk_index.upsert(
            [
                chunk("a", "a", vector=unit(1, 0, 0)),
                chunk("b", "b", dataset_id="ds2", vector=unit(0.9, 0.1, 0)),
                chunk("c", "c", dataset_id="ds3", vector=unit(1, 0, 0, 0)),
            ]
        )
        hits = chunk_index.search_vector(["ds1", "ds2", "ds3"], np.asarray(unit(1, 0, 0), dtype=np.float32))
        assert [(hit.dataset_id, hit.chunk_id) for hit in hits] == [("ds1", "a"), ("ds2", "b")]

    # ---- match (the retrieval primitive) ---------------------------------------------------

    def test_match_reports_term_hits_frequencies_and_cosines(self, chunk_index: ChunkIndex) -> None:
        self.require(chunk_index, Capability.VECTOR)
        self.require(chunk_index, Capability.FULL_TEXT)
        chunk_index.upsert(
            [
                chunk("a", "pandas eat bamboo", vector=unit(1, 0, 0)),
                chunk("b", "bamboo grows fast", vector=unit(0.5, 1, 0)),
                chunk("c", "rivers flow", vector=unit(0, 0, 1)),
                chunk("d", "pandas sleep", vector=unit(1, 1, 0), available=False),
            ]
        )
        terms = ["panda", "bamboo"]
        query = np.asarray(unit(1, 0, 0), dtype=np.float32)
        assert chunk_index.match(["ds1"], terms, query, top_k=1).chunk_ids == ["a"]
        matches = chunk_index.match(["ds1"], terms, query, top_k=2)
        assert matches.eligible == 3
        assert matches.document_frequency.tolist() == [1, 2]
        found = {
            chunk_id: (hits.tolist(), round(float(similarity), 4))
            for chunk_id, hits, similarity in zip(
                matches.chunk_ids, matches.term_hits, matches.vector_similarity, strict=True
            )
        }
        assert found == {
            "a": ([True, True], 1.0),
            "b": ([False, True], round(float(np.dot(unit(0.5, 1, 0), unit(1, 0, 0))), 4)),
        }
        assert matches.dataset_ids == ["ds1", "ds1"]
        assert sorted(matches.document_ids) == ["doc1", "doc1"]

    def test_match_counts_terms_and_content_length_when_asked(self, chunk_index: ChunkIndex) -> None:
        self.require(chunk_index, Capability.VECTOR)
        self.require(chunk_index, Capability.FULL_TEXT)
        chunk_index.upsert(
            [
                chunk(
                    "a",
                    "pandas eat bamboo while pandas sleep",
                    vector=unit(0, 1, 0),
                    important_terms=ANALYZER.joined("pandas"),
                ),
                chunk("b", "bamboo grows fast", vector=unit(0, 1, 1)),
                chunk("c", "rivers flow", vector=unit(1, 0, 0)),
            ]
        )
        terms = [*ANALYZER.terms("panda bamboo"), " ".join(ANALYZER.terms("pandas eat"))]
        query = np.asarray(unit(1, 0, 0), dtype=np.float32)
        assert chunk_index.match(["ds1"], terms, query).term_counts is None
        matches = chunk_index.match(["ds1"], terms, query, counts=True)
        assert matches.term_counts is not None
        assert matches.lengths is not None
        found = {
            chunk_id: (counts.tolist(), int(length))
            for chunk_id, counts, length in zip(matches.chunk_ids, matches.term_counts, matches.lengths, strict=True)
        }
        # content, important keywords and the adjacent pair; the length is the content's words;
        # "c" (found by its vector) holds no term: zeros
        assert found == {"a": ([3, 1, 1], 6), "b": ([0, 1, 0], 3), "c": ([0, 0, 0], 0)}

    def test_match_takes_the_top_k_nearest_even_without_terms(self, chunk_index: ChunkIndex) -> None:
        self.require(chunk_index, Capability.VECTOR)
        chunk_index.upsert([chunk(f"v{n}", f"text {n}", vector=unit(1, n / 10, 0)) for n in range(10)])
        matches = chunk_index.match(["ds1"], [], np.asarray(unit(1, 0, 0), dtype=np.float32), top_k=3)
        assert sorted(matches.chunk_ids) == ["v0", "v1", "v2"]
        assert matches.term_hits.shape == (3, 0)

    def test_match_filters_documents_and_datasets(self, chunk_index: ChunkIndex) -> None:
        self.require(chunk_index, Capability.FULL_TEXT)
        chunk_index.upsert(
            [
                chunk("a", "alpha beta", document_id="d1"),
                chunk("b", "alpha gamma", document_id="d2"),
                chunk("c", "alpha delta", dataset_id="ds2", document_id="d3"),
            ]
        )
        only_d2 = chunk_index.match(["ds1"], ["alpha"], None, document_ids=["d2"])
        assert (only_d2.chunk_ids, only_d2.eligible, only_d2.document_frequency.tolist()) == (["b"], 1, [1])
        both = chunk_index.match(["ds1", "ds2"], ["alpha"], None)
        assert sorted(zip(both.dataset_ids, both.chunk_ids, strict=True)) == [("ds1", "a"), ("ds1", "b"), ("ds2", "c")]
        assert chunk_index.match(["ds3"], ["alpha"], None).chunk_ids == []

    def test_match_phrases_need_adjacent_terms(self, chunk_index: ChunkIndex) -> None:
        self.require(chunk_index, Capability.FULL_TEXT)
        chunk_index.upsert([chunk("a", "machine learning models"), chunk("b", "learning about machine tools")])
        matches = chunk_index.match(["ds1"], ["machin learn"], None)
        assert matches.chunk_ids == ["a"]

    def test_match_includes_children_with_their_parent(self, chunk_index: ChunkIndex) -> None:
        self.require(chunk_index, Capability.FULL_TEXT)
        chunk_index.upsert([chunk("p", "whole section"), chunk("k", "a small piece", parent_id="p")])
        matches = chunk_index.match(["ds1"], [ANALYZER.terms("piece")[0]], None)
        assert (matches.chunk_ids, matches.parent_ids) == (["k"], ["p"])

    def test_match_sees_additions_and_rewrites_at_once(self, chunk_index: ChunkIndex) -> None:
        self.require(chunk_index, Capability.FULL_TEXT)
        chunk_index.upsert([chunk("a", "first words")])
        assert chunk_index.match(["ds1"], ["word"], None).chunk_ids == ["a"]
        chunk_index.upsert([chunk("b", "more words")])
        assert sorted(chunk_index.match(["ds1"], ["word"], None).chunk_ids) == ["a", "b"]
        chunk_index.upsert([chunk("a", "first sentences")])
        assert chunk_index.match(["ds1"], ["word"], None).chunk_ids == ["b"]
        chunk_index.set_available("ds1", False, chunk_ids=["b"])
        assert chunk_index.match(["ds1"], ["word"], None).chunk_ids == []
        chunk_index.delete("ds1", chunk_ids=["a"])
        assert chunk_index.match(["ds1"], ["sentenc"], None).eligible == 0

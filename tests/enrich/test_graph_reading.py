"""Reading extraction answers leniently, and PageRank without scipy."""

from __future__ import annotations

import networkx as nx
import pytest

from ragloom.enrich.errors import UnreadableReplyError
from ragloom.enrich.graph.extraction import read_answer
from ragloom.enrich.graph.merge import pagerank


def test_other_spellings_are_read() -> None:
    answer = (
        'Here you go: {"nodes": [{"entity_name": "Ada", "entity_type": "Person", "desc": "a mathematician"}], '
        '"relationships": [{"src": "Ada", "tgt": "Babbage", "relation": "worked with", "keywords": "engine, notes", '
        '"strength": 42}]}'
    )
    assert read_answer(answer) == {
        "entities": [{"name": "Ada", "type": "person", "description": "a mathematician"}],
        "relations": [
            {
                "source": "Ada",
                "target": "Babbage",
                "description": "worked with",
                "keywords": ["engine", "notes"],
                "weight": 10.0,
            }
        ],
    }


def test_an_answer_cut_off_keeps_its_complete_items() -> None:
    cut = (
        '```json\n{"entities": [{"name": "A", "type": "p", "description": "say \\"hi\\" {x}"}], '
        '"relations": [{"source": "A", "target": "B", "description": "r", "weight": 3}, {"source": "A", "tar'
    )
    assert read_answer(cut) == {
        "entities": [{"name": "A", "type": "p", "description": 'say "hi" {x}'}],
        "relations": [{"source": "A", "target": "B", "description": "r", "keywords": [], "weight": 3.0}],
    }


def test_an_answer_without_entities_is_unreadable() -> None:
    with pytest.raises(UnreadableReplyError, match="not JSON"):
        read_answer("I cannot find any entities.")
    with pytest.raises(UnreadableReplyError, match="without entities"):
        read_answer('{"answer": 42}')


def test_pagerank_ranks_the_hub_first_and_sums_to_one() -> None:
    graph = nx.Graph()
    graph.add_edge("hub", "a", weight=1.0)
    graph.add_edge("hub", "b", weight=1.0)
    graph.add_edge("hub", "c", weight=5.0)
    graph.add_node("alone")
    ranks = pagerank(graph)
    assert max(ranks, key=lambda node: ranks[node]) == "hub"
    assert ranks["c"] > ranks["a"] == pytest.approx(ranks["b"])
    assert sum(ranks.values()) == pytest.approx(1.0)
    assert pagerank(nx.Graph()) == {}

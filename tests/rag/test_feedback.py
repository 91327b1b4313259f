"""Pseudo-relevance feedback (:mod:`ragloom.rag.feedback`) against values computed by hand."""

import numpy as np
import pytest

from ragloom.rag import bm25, feedback
from ragloom.rag.query import QueryTerms, TermKind
from tests.rag.test_bm25 import counted

NOISE = frozenset({"the", "of"})
# P(w|R) before scaling: flow 1*2/4 = 0.5, lift 1*1/4 + 0.5*1/2 = 0.5, drag 0.5*1/2 = 0.25 ("the" is noise
# but counts in |D|)
CHUNKS = [(["flow", "lift", "flow", "the"], 1.0), (["lift", "drag"], 0.5)]
QUESTION = QueryTerms(["flow", "speed", "flow speed"], [TermKind.WORD, TermKind.WORD, TermKind.PHRASE], {2: (0, 1)})


def test_the_relevance_model_weighs_words_by_share_and_first_pass_score() -> None:
    model = feedback.relevance_model(CHUNKS, NOISE, 3)
    assert [word for word, _ in model] == ["flow", "lift", "drag"]
    assert [probability for _, probability in model] == pytest.approx([0.4, 0.4, 0.2])
    # the best two (a tie broken by the word), scaled to sum 1
    assert feedback.relevance_model(CHUNKS, NOISE, 2) == [("flow", 0.5), ("lift", 0.5)]


def test_noise_single_characters_numbers_and_unscored_chunks_never_expand() -> None:
    chunks = [(["the", "of", "q", "1990", "wing"], 1.0), (["flutter"], 0.0), ([], 1.0)]
    assert feedback.relevance_model(chunks, NOISE, 10) == [("wing", 1.0)]
    assert feedback.relevance_model([(["the"], 1.0)], NOISE, 10) == []


def test_the_question_is_interpolated_with_the_model_and_its_words_weigh_one() -> None:
    parameters = feedback.FeedbackParameters(chunks=10, terms=3, original_weight=0.5)
    expansion = feedback.expanded(QUESTION, CHUNKS, NOISE, parameters)
    assert expansion.terms.terms == ["flow", "speed", "flow speed", "lift", "drag"]
    assert expansion.terms.kinds == [TermKind.WORD, TermKind.WORD, TermKind.PHRASE, TermKind.WORD, TermKind.WORD]
    assert expansion.terms.phrase_parts == {2: (0, 1)}
    # q = 0.5 * 1/2 + 0.5 * P(w|R), scaled by 1 / (0.5 * 1/2): a question word alone weighs 1
    assert expansion.weights == pytest.approx([1.8, 1.0, 1.0, 0.8, 0.4])
    again = feedback.expanded(QUESTION, list(reversed(CHUNKS)), NOISE, parameters)
    assert again.terms == expansion.terms
    assert again.weights == pytest.approx(expansion.weights)


def test_without_feedback_weight_the_question_is_unchanged() -> None:
    for parameters in (feedback.FeedbackParameters(original_weight=1.0), feedback.FeedbackParameters(terms=0)):
        expansion = feedback.expanded(QUESTION, CHUNKS, NOISE, parameters)
        assert expansion.terms == QUESTION
        assert expansion.weights == [1.0, 1.0, 1.0]
    nothing = QueryTerms([], [])
    assert feedback.expanded(nothing, CHUNKS, NOISE) == feedback.ExpandedQuery(nothing, [])


def test_the_best_first_pass_chunks_feed_it_best_first() -> None:
    found = counted([[1], [0], [2]], [10, 10, 10], [2], 10, [0.0, 0.0, 0.0])
    assert feedback.best_chunks(np.array([0.2, 0.9, 0.5]), found, 2) == [(("d", "c1"), 0.9), (("d", "c2"), 0.5)]


def test_bm25_multiplies_each_terms_idf_by_its_query_weight() -> None:
    words = QueryTerms(["rare", "common"], [TermKind.WORD, TermKind.WORD])
    found = counted([[1, 0], [0, 1], [1, 1]], [10, 10, 10], [2, 2], 10, [0.0, 0.0, 0.0])
    plain = bm25.bm25(words, found)
    assert bm25.bm25(words, found, query_weights=[1.0, 1.0]).tolist() == pytest.approx(plain.tolist())
    halved = bm25.bm25(words, found, query_weights=[1.0, 0.5])
    assert halved[0] == pytest.approx(plain[0])
    assert halved[1] == pytest.approx(plain[1] / 2)
    assert halved[2] == pytest.approx(plain[0] + plain[1] / 2)

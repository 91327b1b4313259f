"""Citations: markers normalised, and inserted after the sentences that draw on a chunk."""

from __future__ import annotations

import zlib

import numpy as np
import numpy.typing as npt
import pytest

from ragloom.nlp import TextAnalyzer
from ragloom.rag.citations import cited, insert_citations, normalise_markers

ANALYZER = TextAnalyzer()
DIMENSION = 1024


def embed(text: str) -> npt.NDArray[np.float32]:
    """A bag of hashed terms as a unit vector: sentences sharing words point the same way."""
    vector = np.zeros(DIMENSION, dtype=np.float32)
    for term in ANALYZER.terms(text):
        vector[zlib.crc32(term.encode()) % DIMENSION] += 1.0
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def cite(answer: str, chunks: list[str], *, with_vectors: bool = True) -> str:
    vectors = [embed(text) if with_vectors else None for text in chunks]
    return insert_citations(answer, chunks, vectors, embed if with_vectors else None, ANALYZER)


CHUNKS = [
    "The Eiffel Tower in Paris was finished in 1889 for the World's Fair.",
    "Photosynthesis turns sunlight, water and carbon dioxide into sugar and oxygen.",
    "The Great Wall of China is thousands of kilometres long.",
]


# ---- markers the model wrote --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("Paris [ID: 2].", "Paris [ID:2]."),
        ("Paris (ID:2).", "Paris [ID:2]."),
        ("Paris 【ID:2】.", "Paris [ID:2]."),
        ("Paris ##2$$.", "Paris [ID:2]."),
        ("Paris （ID：2）.", "Paris [ID:2]."),
        ("Paris [id:02].", "Paris [ID:2]."),
        ("Paris [ID:1][ID: 0].", "Paris [ID:1][ID:0]."),
        ("Paris [ID:3].", "Paris ."),  # names no retrieved chunk
        ("Paris ##7$$ (ID: 12).", "Paris  ."),
        ("Paris [2] and (ID) and ID:2 stay.", "Paris [2] and (ID) and ID:2 stay."),
    ],
)
def test_marker_variants_are_normalised(written: str, normalised: str) -> None:
    assert normalise_markers(written, chunk_count=3) == normalised


def test_without_chunks_every_marker_goes() -> None:
    assert normalise_markers("Paris [ID:0] ##1$$", chunk_count=0) == "Paris  "


def test_cited_lists_chunks_in_order_of_first_citation() -> None:
    assert cited("A [ID:2]. B [ID:0][ID:2]. C [ID:1].") == [2, 0, 1]
    assert cited("No markers, or only ##1$$ before normalising.") == []


# ---- markers inserted -----------------------------------------------------------------------------


def test_a_sentence_restating_a_chunk_cites_it_and_an_unrelated_one_does_not() -> None:
    answer = (
        "The Eiffel Tower, finished in 1889, stands in Paris. "
        "I hope you enjoy your trip! "
        "Plants use photosynthesis to turn sunlight, water and carbon dioxide into sugar."
    )
    assert cite(answer, CHUNKS) == (
        "The Eiffel Tower, finished in 1889, stands in Paris.[ID:0] "
        "I hope you enjoy your trip! "
        "Plants use photosynthesis to turn sunlight, water and carbon dioxide into sugar.[ID:1]"
    )


def test_the_threshold_is_lowered_until_something_is_cited() -> None:
    loose = "Paris has a famous tower, finished in 1889. Sunlight and water feed plants."
    assert cite(loose, CHUNKS) == (
        "Paris has a famous tower, finished in 1889.[ID:0] Sunlight and water feed plants.[ID:1]"
    )


def test_a_close_sentence_keeps_the_threshold_high_for_the_others() -> None:
    answer = "The Eiffel Tower, finished in 1889, stands in Paris. Sunlight and water feed plants."
    assert cite(answer, CHUNKS) == (
        "The Eiffel Tower, finished in 1889, stands in Paris.[ID:0] Sunlight and water feed plants."
    )


def test_markers_go_before_the_whitespace_that_ends_a_line() -> None:
    answer = "Summary:\nThe Great Wall of China is thousands of kilometres long.\n\nThat is all."
    assert cite(answer, CHUNKS) == (
        "Summary:\nThe Great Wall of China is thousands of kilometres long.[ID:2]\n\nThat is all."
    )


def test_chinese_sentences_are_cited() -> None:
    chunks = ["长城是中国古代修建的军事防御工程，全长两万多公里。", "大熊猫主要生活在四川的竹林里，以竹子为食。"]
    answer = "长城全长两万多公里，是古代的军事防御工程。祝你旅途愉快！大熊猫以竹子为食，生活在四川。"
    assert cite(answer, chunks) == (
        "长城全长两万多公里，是古代的军事防御工程。[ID:0]祝你旅途愉快！大熊猫以竹子为食，生活在四川。[ID:1]"
    )


def test_term_overlap_alone_cites_when_there_are_no_vectors() -> None:
    answer = "Nice question. The Great Wall of China is thousands of kilometres long."
    assert cite(answer, CHUNKS, with_vectors=False) == (
        "Nice question. The Great Wall of China is thousands of kilometres long.[ID:2]"
    )


def test_a_chunk_without_a_vector_is_compared_by_its_terms() -> None:
    answer = "The Great Wall of China is thousands of kilometres long."
    vectors = [embed(CHUNKS[0]), embed(CHUNKS[1]), None]
    assert insert_citations(answer, CHUNKS, vectors, embed, ANALYZER) == answer + "[ID:2]"


def test_an_answer_that_already_cites_is_left_as_it_is() -> None:
    answer = "The Eiffel Tower, finished in 1889, stands in Paris [ID:2]. The Great Wall of China is long."
    assert cite(answer, CHUNKS) == answer


def test_an_answer_unrelated_to_the_chunks_is_left_as_it_is() -> None:
    answer = "I could not find that. Please ask something else!"
    assert cite(answer, CHUNKS) == answer


def test_no_chunks_or_no_answer_change_nothing() -> None:
    answer = "The Eiffel Tower, finished in 1889, stands in Paris."
    assert cite(answer, []) == answer
    assert cite("", CHUNKS) == ""
    assert cite("  \n", CHUNKS) == "  \n"
    assert cite("Ok.", CHUNKS) == "Ok."  # too short to be a sentence worth citing


def test_a_sentence_cites_at_most_four_equally_close_chunks() -> None:
    chunks = ["The Great Wall of China is thousands of kilometres long."] * 6
    answer = cite(chunks[0], chunks)
    assert answer.startswith(chunks[0] + "[ID:")
    assert len(cited(answer)) == 4

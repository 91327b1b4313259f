"""Table-of-contents re-ranking: which documents' contents are read, and what each chunk gains."""

from __future__ import annotations

from ragloom.rag.toc import TOC_DOCUMENTS, TOC_WEIGHT, section_shares, toc_boosts, toc_documents


def test_the_documents_with_most_of_the_best_hits_first_ties_by_rank() -> None:
    assert toc_documents(["b", "a", "a", "c", "b", "d", "e"]) == ["b", "a", "c"][:TOC_DOCUMENTS]


def test_a_heading_lifts_its_section_by_the_share_of_the_question_it_holds() -> None:
    question = {"lava": 3.0, "rock": 1.0}
    headings = [
        (["volcanoes"], ["c2", "c3", "c4"]),
        (["lava", "flows"], ["c3", "c4"]),
        (["rock", "lava"], ["c4"]),
    ]
    shares = section_shares(question, headings)
    assert shares == {"c3": 0.75, "c4": 1.0}
    assert toc_boosts([("d", "c2"), ("d", "c3"), ("d", "c4")], shares).tolist() == [0.0, 0.75 * TOC_WEIGHT, TOC_WEIGHT]
    assert section_shares({}, headings) == {}

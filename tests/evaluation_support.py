"""A small collection whose keyword-only retrieval order follows from its words, and the exact
figures its questions get: shared by the evaluation tests of the service and of the live server."""

from __future__ import annotations

import math

# One chunk per document; with keyword-only scoring (w=0) a chunk's score is the share of the
# question's term weight it holds, so each question's order follows from the words alone.
DOCUMENTS = {
    "alpha.txt": "zebra lantern orchard",
    "beta.txt": "zebra meadow",
    "gamma.txt": "violin harbor",
    "delta.txt": "quartz violin harbor canyon",
}
# The questions, their relevant documents (by name, with their relevance) and what ranks first:
# "zebra lantern": alpha 1st, beta 2nd; "violin canyon": delta 1st, gamma 2nd; "meadow": beta alone.
QUESTIONS = [
    ("zebra lantern", {"alpha.txt": 1.0, "gamma.txt": 1.0}),
    ("violin canyon", {"gamma.txt": 1.0}),
    ("meadow", {"beta.txt": 2.0, "alpha.txt": 1.0}),
]
RANKS = [{"alpha.txt": 1, "gamma.txt": None}, {"gamma.txt": 2}, {"beta.txt": 1, "alpha.txt": None}]
DISCOUNT_2 = 1 / math.log2(3)  # the gain of rank 2
# Each question's figures with k = [1, 10].
EXPECTED = {
    "ndcg@10": [1 / (1 + DISCOUNT_2), DISCOUNT_2, 2 / (2 + DISCOUNT_2)],
    "recall@1": [0.5, 0.0, 0.5],
    "recall@10": [0.5, 1.0, 0.5],
    "reciprocal_rank": [1.0, 0.5, 1.0],
}
MEANS = {
    "ndcg@10": sum(EXPECTED["ndcg@10"]) / 3,
    "recall@1": 1 / 3,
    "recall@10": 2 / 3,
    "mrr": 2.5 / 3,
}


def ranks_by_id(ids: dict[str, str]) -> list[dict[str, int | None]]:
    """:data:`RANKS` with documents named by their ids."""
    return [{ids[name]: rank for name, rank in ranks.items()} for ranks in RANKS]

"""Which scoring mode a retrieval uses: the request's, else the datasets' common one, else the server's."""

import pytest

from ragloom.rag.scoring_modes import ScoringMode, chosen_mode, scoring_mode


def test_the_request_wins_then_the_datasets_then_the_server() -> None:
    bm25, plain = {"scoring": "bm25"}, {"chunk_token_num": 512}
    assert chosen_mode("ragflow", [bm25], "bm25") is ScoringMode.RAGFLOW
    assert chosen_mode(None, [bm25, bm25], "ragflow") is ScoringMode.BM25
    assert chosen_mode(None, [plain], "bm25") is ScoringMode.BM25
    assert chosen_mode(None, [plain], "ragflow") is ScoringMode.RAGFLOW
    # datasets that disagree (or one that names nothing) leave it to the server
    assert chosen_mode(None, [bm25, {"scoring": "ragflow"}], "ragflow") is ScoringMode.RAGFLOW
    assert chosen_mode(None, [bm25, plain], "ragflow") is ScoringMode.RAGFLOW


def test_an_unknown_mode_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="unknown scoring mode 'fancy': valid modes are ragflow, bm25, bm25_feedback"):
        scoring_mode("fancy")

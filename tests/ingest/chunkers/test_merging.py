"""Delimiters and token-bounded merging."""

from ragloom.ingest.chunkers.merging import Piece, merge_pieces, parse_delimiters, split_keeping_delimiters
from ragloom.nlp.token_count import count_tokens


def test_delimiters_understand_escapes_and_backticks() -> None:
    delimiters = parse_delimiters("\\n!?`##``<br>`")
    assert delimiters.characters == "\n!?"
    assert delimiters.custom == ("##", "<br>")


def test_split_keeps_the_delimiter_with_its_piece() -> None:
    assert split_keeping_delimiters("a! b? c", "!?") == ["a!", " b?", " c"]


def test_merge_respects_the_limit() -> None:
    pieces = [Piece(f"sentence number {index}. ") for index in range(200)]
    merged = merge_pieces(pieces, 50)
    assert all(count_tokens(chunk.text) <= 50 for chunk in merged)
    assert "".join(chunk.text for chunk in merged) == "".join(piece.text for piece in pieces)


def test_a_huge_piece_is_cut_into_windows() -> None:
    merged = merge_pieces([Piece("word " * 10_000)], 128)
    assert len(merged) > 70
    assert all(count_tokens(chunk.text) <= 128 for chunk in merged)


def test_overlap_repeats_the_tail_of_the_previous_chunk() -> None:
    pieces = [Piece(f"part{index:03d} ") for index in range(60)]
    merged = merge_pieces(pieces, 40, overlap_percent=25)
    assert len(merged) > 2
    tail = merged[0].text[-len(merged[0].text) // 4 :]
    assert merged[1].text.startswith(tail)

"""Query analysis: stop words, sub-words, phrases."""

from ragloom.nlp import TextAnalyzer
from ragloom.rag.query import QueryAnalyzer, TermKind

QUERIES = QueryAnalyzer(TextAnalyzer())


def test_question_and_function_words_are_dropped() -> None:
    query = QUERIES.analyse("What is the effect of exercise on sleep?")
    assert query.words == ["effect", "exercis", "sleep"]


def test_a_question_made_only_of_stop_words_keeps_them() -> None:
    assert QUERIES.analyse("what is it").words == ["what", "is", "it"]


def test_adjacent_words_make_phrases_and_gaps_do_not() -> None:
    query = QUERIES.analyse("machine learning for protein folding")
    phrases = [term for term, kind in zip(query.terms, query.kinds, strict=True) if kind is TermKind.PHRASE]
    assert phrases == ["machin learn", "protein fold"]
    first, second = query.phrase_parts[query.terms.index("machin learn")]
    assert (query.terms[first], query.terms[second]) == ("machin", "learn")


def test_chinese_questions_lose_question_words_and_gain_sub_words() -> None:
    query = QUERIES.analyse("北京大学的知识库是什么？")
    assert query.words[:2] == ["北京大学", "知识库"]
    assert {"北京", "大学", "知识"} <= set(query.words)
    assert "什么" not in query.terms
    assert "的" not in query.terms


def test_terms_are_unique() -> None:
    query = QUERIES.analyse("pandas pandas eat")
    assert query.terms.count("panda") == 1

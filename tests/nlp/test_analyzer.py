"""Index terms: Chinese segmentation, English stemming, normalisation."""

from ragloom.nlp import TextAnalyzer


def test_english_is_lower_cased_stemmed_and_stripped_of_punctuation() -> None:
    assert TextAnalyzer().terms("Running ENGINES, retrieval!") == ["run", "engin", "retriev"]


def test_full_width_forms_are_normalised() -> None:
    assert TextAnalyzer().terms("ＲＡＧ２０２６") == ["rag2026"]


def test_versions_and_numbers_stay_whole() -> None:
    assert TextAnalyzer().terms("v0.26.0 costs 42") == ["v0.26.0", "cost", "42"]


def test_chinese_without_spaces_is_segmented() -> None:
    assert TextAnalyzer().terms("北京大学的知识库检索") == ["北京大学", "的", "知识库", "检索"]


def test_fine_terms_add_sub_words_of_long_chinese_words() -> None:
    fine = TextAnalyzer().fine_terms("北京大学")
    assert {"北京", "大学", "北京大学"} <= set(fine)


def test_mixed_text_keeps_order() -> None:
    assert TextAnalyzer().joined("RAGFlow 知识库 engine") == "ragflow 知识库 engin"

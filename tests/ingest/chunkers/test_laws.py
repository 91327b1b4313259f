"""The laws method: one chunk per article under its chapter and section titles."""

from ragloom.ingest.chunkers.hierarchy import Division, division_label, division_of
from ragloom.ingest.chunkers.laws import chunk
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument
from ragloom.nlp.token_count import count_tokens


def _lines(*lines: str) -> list[Block]:
    return [Block(BlockKind.TEXT, line) for line in lines]


def test_divisions_are_read_from_the_wording() -> None:
    assert division_of("第一编 总则") is Division.PART
    assert division_of("第十二章 附则") is Division.CHAPTER
    assert division_of("第3节 一般规定") is Division.SECTION
    assert division_of("第一百零一条 本法自公布之日起施行。") is Division.ARTICLE
    assert division_of("Part II Obligations") is Division.PART
    assert division_of("CHAPTER 4 Remedies") is Division.CHAPTER
    assert division_of("Section 2.1 Scope") is Division.SECTION
    assert division_of("Article 17. Rights") is Division.ARTICLE
    assert division_of("§ 823 Liability") is Division.ARTICLE
    assert division_of("Articles of association are filed.") is None
    assert division_of("Part of the problem is cost.") is None
    assert division_label("Article 17. Rights") == "Article 17"


def test_each_article_is_a_chunk_opened_by_its_enclosing_titles() -> None:
    blocks = _lines(
        "Civil Act",
        "Enacted by the assembly.",
        "Chapter 1 General Provisions",
        "Article 1 This Act governs civil relations.",
        "It applies to everyone.",
        "Article 2 Words have their ordinary meaning.",
        "Chapter 2 Persons",
        "Section 1 Capacity",
        "Article 3 Every person has capacity.",
    )
    drafts = chunk(ParsedDocument("act.txt", "txt", blocks=blocks), {}, IngestContext())
    assert [draft.content for draft in drafts] == [
        "Civil Act\nEnacted by the assembly.",
        "Chapter 1 General Provisions\nArticle 1 This Act governs civil relations.\nIt applies to everyone.",
        "Chapter 1 General Provisions\nArticle 2 Words have their ordinary meaning.",
        "Chapter 2 Persons\nSection 1 Capacity\nArticle 3 Every person has capacity.",
    ]


def test_chinese_articles_with_chapter_headings() -> None:
    blocks = [
        Block(BlockKind.TITLE, "中华人民共和国示例法"),
        Block(BlockKind.HEADING, "第一章 总则", level=1),
        Block(BlockKind.TEXT, "第一条　为了规范示例，制定本法。\n第二条　本法适用于全国。"),
        Block(BlockKind.HEADING, "第二章 附则", level=1),
        Block(BlockKind.TEXT, "第三条　本法自公布之日起施行。"),
    ]
    drafts = chunk(ParsedDocument("示例法.docx", "docx", blocks=blocks), {}, IngestContext())
    assert [draft.content for draft in drafts] == [
        "中华人民共和国示例法",
        "第一章 总则\n第一条　为了规范示例，制定本法。",
        "第一章 总则\n第二条　本法适用于全国。",
        "第二章 附则\n第三条　本法自公布之日起施行。",
    ]


def test_a_long_article_is_split_and_every_part_keeps_its_titles_and_number() -> None:
    body = [f"Paragraph {index} sets out one more detailed rule about contracts." for index in range(60)]
    blocks = _lines("Part I Contracts", "Chapter 3 Formation", "Article 12 Offers.", *body, "Article 13 Acceptance.")
    drafts = chunk(ParsedDocument("code.pdf", "pdf", blocks=blocks), {"chunk_token_num": 80}, IngestContext())
    article_12 = drafts[:-1]
    assert len(article_12) > 3
    assert article_12[0].content.startswith("Part I Contracts\nChapter 3 Formation\nArticle 12 Offers.\nParagraph 0")
    assert all(
        draft.content.startswith("Part I Contracts\nChapter 3 Formation\nArticle 12\n") for draft in article_12[1:]
    )
    assert all(count_tokens(draft.content) <= 80 for draft in drafts)
    assert drafts[-1].content == "Part I Contracts\nChapter 3 Formation\nArticle 13 Acceptance."


def test_sections_are_the_unit_when_there_are_no_articles() -> None:
    blocks = _lines("Chapter 1 Definitions", "§ 1 Scope of this code.", "§ 2 Terms used.")
    drafts = chunk(ParsedDocument("code.txt", "txt", blocks=blocks), {}, IngestContext())
    assert [draft.content for draft in drafts] == [
        "Chapter 1 Definitions\n§ 1 Scope of this code.",
        "Chapter 1 Definitions\n§ 2 Terms used.",
    ]


def test_text_without_numbering_is_chunked_as_naive() -> None:
    blocks = _lines("A memo.", "Nothing is numbered here.")
    (draft,) = chunk(ParsedDocument("memo.txt", "txt", blocks=blocks), {}, IngestContext())
    assert draft.content == "A memo.\nNothing is numbered here."

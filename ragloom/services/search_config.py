"""A search app's ``search_config``: what it searches, how it ranks, and what its page shows.

The keys are RAGFlow's. Those ragloom acts on are typed and checked; any other key a client
sends (RAGFlow's web UI keeps page settings here) is stored and returned as it came. ``null``
for a known key means its default (or, in an update, "leave it as it is").

What each key does here:

- ``kb_ids`` (datasets searched; a completion may name them when this is empty), ``doc_ids``
  (only these documents), ``similarity_threshold``, ``vector_similarity_weight``, ``top_k``,
  ``rerank_id``: retrieval, as ``POST /retrieval`` takes them;
- ``keyword``, ``chat_setting_cross_languages``: the question is expanded with keywords or
  translations from the chat model before searching;
- ``chat_id`` (a chat *model* id, as in RAGFlow, not a chat assistant) and ``llm_setting``: the
  model and sampling of the summary answer and of related questions;
- ``summary``, ``related_search``, ``query_mindmap``, ``highlight``: switches the search page
  reads; the routes answer whatever the switches say;
- ``use_kg``: the datasets' knowledge graphs add one piece at the top of the results;
- ``web_search``, ``meta_data_filter``: stored, not applied (ragloom has no web search, and
  applies metadata filters given as ``metadata_condition``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ragloom.providers.chat import GenerationOptions
from ragloom.rag.search_prompts import RELATED_QUESTIONS_TEMPERATURE

_NUMERIC_SETTINGS = ("temperature", "top_p", "frequency_penalty", "presence_penalty")
SUMMARY_TOP_N = 12
"""How many results a search app's summary answer reads (RAGFlow's page of 12)."""


class SearchConfig(BaseModel):
    """A validated ``search_config``; ``model_fields_set`` tells which keys a request gave."""

    model_config = ConfigDict(extra="allow")

    kb_ids: list[str] = Field(default_factory=list)
    doc_ids: list[str] = Field(default_factory=list)
    similarity_threshold: Annotated[float, Field(ge=0.0, le=1.0)] = 0.2
    vector_similarity_weight: Annotated[float, Field(ge=0.0, le=1.0)] = 0.3
    top_k: Annotated[int, Field(gt=0, le=100_000)] = 1024
    rerank_id: str = ""
    use_kg: bool = False
    summary: bool = False
    chat_id: str = ""
    llm_setting: dict[str, Any] = Field(default_factory=dict)
    chat_setting_cross_languages: list[str] = Field(default_factory=list)
    highlight: bool = False
    keyword: bool = False
    web_search: bool = False
    related_search: bool = False
    query_mindmap: bool = False

    @model_validator(mode="before")
    @classmethod
    def _nulls_are_defaults(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: item for key, item in value.items() if item is not None or key not in cls.model_fields}
        return value

    @field_validator("llm_setting")
    @classmethod
    def _sampling_values(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in _NUMERIC_SETTINGS:
            number = value.get(key)
            if number is not None and (isinstance(number, bool) or not isinstance(number, int | float)):
                raise ValueError(f"`{key}` must be a number")
        tokens = value.get("max_tokens")
        if tokens is not None and (isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 1):
            raise ValueError("`max_tokens` must be a positive integer")
        return value

    def stored(self) -> dict[str, Any]:
        """Every key, known and extra, as kept in the database."""
        return self.model_dump()

    def given(self) -> dict[str, Any]:
        """Only the keys the request gave (an update merges these into the stored config)."""
        return self.model_dump(exclude_unset=True)

    def summary_options(self) -> GenerationOptions:
        """Sampling of the summary answer: the app's ``llm_setting`` (the answer's own default
        temperature applies when it sets none)."""
        return GenerationOptions.from_mapping(self.llm_setting)

    def related_options(self, max_tokens: int) -> GenerationOptions:
        """Sampling of related questions: RAGFlow's temperature 0.9 unless ``llm_setting`` says otherwise."""
        defaults = GenerationOptions(temperature=RELATED_QUESTIONS_TEMPERATURE, max_tokens=max_tokens)
        return defaults.merged(GenerationOptions.from_mapping(self.llm_setting))

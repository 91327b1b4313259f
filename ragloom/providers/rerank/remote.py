"""Rerank models served over HTTP: ``POST /rerank`` in the Jina/Cohere form, or TEI's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ragloom.errors import ProviderError
from ragloom.nlp.token_count import truncate_to_tokens
from ragloom.providers.address_guard import AddressPolicy
from ragloom.providers.http import post_json, provider_client, remote_failure
from ragloom.settings import RemoteModel


class RemoteRerank:
    """One remote rerank model; ``tei=True`` speaks Text Embeddings Inference's form; with
    ``guard`` (a tenant's model) every connection must pass that address policy."""

    def __init__(self, model_id: str, settings: RemoteModel, *, tei: bool, guard: AddressPolicy | None = None) -> None:
        self.model_id = model_id
        self._settings = settings
        self._tei = tei
        self._url = f"{settings.base_url.rstrip('/')}/rerank"
        self._client = provider_client(settings, guard)

    def scores(self, query: str, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        if not texts:
            return np.zeros(0, dtype=np.float64)
        what = f"Rerank model {self.model_id}"
        documents = [truncate_to_tokens(text, self._settings.max_tokens) for text in texts]
        payload: dict[str, Any] = (
            {"query": query, "texts": documents}
            if self._tei
            else {"model": self._settings.name, "query": query, "documents": documents, "top_n": len(documents)}
        )
        answer = post_json(self._client, self._url, payload, what=what, retries=self._settings.max_retries)
        results = answer if isinstance(answer, list) else answer.get("results") if isinstance(answer, dict) else None
        scores = np.zeros(len(texts), dtype=np.float64)
        try:
            for item in results or []:
                value = item.get("relevance_score", item.get("score"))
                scores[int(item["index"])] = float(value)
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise remote_failure(what, "answered in an unexpected shape", repr(error)) from None
        if results is None or len(results) != len(texts):
            raise ProviderError(f"{what} scored {len(results or [])} of {len(texts)} texts")
        if scores.min() < 0 or scores.max() > 1:
            scores = 1 / (1 + np.exp(-scores))  # logits: map to 0..1 as the other providers answer
        return scores

    def close(self) -> None:
        self._client.close()

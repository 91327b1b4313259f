"""The built-in embedding models load from site-packages and embed sensibly."""

from __future__ import annotations

import numpy as np
import pytest

from ragloom.providers.catalog import ModelCatalog
from ragloom.providers.embedding import EmbeddingModels
from ragloom.providers.embedding.builtin import BUILTIN_E5, BUILTIN_USE


@pytest.fixture(scope="module")
def models() -> EmbeddingModels:
    return EmbeddingModels(ModelCatalog(), threads=2)


@pytest.mark.parametrize(("model_id", "dimension"), [(BUILTIN_E5, 384), (BUILTIN_USE, 512)])
def test_vectors_are_unit_length_and_the_right_size(models: EmbeddingModels, model_id: str, dimension: int) -> None:
    model = models.get(model_id)
    vectors = model.embed_documents(["The cat sat on the mat.", "知识库检索", ""])
    assert vectors.shape == (3, dimension)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert model.embed_query("cats").shape == (dimension,)
    assert model.embed_documents([]).shape == (0, dimension)


@pytest.mark.parametrize("model_id", [BUILTIN_E5, BUILTIN_USE])
def test_the_related_passage_ranks_first_in_both_languages(models: EmbeddingModels, model_id: str) -> None:
    model = models.get(model_id)
    passages = model.embed_documents(
        [
            "The Eiffel Tower is in Paris.",
            "Photosynthesis turns light into chemical energy.",
            "熊猫生活在中国的竹林里。",
        ]
    )
    assert int(np.argmax(passages @ model.embed_query("Where is the Eiffel Tower?"))) == 0
    assert int(np.argmax(passages @ model.embed_query("How do plants use sunlight?"))) == 1
    assert int(np.argmax(passages @ model.embed_query("大熊猫住在哪里"))) == 2


def test_e5_cuts_long_input_instead_of_reading_it_all(models: EmbeddingModels) -> None:
    model = models.get(BUILTIN_E5)
    long_text = "retrieval " * 3000
    (vector,) = model.embed_documents([long_text])
    (prefix,) = model.embed_documents(["retrieval " * 600])
    assert float(vector @ prefix) > 0.99


def test_models_are_loaded_once(models: EmbeddingModels) -> None:
    assert models.get(BUILTIN_E5) is models.get("MULTILINGUAL-E5-SMALL@builtin")


@pytest.mark.parametrize("model_id", [BUILTIN_E5, BUILTIN_USE])
def test_questions_embedded_together_equal_each_embedded_alone(models: EmbeddingModels, model_id: str) -> None:
    model = models.get(model_id)
    questions = ["Where is the Eiffel Tower?", "大熊猫住在哪里", "cats", "How do plants use sunlight? " * 40, ""]
    together = model.embed_queries(questions)
    assert together.shape == (len(questions), model.dimension)
    for row, question in zip(together, questions, strict=True):
        np.testing.assert_allclose(row, model.embed_query(question), atol=1e-5)
    assert model.embed_queries([]).shape == (0, model.dimension)

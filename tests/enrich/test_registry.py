"""The enricher registry: built-ins in running order, unknown names listing the known ones."""

from __future__ import annotations

import pytest

from ragloom.enrich import EnricherRegistry, Phase, builtin_enrichers
from ragloom.enrich.keywords import KeywordEnricher
from ragloom.errors import ConfigError


def test_the_built_in_enrichers_in_running_order() -> None:
    registry = builtin_enrichers()
    assert registry.names == ["auto_keywords", "auto_questions", "toc_extraction", "auto_metadata", "raptor"]
    assert [enricher.name for enricher in registry] == registry.names
    assert [enricher.phase for enricher in registry] == [Phase.BEFORE_EMBEDDING] * 4 + [Phase.AFTER_EMBEDDING]


def test_an_unknown_name_lists_the_known_ones_and_a_name_is_registered_once() -> None:
    registry = builtin_enrichers()
    with pytest.raises(
        ConfigError, match="^Unknown enricher 'nonesuch'; known enrichers: auto_keywords, auto_metadata"
    ):
        registry.create("nonesuch")
    with pytest.raises(ConfigError, match="already registered"):
        registry.register("auto_keywords", KeywordEnricher)
    assert EnricherRegistry().names == []


def test_what_each_config_asks_for() -> None:
    registry = builtin_enrichers()

    def asked(config: dict[str, object]) -> list[str]:
        return [enricher.name for enricher in registry if enricher.requested(config)]

    assert asked({"auto_keywords": 0, "auto_questions": 0}) == []
    assert asked({"auto_keywords": 3, "auto_questions": True, "toc_extraction": True}) == [
        "auto_keywords",
        "toc_extraction",
    ]
    fields = [{"key": "author", "type": "string"}]
    assert asked({"metadata": fields}) == ["auto_metadata"]
    assert asked({"metadata": fields, "enable_metadata": False}) == []

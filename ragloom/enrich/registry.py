"""Enrichers by name; the built-in ones register exactly as a plug-in would.

The order of registration is the order enrichers run in within a phase.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ragloom.enrich.protocol import Enricher
from ragloom.errors import ConfigError

EnricherFactory = Callable[[], Enricher]


class EnricherRegistry:
    """``name -> factory``; an unknown name fails listing the known ones."""

    def __init__(self) -> None:
        self._factories: dict[str, EnricherFactory] = {}

    def register(self, name: str, factory: EnricherFactory) -> None:
        if name in self._factories:
            raise ConfigError(f"An enricher named {name!r} is already registered.")
        self._factories[name] = factory

    def create(self, name: str) -> Enricher:
        factory = self._factories.get(name)
        if factory is None:
            raise ConfigError(f"Unknown enricher {name!r}; known enrichers: {', '.join(sorted(self._factories))}.")
        return factory()

    @property
    def names(self) -> list[str]:
        """Registered names, in running order."""
        return list(self._factories)

    def __iter__(self) -> Iterator[Enricher]:
        return (factory() for factory in self._factories.values())


def builtin_enrichers() -> EnricherRegistry:
    """The enrichers ragloom ships: keywords, questions, table of contents, metadata; RAPTOR after embedding."""
    from ragloom.enrich.keywords import KeywordEnricher
    from ragloom.enrich.metadata import MetadataEnricher
    from ragloom.enrich.questions import QuestionEnricher
    from ragloom.enrich.raptor import RaptorEnricher
    from ragloom.enrich.toc import TocEnricher

    registry = EnricherRegistry()
    registry.register("auto_keywords", KeywordEnricher)
    registry.register("auto_questions", QuestionEnricher)
    registry.register("toc_extraction", TocEnricher)
    registry.register("auto_metadata", MetadataEnricher)
    registry.register("raptor", RaptorEnricher)
    return registry

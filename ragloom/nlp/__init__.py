"""Text analysis: the terms every index stores and queries use, and token counting."""

from ragloom.nlp.analyzer import TextAnalyzer
from ragloom.nlp.token_count import count_tokens, truncate_to_tokens

__all__ = ["TextAnalyzer", "count_tokens", "truncate_to_tokens"]

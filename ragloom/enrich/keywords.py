"""``auto_keywords`` N: each chunk's N most important keywords into its ``important_keywords``.

As in RAGFlow, they are matched with the content (``important_terms``) and weigh more in
full-text candidate selection; the chunker's own keywords (a paper's) are kept first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ragloom.enrich.job import EnrichmentJob
from ragloom.enrich.model_calls import EnrichmentModel
from ragloom.enrich.per_chunk import ask_each_chunk, item_reader, merged, prompting_for, wanted_count, with_text
from ragloom.enrich.protocol import Phase
from ragloom.ingest.context import IngestContext

SETTING = "auto_keywords"
SYSTEM = "You pick out the words and short phrases a reader would type into a search box to find a passage."
LONGEST_KEYWORD = 64


def request(count: int) -> str:
    return (
        f"List the {count} most important keywords or short key phrases of this passage, most important first, "
        "in the passage's own language. Answer with a JSON array of strings and nothing else, "
        'for example ["first keyword", "second keyword"].'
    )


class KeywordEnricher:
    """Keywords per chunk, one model call each."""

    name = SETTING
    phase = Phase.BEFORE_EMBEDDING

    def requested(self, config: Mapping[str, Any]) -> bool:
        return wanted_count(config, SETTING) > 0

    def planned_calls(self, job: EnrichmentJob) -> int:
        return len(with_text(job))

    def run(self, job: EnrichmentJob, model: EnrichmentModel, context: IngestContext) -> str:
        count = wanted_count(job.config, SETTING)
        instruction = (SYSTEM, request(count))
        reader = item_reader(count, lines_only=False, longest=LONGEST_KEYWORD)
        found = ask_each_chunk(job, model, context, prompting_for(SETTING, instruction, count, 12), instruction, reader)
        for number, keywords in found.items():
            chunk = job.chunks[number]
            chunk.important_keywords = merged(chunk.important_keywords, keywords)
        return f"Keywords for {len(found)} of {len(job.chunks)} chunks from {model.model_id}."

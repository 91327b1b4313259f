"""``auto_questions`` N: N questions each chunk answers, into its ``questions``.

As in RAGFlow, a chunk with questions is embedded by its questions instead of its content, and
its question terms weigh more in full-text candidate selection.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ragloom.enrich.job import EnrichmentJob
from ragloom.enrich.model_calls import EnrichmentModel
from ragloom.enrich.per_chunk import ask_each_chunk, item_reader, merged, prompting_for, wanted_count, with_text
from ragloom.enrich.protocol import Phase
from ragloom.ingest.context import IngestContext

SETTING = "auto_questions"
SYSTEM = "You write the questions that a passage of a document answers."
LONGEST_QUESTION = 300


def request(count: int) -> str:
    return (
        f"Write {count} different questions that this passage answers, each one understandable on its own "
        "(name the subject rather than writing 'it' or 'this'), in the passage's own language. "
        "Answer with a JSON array of strings and nothing else."
    )


class QuestionEnricher:
    """Questions per chunk, one model call each."""

    name = SETTING
    phase = Phase.BEFORE_EMBEDDING

    def requested(self, config: Mapping[str, Any]) -> bool:
        return wanted_count(config, SETTING) > 0

    def planned_calls(self, job: EnrichmentJob) -> int:
        return len(with_text(job))

    def run(self, job: EnrichmentJob, model: EnrichmentModel, context: IngestContext) -> str:
        count = wanted_count(job.config, SETTING)
        instruction = (SYSTEM, request(count))
        reader = item_reader(count, lines_only=True, longest=LONGEST_QUESTION)
        found = ask_each_chunk(job, model, context, prompting_for(SETTING, instruction, count, 40), instruction, reader)
        for number, questions in found.items():
            chunk = job.chunks[number]
            chunk.questions = merged(chunk.questions, questions)
        return f"Questions for {len(found)} of {len(job.chunks)} chunks from {model.model_id}."

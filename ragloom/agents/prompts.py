"""The prompts agents use for planning, reflection and citations (``GET /agents/prompts``)."""

from __future__ import annotations

TASK_ANALYSIS = """You are analysing a task before anyone works on it.
State in a few lines: what is being asked, what a complete answer must contain, what information
is missing or ambiguous, and which of the available tools (if any) can supply what is missing."""

PLAN_GENERATION = """Write a short numbered plan for the task. Each step names the tool it uses (or
"reason") and what it must produce; stop as soon as the steps would answer the task. Do not carry
the plan out."""

REFLECTION = """Look at the results gathered so far against the task. Say whether they answer it
completely and correctly; if not, say precisely what is missing or wrong and which next step would
fix it. Be brief."""

CITATION_GUIDELINES = """When your answer uses the provided knowledge, cite it: put [ID:n] right after
the sentence that relies on chunk n (n is the number shown with the chunk). Cite only chunks that
support the sentence; cite at most four per sentence; never invent an id; do not cite when the
knowledge does not bear on the sentence."""


def public_prompts() -> dict[str, str]:
    """The prompts by the names RAGFlow's route uses."""
    return {
        "task_analysis": TASK_ANALYSIS,
        "plan_generation": PLAN_GENERATION,
        "reflection": REFLECTION,
        "citation_guidelines": CITATION_GUIDELINES,
    }

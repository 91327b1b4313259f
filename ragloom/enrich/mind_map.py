"""Mind maps: a chat model's nested outline of some texts, as RAGFlow's tree.

The model is asked for a markdown outline (headings and bullets). The answer is read leniently:
a heading's level is its number of ``#``; a bullet sits one level under the last heading, plus
one level per indent step; other lines are ignored. Markdown emphasis, links and trailing colons
are stripped from a node's text. The tree is RAGFlow's shape, ``{"id": <text>, "children":
[...]}`` (a leaf has ``"children": []``): one top-level node is the root, several hang under a
node ``"root"``. As in RAGFlow a text is a node once: a later repeat is left out with what hangs
under it. Depth and width are bounded (:data:`MAX_DEPTH`, :data:`MAX_CHILDREN`); the same answer
always gives the same tree.

Calls go through :class:`~ragloom.enrich.model_calls.EnrichmentModel` (cached by content hash,
counted, bounded in concurrency), under the enricher name :data:`ENRICHER`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ragloom.enrich.errors import UnreadableReplyError
from ragloom.enrich.model_calls import Ask, EnrichmentModel, Prompting
from ragloom.ingest.context import IngestContext
from ragloom.providers.chat import ChatMessage, GenerationOptions

ENRICHER = "mind_map"
ROOT = "root"
"""The root's id when the outline has several top-level nodes."""
MAX_DEPTH = 5
"""Outline levels kept (the top level is 1); deeper items are left out."""
MAX_CHILDREN = 16
"""Children kept per node; later ones are left out with what hangs under them."""
MAX_TEXT = 120
"""Characters kept of a node's text."""
ANSWER_TOKENS = 1024
INPUT_PIECES = 4
"""The texts together take at most this many times the tokens of one piece of content."""
INDENT = 2
"""Spaces per bullet level (a tab counts as four spaces)."""

SYSTEM = """You turn texts into a mind map.
Write a markdown outline of what the texts say, and nothing else:
- one `#` heading naming the main subject,
- `##` headings for its main themes, `###` for sub-themes,
- `-` bullets (indented by two spaces per level) for the key points under each theme.
Keep every item short (a few words), use the texts' own language and facts, and do not repeat items."""

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^([ \t]*)(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`|~~)")
_SPACES = re.compile(r"\s+")


@dataclass
class _Node:
    text: str
    level: int
    kept: bool
    children: list[_Node] = field(default_factory=list)

    def tree(self) -> dict[str, Any]:
        return {"id": self.text, "children": [child.tree() for child in self.children]}


def clean_text(text: str) -> str:
    """A node's text: links to their words, emphasis, closing ``#`` s and a trailing colon removed."""
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    text = _SPACES.sub(" ", text).strip().rstrip("#").strip().rstrip(":：").strip()
    return text[:MAX_TEXT].strip()


def _outline_lines(answer: str) -> list[tuple[int, str]]:
    """``(level, text)`` for each heading or bullet of ``answer`` (levels from 1)."""
    lines: list[tuple[int, str]] = []
    heading_level = 0
    for raw in answer.splitlines():
        if raw.strip().startswith("```"):
            continue
        heading = _HEADING.match(raw)
        if heading:
            heading_level = len(heading.group(1))
            lines.append((heading_level, heading.group(2)))
            continue
        bullet = _BULLET.match(raw)
        if bullet:
            indent = len(bullet.group(1).replace("\t", "    "))
            lines.append((heading_level + 1 + indent // INDENT, bullet.group(2)))
    return lines


def parse_outline(answer: str) -> dict[str, Any]:
    """RAGFlow's mind-map tree of a markdown outline; :class:`UnreadableReplyError` when it has no items."""
    top = _Node(ROOT, 0, True)
    stack = [top]
    seen: set[str] = set()
    for level, raw in _outline_lines(answer):
        text = clean_text(raw)
        if not text:
            continue
        while stack[-1].level >= level:
            stack.pop()
        parent = stack[-1]
        depth = len(stack)  # the new item's level in the tree (the stack holds its ancestors)
        key = text.casefold()
        kept = parent.kept and depth <= MAX_DEPTH and len(parent.children) < MAX_CHILDREN and key not in seen
        node = _Node(text, level, kept)
        if kept:
            seen.add(key)
            parent.children.append(node)
        stack.append(node)
    if not top.children:
        raise UnreadableReplyError("an answer without a markdown outline")
    if len(top.children) == 1:
        return top.children[0].tree()
    return top.tree()


def _user_message(texts: Sequence[str], topic: str, model: EnrichmentModel) -> str:
    pieces = [model.fit(text.strip()) for text in texts if text.strip()]
    joined = model.fit("\n\n---\n\n".join(pieces), model.max_chunk_tokens * INPUT_PIECES)
    about = f"The mind map is about: {topic.strip()}\n\n" if topic.strip() else ""
    return f"{about}Texts:\n\n{joined}"


def build_mind_map(
    model: EnrichmentModel, texts: Sequence[str], context: IngestContext, *, topic: str = ""
) -> dict[str, Any]:
    """The mind map of ``texts`` (around ``topic`` if given); an empty ``root`` when there are none.

    Raises :class:`~ragloom.enrich.errors.EnrichmentFailedError` when the model fails or answers
    no outline, :class:`~ragloom.ingest.context.IngestCancelledError` when cancelled.
    """
    if not any(text.strip() for text in texts):
        return {"id": ROOT, "children": []}
    user = _user_message(texts, topic, model)
    prompting = Prompting(
        enricher=ENRICHER,
        settings={"system": SYSTEM},
        options=GenerationOptions(temperature=0.2, max_tokens=ANSWER_TOKENS),
    )
    ask = Ask(user, (ChatMessage("system", SYSTEM), ChatMessage("user", user)))
    [tree] = model.ask_all(prompting, [ask], parse_outline, context)  # never None: ask_all raises instead
    return dict(tree or {})

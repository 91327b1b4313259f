"""RAPTOR: a tree of summaries over chunks — cluster, summarise, embed, and again — whose nodes are chunks.

The RAPTOR paper (Sarthi et al., 2024, "Recursive Abstractive Processing for Tree-Organized
Retrieval") builds, bottom up:

1. The level's nodes (first the chunks) are clustered by their vectors
   (:func:`ragloom.enrich.clustering.cluster`: PCA, a Gaussian mixture chosen by BIC up to
   ``max_cluster``, soft membership at ``threshold``, seeded by ``random_seed``).
2. Each cluster is summarised by the chat model: the configured ``prompt`` with
   ``{cluster_content}`` replaced by the members' texts (each cut to its share of the model's
   content budget), answered in at most ``max_token`` tokens, through the enrichment model helper
   (cached by content, concurrent, counted).
3. The summaries are embedded with the dataset's embedding model and become the next level's nodes.
4. This repeats until a level has one node: the tree's top. Every level is smaller than the one
   below it, so the tree always ends.

``clustering_method: "ahc"`` clusters each level by agglomerative clustering instead (see
:mod:`ragloom.enrich.clustering`). ``tree_builder: "psi"`` shapes the whole tree once, from the
chunks' own similarities (:mod:`ragloom.enrich.psi`), and then summarises it bottom up, a level's
summaries together; a summary that could not be written is skipped and its parent covers its
children instead.

Each summary is stored as a chunk (:func:`summary_record`), marked as RAGFlow marks them
(``extra["raptor_kwd"] == "raptor"``, its level in ``raptor_layer_int``) with the ids of the nodes
it summarises (``raptor_covers``), with terms and a vector, so normal retrieval finds it with no
second search path. The same chunks, settings and seed ask the same questions and build the same tree.

:class:`RaptorEnricher` builds a document's tree while it is parsed (``scope: "file"``); a whole
dataset's is built by :mod:`ragloom.enrich.raptor_build`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ragloom.enrich import psi
from ragloom.enrich.clustering import Method, cluster
from ragloom.enrich.errors import EnrichmentFailedError, UnreadableReplyError
from ragloom.enrich.job import EnrichmentJob
from ragloom.enrich.model_calls import Ask, EnrichmentModel, Prompting
from ragloom.enrich.protocol import Phase
from ragloom.enrich.replies import shorten
from ragloom.errors import RagloomError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.records import chunk_id
from ragloom.providers.chat import ChatMessage, GenerationOptions
from ragloom.providers.embedding import normalized
from ragloom.services.parser_config import RAPTOR_PROMPT
from ragloom.storage.index import ChunkRecord

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    import numpy as np
    import numpy.typing as npt

    from ragloom.providers.embedding import Vectors

    Embed = Callable[[list[str]], Vectors]

SETTING = "raptor"
SYSTEM = "You summarise passages faithfully, keeping their facts and numbers and adding nothing."
PLACEHOLDER = "{cluster_content}"
TEMPERATURE = 0.3
SMALLEST_SHARE = 32
"""Tokens a member keeps at least, however many share a cluster's content budget."""
MARK = "raptor"
"""``extra["raptor_kwd"]`` of a summary, as RAGFlow marks them."""
STRUCTURED_EXTENSIONS = (".xlsx", ".xls", ".csv")
"""Documents whose rows RAPTOR skips when ``auto_disable_for_structured_data`` is on (as RAGFlow)."""

Identify = Callable[[int, str, tuple[str, ...]], str]
"""A summary's chunk id from its level, its text and the ids of the nodes it summarises."""


def _number(value: Any, default: float, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return min(max(float(value), low), high)


@dataclass(frozen=True)
class RaptorSettings:
    """``parser_config.raptor`` read leniently: a value of the wrong type or range takes its default
    (or bound). Since RAGFlow v0.27 ``threshold`` is also named ``clustering_threshold``; that name wins."""

    use_raptor: bool = False
    prompt: str = RAPTOR_PROMPT
    max_token: int = 256
    threshold: float = 0.1
    max_cluster: int = 64
    random_seed: int = 0
    scope: str = "file"
    auto_disable_for_structured_data: bool = True
    clustering_method: Method = "gmm"
    tree_builder: Literal["raptor", "psi"] = "raptor"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RaptorSettings:
        raw = config.get(SETTING)
        section: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        prompt = section.get("prompt")
        threshold = section.get("clustering_threshold")
        if isinstance(threshold, bool) or not isinstance(threshold, int | float):
            threshold = section.get("threshold")
        return cls(
            use_raptor=section.get("use_raptor") is True,
            prompt=prompt if isinstance(prompt, str) and prompt.strip() else RAPTOR_PROMPT,
            max_token=int(_number(section.get("max_token"), 256, 1, 2048)),
            threshold=_number(threshold, 0.1, 0.0, 1.0),
            max_cluster=int(_number(section.get("max_cluster"), 64, 1, 1024)),
            random_seed=int(_number(section.get("random_seed"), 0, 0, 2**32 - 1)),
            scope="dataset" if section.get("scope") == "dataset" else "file",
            auto_disable_for_structured_data=section.get("auto_disable_for_structured_data") is not False,
            clustering_method="ahc" if section.get("clustering_method") == "ahc" else "gmm",
            tree_builder="psi" if section.get("tree_builder") == "psi" else "raptor",
        )

    def skips(self, document_name: str) -> bool:
        """Whether a document is structured data RAPTOR leaves alone."""
        return self.auto_disable_for_structured_data and document_name.lower().endswith(STRUCTURED_EXTENSIONS)


@dataclass(frozen=True)
class TreeNode:
    """A node of a level: a chunk, or a summary of the level below."""

    id: str
    text: str
    vector: npt.NDArray[np.float32]


@dataclass(frozen=True)
class Summary:
    """A summary: its level (1 summarises chunks), its text and vector, and the nodes it summarises."""

    id: str
    level: int
    text: str
    covers: tuple[str, ...]
    vector: npt.NDArray[np.float32]


def read_summary(reply: str) -> str:
    """A summary answer as written; an empty one is unreadable."""
    text = reply.strip()
    if not text:
        raise UnreadableReplyError(f"an empty summary {shorten(reply)!r}")
    return text


class TreeBuilder:
    """Builds one RAPTOR tree with a model, an embedder and a way of naming summaries."""

    def __init__(self, settings: RaptorSettings, model: EnrichmentModel, embed: Embed, identify: Identify) -> None:
        self._settings = settings
        self._model = model
        self._embed = embed
        self._identify = identify
        self._prompting = Prompting(
            SETTING,
            {"system": SYSTEM, "prompt": settings.prompt},
            GenerationOptions(temperature=TEMPERATURE, max_tokens=settings.max_token),
        )

    def build(self, leaves: Sequence[TreeNode], context: IngestContext) -> list[Summary]:
        """Every summary of the tree over ``leaves``, level by level (none for fewer than two)."""
        import numpy as np

        if self._settings.tree_builder == "psi":
            return self._build_psi(leaves, context)
        summaries: list[Summary] = []
        nodes = list(leaves)
        level = 0
        while len(nodes) >= 2:
            context.check()
            share = 0.5 ** (level + 1)  # levels shrink: each takes half of what is left
            stage = context.stage(1 - 2 * share, 1 - share)
            groups = cluster(
                np.vstack([node.vector for node in nodes]),
                max_clusters=self._settings.max_cluster,
                threshold=self._settings.threshold,
                seed=self._settings.random_seed,
                method=self._settings.clustering_method,
            )
            texts = self._summarise([[nodes[row].text for row in group] for group in groups], stage)
            made = [(group, text) for group, text in zip(groups, texts, strict=True) if text]
            if not made:
                break
            context.check()
            vectors = normalized(np.asarray(self._embed([text for _group, text in made]), dtype=np.float32))
            level += 1
            layer = []
            for (group, text), vector in zip(made, vectors, strict=True):
                covers = tuple(nodes[row].id for row in group)
                layer.append(Summary(self._identify(level, text, covers), level, text, covers, vector))
            summaries.extend(layer)
            context.progress(1 - share, f"level {level}: {len(layer)} summaries of {len(nodes)} nodes.")
            nodes = [TreeNode(summary.id, summary.text, summary.vector) for summary in layer]
        return summaries

    def _build_psi(self, leaves: Sequence[TreeNode], context: IngestContext) -> list[Summary]:
        """The Psi tree's summaries: its shape first, then each level's summaries together."""
        import numpy as np

        if len(leaves) < 2:
            return []
        context.check()
        shape = psi.plan(np.vstack([leaf.vector for leaf in leaves]))
        made: dict[int, TreeNode] = dict(enumerate(leaves))
        lost: dict[int, tuple[int, ...]] = {}  # a summary not written: the nodes its parent covers instead

        def present(node: int) -> list[int]:
            return [node] if node in made else [kept for child in lost[node] for kept in present(child)]

        summaries: list[Summary] = []
        top = max(inner.level for inner in shape)
        for level in range(1, top + 1):
            context.check()
            stage = context.stage((level - 1) / top, level / top)
            numbers = [len(leaves) + row for row, inner in enumerate(shape) if inner.level == level]
            covered = [
                [kept for child in shape[number - len(leaves)].children for kept in present(child)]
                for number in numbers
            ]
            texts = self._summarise([[made[node].text for node in nodes] for nodes in covered], stage)
            written = [
                (number, nodes, text) for number, nodes, text in zip(numbers, covered, texts, strict=True) if text
            ]
            lost.update(
                (number, tuple(nodes)) for number, nodes, text in zip(numbers, covered, texts, strict=True) if not text
            )
            if not written:
                continue
            context.check()
            vectors = normalized(np.asarray(self._embed([text for _number, _nodes, text in written]), dtype=np.float32))
            for (number, nodes, text), vector in zip(written, vectors, strict=True):
                covers = tuple(made[node].id for node in nodes)
                summary = Summary(self._identify(level, text, covers), level, text, covers, vector)
                summaries.append(summary)
                made[number] = TreeNode(summary.id, text, vector)
            context.progress(level / top, f"level {level}: {len(written)} summaries (Psi tree).")
        return summaries

    def _summarise(self, groups: list[list[str]], context: IngestContext) -> list[str | None]:
        asks = []
        for texts in groups:
            share = max(SMALLEST_SHARE, self._model.max_chunk_tokens // len(texts))
            content = "\n".join(self._model.fit(text, share) for text in texts)
            prompt = self._settings.prompt
            user = prompt.replace(PLACEHOLDER, content) if PLACEHOLDER in prompt else f"{prompt}\n\n{content}"
            asks.append(Ask(content, (ChatMessage("system", SYSTEM), ChatMessage("user", user))))
        answers: list[str | None] = self._model.ask_all(self._prompting, asks, read_summary, context)
        return answers


def is_summary(record: ChunkRecord) -> bool:
    """Whether a chunk is a RAPTOR summary."""
    return record.extra.get("raptor_kwd") == MARK


def summary_record(
    summary: Summary, *, dataset_id: str, document_id: str, document_name: str, order: int, **extra: Any
) -> ChunkRecord:
    """A summary as a chunk (terms not yet analysed), marked as RAGFlow marks them."""
    return ChunkRecord(
        id=summary.id,
        dataset_id=dataset_id,
        document_id=document_id,
        document_name=document_name,
        content=summary.text,
        order=order,
        extra={"raptor_kwd": MARK, "raptor_layer_int": summary.level, "raptor_covers": list(summary.covers), **extra},
        vector=summary.vector,
    )


def leaves_of(chunks: Sequence[ChunkRecord]) -> list[TreeNode]:
    """The chunks with text and a vector, as the tree's leaves."""
    return [
        TreeNode(chunk.id, chunk.content, chunk.vector)
        for chunk in chunks
        if chunk.vector is not None and chunk.content.strip() and not is_summary(chunk)
    ]


class RaptorEnricher:
    """``raptor.use_raptor`` with ``scope: "file"`` (stated): the document's tree, built once its chunks
    have vectors; its summaries are added to the document's chunks (after them in document order)."""

    name = SETTING
    phase = Phase.AFTER_EMBEDDING

    def requested(self, config: Mapping[str, Any]) -> bool:
        # ``scope`` must be said: RAGFlow's default naive config carries ``use_raptor: true`` with no
        # scope and builds nothing while parsing (its summaries are built on request, for the dataset)
        section = config.get(SETTING)
        return isinstance(section, Mapping) and section.get("use_raptor") is True and section.get("scope") == "file"

    def planned_calls(self, job: EnrichmentJob) -> int:
        # the fewest: every chunk in one cluster, one summary (how many the clustering makes is
        # known only once it has run)
        return 1 if len(job.chunks) >= 2 else 0

    def run(self, job: EnrichmentJob, model: EnrichmentModel, context: IngestContext) -> str:
        settings = RaptorSettings.from_config(job.config)
        if settings.skips(job.document_name):
            return "skipped: the document is structured data (auto_disable_for_structured_data)."
        if job.embed is None:
            raise EnrichmentFailedError("no embedding model was given to embed the summaries")
        embed_with = job.embed

        def embed(texts: list[str]) -> Vectors:
            try:
                return embed_with(texts)
            except RagloomError as error:  # the summaries are lost, the chunks are still indexed
                raise EnrichmentFailedError(f"the embedding model failed: {error.message}") from None

        leaves = leaves_of(job.chunks)
        if len(leaves) < 2:
            return f"nothing to summarise ({len(leaves)} chunk)."

        def identify(level: int, text: str, covers: tuple[str, ...]) -> str:
            return summary_id(job.document_id, level, text, covers)

        summaries = TreeBuilder(settings, model, embed, identify).build(leaves, context)
        last = max((chunk.order for chunk in job.chunks), default=-1)
        job.added.extend(
            summary_record(
                summary,
                dataset_id=job.dataset_id,
                document_id=job.document_id,
                document_name=job.document_name,
                order=last + 1 + number,
            )
            for number, summary in enumerate(summaries)
        )
        levels = max((summary.level for summary in summaries), default=0)
        return f"{len(summaries)} summaries in {levels} level(s) over {len(leaves)} chunks."


def summary_id(owner: str, level: int, text: str, covers: tuple[str, ...]) -> str:
    """A summary's chunk id: a hash of what makes it, so a rebuild names the same summary the same."""
    return chunk_id(f"{MARK}\x00{level}\x00{text}\x00{','.join(covers)}", owner)

"""Iteration and IterationItem: the body runs once for each item of a list.

``items_ref`` names the list (a bare reference; JSON text holding a list is read as one). The
IterationItem starts each pass with the outputs ``item`` and ``index`` (and ``result``, RAGFlow's
older name for the item), which the body reads as ``{IterationItem:X@item}`` or simply
``{item}`` / ``{index}``. An Iteration output declared with a ``ref``
(``"outputs": {"summaries": {"ref": "LLM:Y@content", "type": "Array<string>"}}``) collects that
body component's value after every pass into a list, one entry per item (``None`` for a pass
that did not reach it). When the items are exhausted the Iteration is finished and the run goes
on with its ``downstream``.
"""

from __future__ import annotations

from typing import Any

from ragloom.agents.components.base import BareReference, CanvasView, ComponentParams, InvalidParameter, Invocation
from ragloom.agents.components.container import BodyStart, Container
from ragloom.agents.references import UnresolvedReferenceError, bare_reference


class IterationParams(ComponentParams):
    items_ref: BareReference

    def collected(self) -> dict[str, str]:
        """The outputs that collect a body component's value: output name -> reference."""
        return {
            key: spec["ref"]
            for key, spec in self.outputs.items()
            if isinstance(spec, dict) and isinstance(spec.get("ref"), str) and spec["ref"].strip()
        }


class Iteration(Container):
    """Runs its body for each item of a list."""

    name = "Iteration"
    Params = IterationParams
    start_name = "IterationItem"

    def _params(self) -> IterationParams:
        assert isinstance(self.params, IterationParams)
        return self.params

    def bare_reference_texts(self) -> list[str]:
        return [self._params().items_ref, *self._params().collected().values()]

    def check(self, canvas: CanvasView) -> None:
        super().check(canvas)
        body = canvas.descendants(self.id)
        for key, text in self._params().collected().items():
            reference = bare_reference(text)
            if reference is None or reference.component_id not in body:
                raise InvalidParameter(
                    f"outputs.{key}.ref", f"'{text}' does not name an output of a component inside this Iteration."
                )

    def invoke(self, run: Invocation) -> dict[str, Any]:
        self.items(run)
        with run.lock:
            run.state.positions[self.id] = 0
        return {key: [] for key in self._params().collected()}

    def items(self, run: Invocation) -> list[Any]:
        """The list to iterate over, as it is now."""
        return run.items(self._params().items_ref)

    def collect(self, run: Invocation) -> None:
        """Add the values of this pass to the collecting outputs."""
        values = {}
        for key, text in self._params().collected().items():
            try:
                values[key] = run.value(text)
            except UnresolvedReferenceError:
                values[key] = None
        with run.lock:
            outputs = run.state.outputs.setdefault(self.id, {})
            for key, value in values.items():
                collected = outputs.get(key)
                outputs[key] = [*(collected if isinstance(collected, list) else []), value]


class IterationItem(BodyStart):
    """Starts each pass of an Iteration's body with the next item."""

    name = "IterationItem"
    container_name = "Iteration"

    def next_pass(self, run: Invocation, container: Container, passes: int) -> dict[str, Any] | None:
        assert isinstance(container, Iteration)
        items = container.items(run)
        if passes > 0:
            container.collect(run)
        if passes >= len(items):
            return None
        return {"item": items[passes], "index": passes, "result": items[passes]}

"""What Iteration and Loop share: a body that runs in passes from a start component.

A :class:`Container` (Iteration, Loop) prepares the first pass and routes to its start (its
IterationItem / LoopItem, a :class:`BodyStart`). Each time the body is done — every body
component with nothing downstream returns to the start, and the start waits while any body
component is pending — the start runs again and decides: another pass (the previous pass's
outputs are cleared, so a branch not taken this time reads as nothing), or the container is
finished, reported as such (``node_finished``), and the run goes on after it.

The pass counter lives in ``RunState.positions[<container id>]`` so a run paused inside a body
resumes in the right pass; :data:`FINISHED` there means the container is done and a late
return to its start is ignored.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ragloom.agents.components.base import CanvasView, Component, InvalidParameter, Invocation, Next

FINISHED = -1
"""``RunState.positions`` of a container whose body will not run again."""
DONE = "_finished"
"""Output of a start: the container is finished."""
IDLE = "_idle"
"""Output of a start reached after its container finished: nothing follows."""


def with_article(name: str) -> str:
    """ "an Iteration", "a Loop"."""
    return f"{'an' if name[:1] in 'AEIOU' else 'a'} {name}"


class Container(Component):
    """A component with a body (Iteration, Loop)."""

    container = True
    start_name: ClassVar[str] = ""
    """The component type its body starts with."""

    def check(self, canvas: CanvasView) -> None:
        start = canvas.start_of(self.id)
        if start is None or canvas.component(start).name != self.start_name:
            start_name = with_article(self.start_name)
            raise InvalidParameter(
                "",
                f"{with_article(self.name)} needs {start_name} inside it ({start_name} whose parent_id is "
                f"'{self.id}') where its body starts.",
            )

    def route(self, outputs: dict[str, Any], canvas: CanvasView) -> Next:
        start = canvas.start_of(self.id)
        if "_ERROR" in outputs or start is None:
            return Next(self.leave(canvas))
        return Next([start])

    def leave(self, canvas: CanvasView) -> list[str]:
        """Where the run goes once the container is finished: after it, never back into its body."""
        body = canvas.descendants(self.id)
        return [target for target in self.after(canvas) if target not in body]

    def finish(self, run: Invocation) -> None:
        with run.lock:
            run.state.positions[self.id] = FINISHED


class BodyStart(Component):
    """The first component of a body (IterationItem, LoopItem): each time it runs, a pass begins or the
    container is finished."""

    container_name: ClassVar[str] = ""

    def check(self, canvas: CanvasView) -> None:
        parent = canvas.parent_of(self.id)
        if parent is None or parent.name != self.container_name:
            raise InvalidParameter(
                "parent_id",
                f"{with_article(self.name)} must be inside {with_article(self.container_name)} "
                "(its parent_id names one).",
            )

    def route(self, outputs: dict[str, Any], canvas: CanvasView) -> Next:
        if outputs.get(IDLE):
            return Next([])
        parent = canvas.parent_of(self.id)
        if outputs.get(DONE) and isinstance(parent, Container):
            return Next(parent.leave(canvas), finished=[parent.id])
        return Next(self.after(canvas))

    def invoke(self, run: Invocation) -> dict[str, Any]:
        container = run.canvas.parent_of(self.id)
        assert isinstance(container, Container)  # checked when the canvas was built
        passes = run.state.positions.get(container.id, 0)
        if passes == FINISHED:
            return {IDLE: True}
        outputs = self.next_pass(run, container, passes)
        if outputs is None:
            container.finish(run)
            return {DONE: True}
        self.begin_pass(run, container.id, passes + 1)
        return outputs

    def next_pass(self, run: Invocation, container: Container, passes: int) -> dict[str, Any] | None:
        """The outputs that start pass ``passes`` (counted from 0), or ``None`` when the container is finished."""
        raise NotImplementedError

    def begin_pass(self, run: Invocation, container_id: str, passes: int) -> None:
        """Count the pass, and clear what the body wrote in the previous one."""
        with run.lock:
            if passes > 1:
                for component_id in run.canvas.descendants(container_id) - {self.id}:
                    if component_id in run.state.outputs:
                        run.state.outputs[component_id] = {}
            run.state.positions[container_id] = passes

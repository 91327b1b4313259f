"""The collector's start-up pace (ragloom.collector): slower while starting, the default after."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from ragloom.collector import START_THRESHOLD, pace_for_start, resume_default_pace


@pytest.fixture
def threshold() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    yield before
    resume_default_pace()
    gc.set_threshold(*before)


def test_start_pace_then_the_pace_from_before(threshold: tuple[int, int, int]) -> None:
    pace_for_start()
    assert gc.get_threshold() == (START_THRESHOLD, *threshold[1:])
    pace_for_start()  # a second call keeps the pace from before, not the start pace
    resume_default_pace()
    assert gc.get_threshold() == threshold
    resume_default_pace()  # without a start pace: nothing changes
    assert gc.get_threshold() == threshold

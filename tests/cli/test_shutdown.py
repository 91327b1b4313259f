"""The last resorts of a bounded shutdown, in a real process: the watchdog, and not waiting for stuck threads."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

_PRELUDE = "import logging, signal, threading, time\nfrom ragloom.cli.shutdown import Shutdown\nlogging.basicConfig()\n"


def run(script: str) -> tuple[int, str, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", _PRELUDE + script], capture_output=True, text=True, timeout=60)
    return done.returncode, done.stderr, time.monotonic() - started


def test_the_watchdog_ends_a_shutdown_that_hangs() -> None:
    code, stderr, elapsed = run(
        "shutdown = Shutdown(on_begin=lambda: None, deadline=0.5)\n"
        "shutdown.begin(signal.SIGTERM)\n"
        "time.sleep(60)  # the cleanup hangs\n"
    )
    assert code == 128 + 15
    assert "shutdown did not finish within 0.5 s; exiting now" in stderr
    assert elapsed < 30


@pytest.mark.parametrize("signalled", [True, False])
def test_leaving_does_not_wait_for_stuck_request_threads_after_a_signal(signalled: bool) -> None:
    # stuck far longer than a loaded machine takes to start and leave, when leaving must not wait for it
    stuck_seconds = 30 if signalled else 2
    code, stderr, elapsed = run(
        f"stuck = threading.Thread(target=time.sleep, args=({stuck_seconds},))\n"
        "stuck.start()\n"
        "shutdown = Shutdown(on_begin=lambda: None, deadline=30)\n"
        + ("shutdown.begin(signal.SIGTERM)\n" if signalled else "")
        + "shutdown.leave()\n"
    )
    if signalled:
        assert code == 128 + 15
        assert "exiting with 1 request thread(s) still blocked" in stderr
        assert elapsed < 15
    else:  # no stop signal: an ordinary exit, which waits for the thread
        assert code == 0
        assert elapsed >= 2

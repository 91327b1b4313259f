"""``python -m ragloom`` (and the ``ragloom`` script) run the ``ragloom`` command."""

from ragloom.collector import pace_for_start
from ragloom.math_threads import one_math_thread


def run() -> None:
    """Run the command, with the collector paced for the imports (see :mod:`ragloom.collector`) and one
    BLAS/OpenMP thread per computation (:mod:`ragloom.math_threads`)."""
    one_math_thread()
    pace_for_start()
    from ragloom.cli.main import main

    main()


if __name__ == "__main__":
    run()

"""``python -m ragloom`` (and the ``ragloom`` script) run the ``ragloom`` command."""

from ragloom.collector import pace_for_start


def run() -> None:
    """Run the command, with the collector paced for the imports (see :mod:`ragloom.collector`)."""
    pace_for_start()
    from ragloom.cli.main import main

    main()


if __name__ == "__main__":
    run()

"""``python -m ragloom`` runs the ``ragloom`` command."""

from ragloom.cli.main import main

main()

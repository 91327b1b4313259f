"""Alembic migrations of the metadata store.

``SCHEMA_HEAD`` names the newest revision so a server whose database is already current
can skip importing alembic at start-up; a test keeps it equal to the scripts' head.
"""

SCHEMA_HEAD = "0016"

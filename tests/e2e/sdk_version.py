"""Which ``ragflow-sdk`` the tests drive: 0.26.0 (the reference client, in the main environment) or 0.27.3
(``scripts/test`` runs the ``sdk``-marked tests again with it, under Python 3.13).

Where the two clients read the same answer differently, a test states what each one does.
"""

from __future__ import annotations

import importlib.metadata

import pytest

SDK_VERSION = tuple(int(part) for part in importlib.metadata.version("ragflow-sdk").split(".")[:2])
SDK_027 = SDK_VERSION >= (0, 27)
"""True under ragflow-sdk 0.27 and later (``ids`` filters, ``Chunk.image_id``, ``Message.id``, downloads
recognised by their ``Content-Disposition``)."""

needs_sdk_027 = pytest.mark.skipif(not SDK_027, reason="this call does not exist in ragflow-sdk 0.26")

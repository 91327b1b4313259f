"""The integers ragloom accepts from a request: what a signed 64-bit column can hold.

SQLite (like every SQL database ragloom could use) stores integers in 64 bits and Python
refuses to bind a larger one, so a larger value is refused where it enters, not where it
would reach the database.
"""

from __future__ import annotations

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
MAX_PAGE = 1_000_000_000
"""The largest page number a list accepts: (page - 1) * page_size must stay far inside 64 bits."""


def fits_int64(value: int) -> bool:
    """Whether ``value`` can be stored in a signed 64-bit integer."""
    return INT64_MIN <= value <= INT64_MAX

"""task lease token: every claim's own token, which fences its worker's writes

Numbered 0013, not 0011: 0011 and 0012 are taken by work on other branches (RAPTOR, knowledge
graph); whichever merges later points its down_revision at the other's.

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A task leased at the upgrade has no token: its worker (of the old version) is gone by then,
    # and the server's start-up takes every leased task back.
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_token", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("lease_token")

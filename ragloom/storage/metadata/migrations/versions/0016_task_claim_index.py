"""task claim index: (status, create_time, id), the order a claim takes queued tasks in

With it a claim reads the queued tasks in order and stops at the first one it may take, instead
of collecting every queued task and sorting them: with a thousand queued, that was most of a claim.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_task_claim", "task", ["status", "create_time", "id"])


def downgrade() -> None:
    op.drop_index("ix_task_claim", table_name="task")

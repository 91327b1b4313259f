"""search apps

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_app",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("avatar", sa.Text(), nullable=True),
        sa.Column("search_config", sa.JSON(), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("search_app", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_app_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_app_create_time"), ["create_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_app_update_time"), ["update_time"], unique=False)
        batch_op.create_index("uq_search_app_tenant_name", ["tenant_id", "name_key"], unique=True)


def downgrade() -> None:
    op.drop_table("search_app")

"""memories, and memory-extraction tasks on the task queue

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "memory",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("avatar", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("memory_type", sa.Integer(), nullable=False),
        sa.Column("storage_type", sa.String(length=16), nullable=False),
        sa.Column("embd_id", sa.String(length=255), nullable=False),
        sa.Column("llm_id", sa.String(length=255), nullable=False),
        sa.Column("permissions", sa.String(length=16), nullable=False),
        sa.Column("memory_size", sa.BigInteger(), nullable=False),
        sa.Column("forgetting_policy", sa.String(length=16), nullable=False),
        sa.Column("temperature", sa.Float(), nullable=False),
        sa.Column("system_prompt", sa.Text(), nullable=True),
        sa.Column("user_prompt", sa.Text(), nullable=True),
        sa.Column("next_message_id", sa.BigInteger(), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("memory", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_memory_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_memory_create_time"), ["create_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_memory_update_time"), ["update_time"], unique=False)
        batch_op.create_index("uq_memory_tenant_name", ["tenant_id", "name_key"], unique=True)

    # A memory task names no document: document_id becomes optional, and the task says which
    # memory and raw message it works on, with a progress of its own.
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.alter_column("document_id", existing_type=sa.String(length=32), nullable=True)
        batch_op.add_column(sa.Column("memory_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("message_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("progress", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("progress_msg", sa.Text(), nullable=False, server_default=""))
        batch_op.create_foreign_key("fk_task_memory_id_memory", "memory", ["memory_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index(batch_op.f("ix_task_memory_id"), ["memory_id"], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM task WHERE document_id IS NULL")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_memory_id"))
        batch_op.drop_constraint("fk_task_memory_id_memory", type_="foreignkey")
        batch_op.drop_column("progress_msg")
        batch_op.drop_column("progress")
        batch_op.drop_column("message_id")
        batch_op.drop_column("memory_id")
        batch_op.alter_column("document_id", existing_type=sa.String(length=32), nullable=False)
    op.drop_table("memory")

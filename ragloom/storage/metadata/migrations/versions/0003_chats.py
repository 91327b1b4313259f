"""chats and their sessions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rerank_model", sa.String(length=255), server_default="", nullable=False))

    op.create_table(
        "chat",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("icon", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=32), nullable=False),
        sa.Column("llm_id", sa.String(length=255), nullable=False),
        sa.Column("llm_setting", sa.JSON(), nullable=False),
        sa.Column("prompt_type", sa.String(length=16), nullable=False),
        sa.Column("prompt_config", sa.JSON(), nullable=False),
        sa.Column("meta_data_filter", sa.JSON(), nullable=False),
        sa.Column("similarity_threshold", sa.Float(), nullable=False),
        sa.Column("vector_similarity_weight", sa.Float(), nullable=False),
        sa.Column("top_n", sa.Integer(), nullable=False),
        sa.Column("top_k", sa.Integer(), nullable=False),
        sa.Column("do_refer", sa.String(length=1), nullable=False),
        sa.Column("rerank_id", sa.String(length=255), nullable=False),
        sa.Column("dataset_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=1), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("chat", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_create_time"), ["create_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_chat_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_chat_update_time"), ["update_time"], unique=False)
        batch_op.create_index("uq_chat_tenant_name", ["tenant_id", "name_key"], unique=True)

    op.create_table(
        "chat_session",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["chat.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("chat_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_session_chat_id"), ["chat_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_chat_session_create_time"), ["create_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_chat_session_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_chat_session_update_time"), ["update_time"], unique=False)


def downgrade() -> None:
    op.drop_table("chat_session")
    op.drop_table("chat")
    with op.batch_alter_table("tenant", schema=None) as batch_op:
        batch_op.drop_column("rerank_model")

"""agents, their versions, sessions and run logs

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_key", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("avatar", sa.Text(), nullable=False),
        sa.Column("permission", sa.String(length=16), nullable=False),
        sa.Column("canvas_type", sa.String(length=64), nullable=False),
        sa.Column("canvas_category", sa.String(length=32), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("dsl", sa.JSON(), nullable=False),
        sa.Column("release", sa.Boolean(), nullable=False),
        sa.Column("last_publish_time", sa.BigInteger(), nullable=True),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agent_create_time"), ["create_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_agent_update_time"), ["update_time"], unique=False)
        batch_op.create_index("uq_agent_tenant_title", ["tenant_id", "canvas_category", "title_key"], unique=True)

    op.create_table(
        "agent_version",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("dsl", sa.JSON(), nullable=False),
        sa.Column("release", sa.Boolean(), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agent_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_version_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agent_version_create_time"), ["create_time"], unique=False)

    op.create_table(
        "agent_session",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("exp_user_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("version_title", sa.Text(), nullable=False),
        sa.Column("dsl", sa.JSON(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("errors", sa.Text(), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agent_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_session_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agent_session_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agent_session_create_time"), ["create_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_agent_session_update_time"), ["update_time"], unique=False)

    op.create_table(
        "agent_log",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("trace", sa.JSON(), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agent_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_log_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agent_log_message_id"), ["message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agent_log_create_time"), ["create_time"], unique=False)


def downgrade() -> None:
    op.drop_table("agent_log")
    op.drop_table("agent_session")
    op.drop_table("agent_version")
    op.drop_table("agent")

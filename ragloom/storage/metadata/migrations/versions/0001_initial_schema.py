"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenant",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("avatar", sa.Text(), nullable=True),
        sa.Column("embedding_model", sa.String(length=255), nullable=False),
        sa.Column("chat_model", sa.String(length=255), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "api_key",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("last_used_time", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_key_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "dataset",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("avatar", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=32), nullable=False),
        sa.Column("embedding_model", sa.String(length=255), nullable=False),
        sa.Column("permission", sa.String(length=16), nullable=False),
        sa.Column("chunk_method", sa.String(length=32), nullable=False),
        sa.Column("pipeline_id", sa.String(length=32), nullable=True),
        sa.Column("parser_config", sa.JSON(), nullable=False),
        sa.Column("pagerank", sa.Integer(), nullable=False),
        sa.Column("similarity_threshold", sa.Float(), nullable=False),
        sa.Column("vector_similarity_weight", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=1), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dataset", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dataset_create_time"), ["create_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_dataset_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dataset_update_time"), ["update_time"], unique=False)
        batch_op.create_index("uq_dataset_tenant_name", ["tenant_id", "name_key"], unique=True)

    op.create_table(
        "document",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("dataset_id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("suffix", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("location", sa.String(length=255), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source_type", sa.String(length=32), nullable=False),
        sa.Column("thumbnail", sa.Text(), nullable=False),
        sa.Column("chunk_method", sa.String(length=32), nullable=False),
        sa.Column("pipeline_id", sa.String(length=32), nullable=True),
        sa.Column("parser_config", sa.JSON(), nullable=False),
        sa.Column("meta_fields", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=1), nullable=False),
        sa.Column("run", sa.String(length=1), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("progress_msg", sa.Text(), nullable=False),
        sa.Column("process_begin_at", sa.BigInteger(), nullable=True),
        sa.Column("process_duration", sa.Float(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("token_count", sa.Integer(), nullable=False),
        sa.Column("create_time", sa.BigInteger(), nullable=False),
        sa.Column("update_time", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["dataset.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_create_time"), ["create_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_dataset_id"), ["dataset_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("uq_document_dataset_name", ["dataset_id", "name"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index("uq_document_dataset_name")
        batch_op.drop_index(batch_op.f("ix_document_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_document_dataset_id"))
        batch_op.drop_index(batch_op.f("ix_document_create_time"))

    op.drop_table("document")
    with op.batch_alter_table("dataset", schema=None) as batch_op:
        batch_op.drop_index("uq_dataset_tenant_name")
        batch_op.drop_index(batch_op.f("ix_dataset_update_time"))
        batch_op.drop_index(batch_op.f("ix_dataset_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_dataset_create_time"))

    op.drop_table("dataset")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_key_tenant_id"))

    op.drop_table("api_key")
    op.drop_table("tenant")

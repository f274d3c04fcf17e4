"""Objections raised during public notice (PN-1); ID-4 reconciliation note; ID-7 re-check.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "objection",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("household_id", sa.String(36), sa.ForeignKey("household.id", ondelete="CASCADE"), nullable=False),
        sa.Column("raised_on", sa.Date, nullable=False),
        sa.Column("raised_by", sa.String(100), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("resolution", sa.Text, nullable=False),
        sa.Column("resolved_on", sa.Date, nullable=True),
    )
    op.create_index("ix_objection_household_id", "objection", ["household_id"])
    with op.batch_alter_table("household") as batch:
        batch.add_column(sa.Column("reconciliation_note", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("moved_to_shop_or_row_house", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("recheck_outcome", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("household") as batch:
        batch.drop_column("recheck_outcome")
        batch.drop_column("moved_to_shop_or_row_house")
        batch.drop_column("reconciliation_note")
    op.drop_index("ix_objection_household_id", "objection")
    op.drop_table("objection")

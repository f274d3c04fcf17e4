"""Supporting files kept with a household (ID-4), content-addressed by SHA-256.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blob",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "attachment",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("household_id", sa.String(36), sa.ForeignKey("household.id", ondelete="CASCADE"), nullable=False),
        sa.Column("purpose", sa.String(30), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("blob.sha256"), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("ix_attachment_household_id", "attachment", ["household_id"])


def downgrade() -> None:
    op.drop_index("ix_attachment_household_id", "attachment")
    op.drop_table("attachment")
    op.drop_table("blob")

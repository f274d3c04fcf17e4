"""The record of corrections entered into the national system (issue 18, 数据清洗): each difference between
the national system's roster and the township's records that the township office has entered there, by the
difference's key (side, field, ID number, both values), when and by whom.  ``roster_correction`` is the
township office's own table: it never travels (no sync columns, never journalled).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roster_correction",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("difference_key", sa.String(300), nullable=False, unique=True),
        sa.Column("field", sa.String(20), nullable=False),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("household_number", sa.String(40), nullable=False),
        sa.Column("national_value", sa.String(40), nullable=False),
        sa.Column("here_value", sa.String(40), nullable=False),
        sa.Column("entered_on", sa.Date, nullable=False),
        sa.Column("entered_by", sa.String(50), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_roster_correction_id_number", "roster_correction", ["id_number"])


def downgrade() -> None:
    op.drop_index("ix_roster_correction_id_number", "roster_correction")
    op.drop_table("roster_correction")

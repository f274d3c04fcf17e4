"""A relocation household's building progress (issues 18, 19): ``building_stage``, one record per stage reached
(foundation laid, main structure, completion, moved in: core.rules.building) with its day, who recorded it and a
short note of the evidence.  A travelling record of the household's village, like the demolition's acceptance;
nothing is written here.

Revision ID: 0019_building
Revises: 0018_report_photos
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_building"
down_revision = "0018_report_photos"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "building_stage",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("sync_versions", sa.Text, nullable=False),
        sa.Column("household_id", sa.String(36), sa.ForeignKey("household.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("reached_on", sa.Date, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
    )
    op.create_index("ix_building_stage_household_id", "building_stage", ["household_id"])


def downgrade() -> None:
    op.drop_index("ix_building_stage_household_id", "building_stage")
    op.drop_table("building_stage")

"""Relocation verification (RL-1..RL-4, HS-5), saved housing plans, dangerous houses (SB-3).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def travelling() -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
    ]


def household() -> sa.Column:
    return sa.Column("household_id", sa.String(36), sa.ForeignKey("household.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    text = {name: sa.Column(name, sa.Text, nullable=False) for name in (
        "area_reason", "exclusion_reason", "objections", "reverification")}
    op.create_table(
        "relocation_verification",
        *travelling(),
        household(),
        sa.Column("in_scope", sa.Boolean, nullable=False),
        sa.Column("area_category", sa.String(30), nullable=False),
        text["area_reason"],
        sa.Column("exclusion", sa.String(30), nullable=False),
        text["exclusion_reason"],
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("site", sa.String(200), nullable=False),
        sa.Column("building_mode", sa.String(20), nullable=False),
        sa.Column("latitude", sa.String(20), nullable=False),
        sa.Column("longitude", sa.String(20), nullable=False),
        sa.Column("notice_start", sa.Date, nullable=True),
        sa.Column("notice_end", sa.Date, nullable=True),
        sa.Column("notice_place", sa.String(200), nullable=False),
        text["objections"],
        text["reverification"],
        sa.Column("secretary", sa.String(50), nullable=False),
        sa.Column("secretary_signed_on", sa.Date, nullable=True),
        sa.Column("director", sa.String(50), nullable=False),
        sa.Column("director_signed_on", sa.Date, nullable=True),
        sa.Column("team_leader", sa.String(50), nullable=False),
        sa.Column("team_leader_signed_on", sa.Date, nullable=True),
        sa.Column("submitted_on", sa.Date, nullable=True),
        sa.UniqueConstraint("household_id"),
    )
    op.create_table(
        "housing_plan",
        *travelling(),
        household(),
        sa.Column("parameters_version", sa.String(20), nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("results", sa.Text, nullable=False),
        sa.Column("compliant", sa.Boolean, nullable=False),
        sa.Column("chosen_option", sa.String(30), nullable=False),
        sa.Column("co_investor", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("ix_housing_plan_household_id", "housing_plan", ["household_id"])
    op.create_table(
        "dangerous_house",
        *travelling(),
        household(),
        sa.Column("grade", sa.String(1), nullable=False),
        sa.Column("appraiser", sa.String(200), nullable=False),
        sa.Column("appraised_on", sa.Date, nullable=False),
        sa.Column("rebuild", sa.Boolean, nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),
    )
    op.create_index("ix_dangerous_house_household_id", "dangerous_house", ["household_id"])


def downgrade() -> None:
    op.drop_table("dangerous_house")
    op.drop_table("housing_plan")
    op.drop_table("relocation_verification")

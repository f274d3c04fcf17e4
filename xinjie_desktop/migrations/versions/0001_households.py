"""Households, members, income worksheets and the identification workflow.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def travelling() -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "local_setting",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "township",
        *travelling(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("command_centre", sa.String(200), nullable=False),
        sa.Column("is_demo", sa.Boolean, nullable=False),
    )
    op.create_table(
        "village",
        *travelling(),
        sa.Column("township_id", sa.String(36), sa.ForeignKey("township.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
    )
    op.create_table(
        "villager_group",
        *travelling(),
        sa.Column("village_id", sa.String(36), sa.ForeignKey("village.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
    )
    op.create_index("ix_villager_group_village_id", "villager_group", ["village_id"])
    op.create_table(
        "household",
        *travelling(),
        sa.Column("group_id", sa.String(36), sa.ForeignKey("villager_group.id"), nullable=False),
        sa.Column("village_id", sa.String(36), sa.ForeignKey("village.id"), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(30), nullable=False),
        sa.Column("labour_willing", sa.Boolean, nullable=False),
        sa.Column("national_number", sa.String(40), nullable=False),
        sa.Column("system_population", sa.Integer, nullable=True),
        sa.Column("attribute", sa.String(20), nullable=False),
        sa.Column("main_cause", sa.String(20), nullable=False),
        sa.Column("secondary_causes", sa.String(200), nullable=False),
        sa.Column("identification_standard", sa.String(20), nullable=False),
        sa.Column("exited", sa.Boolean, nullable=False),
        sa.Column("exit_year", sa.Integer, nullable=True),
        sa.Column("helper_cadre", sa.String(50), nullable=False),
        sa.Column("head_name", sa.String(50), nullable=False),
        sa.Column("head_id_number", sa.String(18), nullable=False),
        sa.Column("actual_population", sa.Integer, nullable=False),
        sa.Column("workflow_step", sa.String(20), nullable=False),
        sa.Column("flags", sa.String(200), nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
    )
    op.create_index("ix_household_group_id", "household", ["group_id"])
    op.create_index("ix_household_village_id", "household", ["village_id"])
    op.create_index("ix_household_head_name", "household", ["head_name"])
    op.create_index("ix_household_head_id_number", "household", ["head_id_number"])
    op.create_index("ix_household_workflow_step", "household", ["workflow_step"])
    op.create_index("ix_household_village_group", "household", ["village_id", "group_id", "head_name"])
    op.create_table(
        "member",
        *travelling(),
        sa.Column("household_id", sa.String(36), sa.ForeignKey("household.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("relation", sa.String(20), nullable=False),
        sa.Column("sex", sa.String(10), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=True),
        sa.Column("ethnicity", sa.String(20), nullable=False),
        sa.Column("education", sa.String(20), nullable=False),
        sa.Column("health", sa.String(20), nullable=False),
        sa.Column("labour", sa.String(20), nullable=False),
        sa.Column("schooling", sa.String(20), nullable=False),
        sa.Column("dibao", sa.Boolean, nullable=False),
        sa.Column("membership_basis", sa.String(30), nullable=False),
        sa.Column("registered", sa.Boolean, nullable=False),
    )
    op.create_index("ix_member_household_id", "member", ["household_id"])
    op.create_index("ix_member_id_number", "member", ["id_number"])
    op.create_table(
        "income_worksheet",
        *travelling(),
        sa.Column("household_id", sa.String(36), sa.ForeignKey("household.id", ondelete="CASCADE"), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("wage", sa.Integer, nullable=False),
        sa.Column("business", sa.Integer, nullable=False),
        sa.Column("property_income", sa.Integer, nullable=False),
        sa.Column("transfer", sa.Integer, nullable=False),
        sa.Column("production_costs", sa.Integer, nullable=False),
        sa.UniqueConstraint("household_id", "year"),
    )
    op.create_index("ix_income_worksheet_household_id", "income_worksheet", ["household_id"])
    op.create_table(
        "workflow_step",
        *travelling(),
        sa.Column("household_id", sa.String(36), sa.ForeignKey("household.id", ondelete="CASCADE"), nullable=False),
        sa.Column("step", sa.String(20), nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("done_on", sa.Date, nullable=False),
        sa.Column("done_by", sa.String(100), nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("is_omission", sa.Boolean, nullable=False),
        sa.Column("omission_reason", sa.Text, nullable=False),
        sa.Column("notice_place", sa.String(200), nullable=False),
        sa.Column("notice_end", sa.Date, nullable=True),
        sa.UniqueConstraint("household_id", "step"),
    )
    op.create_index("ix_workflow_step_household_id", "workflow_step", ["household_id"])


def downgrade() -> None:
    for table in ("workflow_step", "income_worksheet", "member", "household", "villager_group", "village", "township", "local_setting"):
        op.drop_table(table)

"""Funds (issue 19, FD-1 to FD-3): the ledger of funds received (``fund``: source, documents, arrival, amount
in fen, account, use and units, the paperwork done and a loan's replacement), the payments to households by
building progress with their acknowledgement (``fund_payment``), and the checks of the funds' use with their
findings and rectification (``fund_check``, ``fund_finding``).  Travelling records like the others; nothing is
written here.

Revision ID: 0015_funds
Revises: 0014
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_funds"
down_revision = "0014"
branch_labels = None
depends_on = None


def _travelling() -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("sync_versions", sa.Text, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "fund",
        *_travelling(),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("plan_document", sa.String(100), nullable=False),
        sa.Column("fund_document", sa.String(100), nullable=False),
        sa.Column("arrived_on", sa.Date, nullable=False),
        sa.Column("amount", sa.Integer, nullable=False),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("use", sa.Text, nullable=False),
        sa.Column("units", sa.Text, nullable=False),
        sa.Column("paperwork_done_on", sa.Date, nullable=True),
        sa.Column("replaced_on", sa.Date, nullable=True),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_table(
        "fund_payment",
        *_travelling(),
        sa.Column("household_id", sa.String(36), sa.ForeignKey("household.id", ondelete="CASCADE"), nullable=False),
        sa.Column("fund_id", sa.String(36), sa.ForeignKey("fund.id"), nullable=False),
        sa.Column("agreement_id", sa.String(36), sa.ForeignKey("agreement.id"), nullable=False),
        sa.Column("tranche", sa.String(20), nullable=False),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("amount", sa.Integer, nullable=False),
        sa.Column("acknowledgement", sa.String(10), nullable=False),
        sa.Column("acknowledged_on", sa.Date, nullable=True),
        sa.Column("acknowledged_by", sa.String(50), nullable=False),
        sa.Column("acknowledgement_sha256", sa.String(64), sa.ForeignKey("blob.sha256"), nullable=True),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("ix_fund_payment_household_id", "fund_payment", ["household_id"])
    op.create_index("ix_fund_payment_fund_id", "fund_payment", ["fund_id"])
    op.create_table(
        "fund_check",
        *_travelling(),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("checked_by", sa.String(200), nullable=False),
        sa.Column("looked_at", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
    )
    op.create_table(
        "fund_finding",
        *_travelling(),
        sa.Column("check_id", sa.String(36), sa.ForeignKey("fund_check.id", ondelete="CASCADE"), nullable=False),
        sa.Column("fund_id", sa.String(36), sa.ForeignKey("fund.id"), nullable=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("major", sa.Boolean, nullable=False),
        sa.Column("found_at", sa.DateTime, nullable=False),
        sa.Column("reported_at", sa.DateTime, nullable=True),
        sa.Column("rectification", sa.Text, nullable=False),
        sa.Column("rectified_on", sa.Date, nullable=True),
    )
    op.create_index("ix_fund_finding_check_id", "fund_finding", ["check_id"])


def downgrade() -> None:
    op.drop_index("ix_fund_finding_check_id", "fund_finding")
    op.drop_table("fund_finding")
    op.drop_table("fund_check")
    op.drop_index("ix_fund_payment_fund_id", "fund_payment")
    op.drop_index("ix_fund_payment_household_id", "fund_payment")
    op.drop_table("fund_payment")
    op.drop_table("fund")

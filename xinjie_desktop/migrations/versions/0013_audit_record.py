"""The record of who did what (issue 17): ``audit_record``, one entry for each change of the journal
(``change_log``) from this revision on, naming the account that made it (its id and name at the time),
when, the values it replaced, and its place in its device's chain of hashes (core.sync.audit_chain).

Nothing is written here: the changes journalled before this revision name no person (there were no
accounts) and their old values are gone; each device's chain starts with its first change after the
upgrade (``prev_hash`` the genesis value), and the record of who did what covers the changes from then on.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_record",
        sa.Column("origin_device", sa.String(36), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("account_name", sa.String(100), nullable=False),
        sa.Column("old", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_audit_record_at", "audit_record", ["at"])
    op.create_index("ix_audit_record_account", "audit_record", ["account_name"])


def downgrade() -> None:
    op.drop_index("ix_audit_record_account", "audit_record")
    op.drop_index("ix_audit_record_at", "audit_record")
    op.drop_table("audit_record")

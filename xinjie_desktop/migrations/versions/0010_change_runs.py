"""Each device signs the runs of its own changes, and the signatures travel with the changes (issue 13,
case 4): ``change_run`` holds this store's signed runs and those of other devices that came with their
changes (with the hashes of a run's changes a relay left out), so that a change attributed to a device can
be checked as that device's own through any relay.

Nothing is signed here: a store signs its own journal, this revision's history included, when it next
exports (core.sync.runs.sign_own); other devices' history cannot be signed for them (see
docs/design/sync.md §9).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_run",
        sa.Column("origin_device", sa.String(36), primary_key=True),
        sa.Column("first_seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
        sa.Column("signature", sa.String(100), nullable=False),
        sa.Column("omitted", sa.Text, nullable=False, server_default="{}"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("change_run")

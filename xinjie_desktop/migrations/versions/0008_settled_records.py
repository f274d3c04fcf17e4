"""A one-of record set aside by the merge (entered on two computers, the other kept) remembers the record
that took its place, so that it can take the place back when that one is deleted on its own (a year's
income worksheet cleared): ``tombstone.settled_by``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tombstone") as batch:
        batch.add_column(sa.Column("settled_by", sa.String(36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tombstone") as batch:
        batch.drop_column("settled_by")

"""The day the old house was demolished, recorded with its acceptance (验收): the reward of SB-1 and SB-2
is for demolishing the old house on time (按时拆除旧房), and the acceptance may follow later without
costing the household its reward.  ``demolition_acceptance.demolished_on``; an acceptance recorded before
this revision has none, and its acceptance date stands for it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("demolition_acceptance") as batch:
        batch.add_column(sa.Column("demolished_on", sa.Date, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("demolition_acceptance") as batch:
        batch.drop_column("demolished_on")

"""The household list in village, group and head order (names, not ids), from one index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("household") as batch:
        batch.add_column(sa.Column("list_key", sa.String(300), nullable=False, server_default=""))
    op.execute(
        "UPDATE household SET list_key = ("
        " SELECT village.name || char(31) || villager_group.name || char(31) || household.head_name"
        " FROM villager_group JOIN village ON village.id = villager_group.village_id"
        " WHERE villager_group.id = household.group_id)"
    )
    op.drop_index("ix_household_village_group", "household")
    op.create_index("ix_household_list_key", "household", ["list_key", "id"])


def downgrade() -> None:
    op.drop_index("ix_household_list_key", "household")
    op.create_index("ix_household_village_group", "household", ["village_id", "group_id", "head_name"])
    with op.batch_alter_table("household") as batch:
        batch.drop_column("list_key")

"""The weekly bulletin and the progress view (issue 18).

``bulletin``: the bulletins the township issued (WT-2: at least one a week), one per ISO week (``2017-W16``), kept
at the office that issued them: the figures as issued (JSON, core.records.progress.as_json: what the next
bulletin compares with), the PDF as issued (its bytes in ``blob``), who issued it and when.  A local table: a
bulletin is the township office's document, never sent to laptops (core.store.canonical_dump.LOCAL_TABLES).

Three covering indexes let the progress view count 100,000 households without reading the household table:
``ix_household_progress`` (the workflow state, the flags and the village of every household: one pass for
every state and flag), ``ix_household_village`` (a household's village from its id: the relational figures),
``ix_workflow_step_day`` (the weekly trend of households entered into the national system).

Revision ID: 0017_bulletins
Revises: 0016_teams
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_bulletins"
down_revision = "0016_teams"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulletin",
        sa.Column("week", sa.String(8), primary_key=True),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.Column("issued_by", sa.String(100), nullable=False),
        sa.Column("figures", sa.Text, nullable=False),
        sa.Column("pdf_sha256", sa.String(64), sa.ForeignKey("blob.sha256"), nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
    )
    op.create_index("ix_household_progress", "household", ["workflow_step", "flags", "village_id"])
    op.create_index("ix_household_village", "household", ["id", "village_id"])
    op.create_index("ix_workflow_step_day", "workflow_step", ["step", "passed", "done_on"])


def downgrade() -> None:
    op.drop_index("ix_workflow_step_day", "workflow_step")
    op.drop_index("ix_household_village", "household")
    op.drop_index("ix_household_progress", "household")
    op.drop_table("bulletin")

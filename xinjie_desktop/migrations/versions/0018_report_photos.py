"""The weekly reports' photos (issue 20, WT-2: each team reports its week "with pictures"): a photo of a report,
resized for the stick like a visit's (the bytes in ``blob``, once per content), a travelling record naming its
village, going with its report.  Nothing is written here: the stores of before hold no report photo.

Revision ID: 0018_report_photos
Revises: 0017_bulletins
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_report_photos"
down_revision = "0017_bulletins"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "weekly_report_photo",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("sync_versions", sa.Text, nullable=False),
        sa.Column("village_id", sa.String(36), sa.ForeignKey("village.id"), nullable=False),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("weekly_report.id", ondelete="CASCADE"), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("blob.sha256"), nullable=False),
    )
    op.create_index("ix_weekly_report_photo_village_id", "weekly_report_photo", ["village_id"])
    op.create_index("ix_weekly_report_photo_report_id", "weekly_report_photo", ["report_id"])


def downgrade() -> None:
    op.drop_index("ix_weekly_report_photo_report_id", "weekly_report_photo")
    op.drop_index("ix_weekly_report_photo_village_id", "weekly_report_photo")
    op.drop_table("weekly_report_photo")

"""Work teams (issue 20; WT-1 to WT-3): the members of each village's team with their arrival and their
helper-cadre pairings with households, the WT-1 tasks a team reports done, the visits to households with their
photos (the bytes in ``blob``, once per content), the meetings, the weekly reports and the township's checks.
Every one a travelling record naming its village, as the households' records are.  Nothing is written here:
the stores of before hold no team.

Revision ID: 0016_teams
Revises: 0015_funds
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_teams"
down_revision = "0015_funds"
branch_labels = None
depends_on = None


def travelling(village_nullable: bool = False) -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("sync_versions", sa.Text, nullable=False),
        sa.Column("village_id", sa.String(36), sa.ForeignKey("village.id"), nullable=village_nullable),
    ]


def cascade(name: str, table: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(36), sa.ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=nullable)


TABLES = ("team_member", "helper_pairing", "team_milestone", "team_visit", "team_visit_photo", "team_meeting")
TABLES += ("weekly_report", "team_check")
INDEXES = (
    ("helper_pairing", "member_id"),
    ("helper_pairing", "household_id"),
    ("team_visit", "household_id"),
    ("team_visit", "visited_on"),
    ("team_visit_photo", "visit_id"),
)


def upgrade() -> None:
    op.create_table(
        "team_member",
        *travelling(),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("unit", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("telephone", sa.String(30), nullable=False),
        sa.Column("arrived_on", sa.Date, nullable=False),
        sa.Column("left_on", sa.Date, nullable=True),
        sa.Column("account_name", sa.String(64), nullable=False),
    )
    op.create_table(
        "helper_pairing",
        *travelling(),
        cascade("member_id", "team_member"),
        cascade("household_id", "household"),
        sa.Column("start_on", sa.Date, nullable=False),
        sa.Column("end_on", sa.Date, nullable=True),
    )
    op.create_table(
        "team_milestone",
        *travelling(),
        sa.Column("task", sa.String(30), nullable=False),
        sa.Column("done_on", sa.Date, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
    )
    op.create_table(
        "team_visit",
        *travelling(),
        cascade("household_id", "household"),
        sa.Column("visited_on", sa.Date, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("member_ids", sa.Text, nullable=False),
        sa.Column("done", sa.Text, nullable=False),
        sa.Column("promises", sa.Text, nullable=False),
    )
    op.create_table(
        "team_visit_photo",
        *travelling(),
        cascade("visit_id", "team_visit"),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("blob.sha256"), nullable=False),
    )
    op.create_table(
        "team_meeting",
        *travelling(village_nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("attendees", sa.Text, nullable=False),
        sa.Column("minutes", sa.Text, nullable=False),
        sa.Column("decisions", sa.Text, nullable=False),
    )
    op.create_table(
        "weekly_report",
        *travelling(),
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("sent_on", sa.Date, nullable=True),
    )
    op.create_table(
        "team_check",
        *travelling(),
        sa.Column("checked_on", sa.Date, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("checker", sa.String(100), nullable=False),
        cascade("member_id", "team_member", nullable=True),
        cascade("household_id", "household", nullable=True),
        sa.Column("result", sa.String(20), nullable=False),
        sa.Column("findings", sa.Text, nullable=False),
        sa.Column("follow_up", sa.Text, nullable=False),
        sa.Column("follow_up_done_on", sa.Date, nullable=True),
        sa.Column("talked_to", sa.Boolean, nullable=False),
    )
    for table in TABLES:
        op.create_index(f"ix_{table}_village_id", table, ["village_id"])
    for table, column in INDEXES:
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        op.drop_index(f"ix_{table}_{column}", table)
    for table in reversed(TABLES):
        op.drop_index(f"ix_{table}_village_id", table)
        op.drop_table(table)

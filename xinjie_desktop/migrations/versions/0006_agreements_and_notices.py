"""Agreements with their signatures, demolition acceptance, public-notice sheets and objections.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def travelling() -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
    ]


def blob(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.String(64), sa.ForeignKey("blob.sha256"), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("township") as batch:
        batch.add_column(sa.Column("representative", sa.String(50), nullable=False, server_default=""))
    op.create_table(
        "agreement",
        *travelling(),
        sa.Column("household_id", sa.String(36), sa.ForeignKey("household.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("number", sa.String(60), nullable=False, unique=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("supersedes_id", sa.String(36), sa.ForeignKey("agreement.id"), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("template_version", sa.String(20), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("demolition_deadline", sa.Date, nullable=True),
        sa.Column("signing_method", sa.String(10), nullable=False),
        sa.Column("signed_on", sa.Date, nullable=True),
        sa.Column("fingerprint", sa.Boolean, nullable=False),
        blob("scan_sha256"),
        blob("signed_pdf_sha256"),
        sa.Column("voided_on", sa.Date, nullable=True),
        sa.Column("void_reason", sa.Text, nullable=False),
    )
    op.create_index("ix_agreement_household_id", "agreement", ["household_id"])
    op.create_table(
        "agreement_signature",
        *travelling(),
        sa.Column("agreement_id", sa.String(36), sa.ForeignKey("agreement.id", ondelete="CASCADE"), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("signer_name", sa.String(50), nullable=False),
        blob("image_sha256", nullable=False),
    )
    op.create_index("ix_agreement_signature_agreement_id", "agreement_signature", ["agreement_id"])
    op.create_table(
        "demolition_acceptance",
        *travelling(),
        sa.Column("household_id", sa.String(36), sa.ForeignKey("household.id", ondelete="CASCADE"), nullable=False),
        sa.Column("agreement_id", sa.String(36), sa.ForeignKey("agreement.id"), nullable=False),
        sa.Column("accepted_on", sa.Date, nullable=False),
        sa.Column("inspector", sa.String(100), nullable=False),
        blob("photo_sha256"),
        sa.Column("old_certificate_returned", sa.Boolean, nullable=False),
        sa.Column("new_certificate_number", sa.String(60), nullable=False),
        sa.Column("reclamation", sa.String(20), nullable=False),
    )
    op.create_index("ix_demolition_acceptance_household_id", "demolition_acceptance", ["household_id"])
    op.create_table(
        "public_notice",
        *travelling(),
        sa.Column("village_id", sa.String(36), sa.ForeignKey("village.id"), nullable=False),
        sa.Column("group_id", sa.String(36), sa.ForeignKey("villager_group.id"), nullable=True),
        sa.Column("subject", sa.String(20), nullable=False),
        sa.Column("posting_round", sa.Integer, nullable=False),
        sa.Column("previous_id", sa.String(36), sa.ForeignKey("public_notice.id"), nullable=True),
        sa.Column("audited_on", sa.Date, nullable=True),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("objection_contact", sa.Text, nullable=False),
        sa.Column("entries", sa.Text, nullable=False),
    )
    op.create_index("ix_public_notice_village_id", "public_notice", ["village_id"])
    op.create_table(
        "notice_objection",
        *travelling(),
        sa.Column("notice_id", sa.String(36), sa.ForeignKey("public_notice.id", ondelete="CASCADE"), nullable=False),
        sa.Column("household_id", sa.String(36), sa.ForeignKey("household.id"), nullable=True),
        sa.Column("raised_on", sa.Date, nullable=False),
        sa.Column("raised_by", sa.String(100), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("reverification", sa.Text, nullable=False),
        sa.Column("resolved_on", sa.Date, nullable=True),
    )
    op.create_index("ix_notice_objection_notice_id", "notice_objection", ["notice_id"])


def downgrade() -> None:
    for table in ("notice_objection", "public_notice", "demolition_acceptance", "agreement_signature", "agreement"):
        op.drop_table(table)
    with op.batch_alter_table("township") as batch:
        batch.drop_column("representative")

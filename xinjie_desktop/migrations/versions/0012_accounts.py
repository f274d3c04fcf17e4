"""Accounts (issue 17): who may open the store, with which role, in which villages.  A travelling record
like the households' (made at the township, it reaches the laptops of its villages in bundles): login
name, display name, role, village scope (JSON list of village ids; empty: every village), may sign for the
township, the Argon2id hash of the password, locked, who made it, countersigned by the township or not,
and the account's key pair for the store's data key (public key, password-encrypted private key).

A store without accounts is opened as before (no login); the first administrator made turns login on.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("sync_versions", sa.Text, nullable=False),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("villages", sa.Text, nullable=False),
        sa.Column("may_sign", sa.Boolean, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("locked", sa.Boolean, nullable=False),
        sa.Column("made_by", sa.String(36), nullable=False),
        sa.Column("countersigned", sa.Boolean, nullable=False),
        sa.Column("public_key", sa.Text, nullable=True),
        sa.Column("encrypted_private_key", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("accounts")

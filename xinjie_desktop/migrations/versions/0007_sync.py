"""Sync by USB bundles (issue 5): per-field versions on every travelling record, the change
journal, tombstones, peers, cursors, the bundle log, conflicts and possible duplicates.

Records already stored are journalled once each (an ``upsert`` of all their fields, from this
store's device, stamped with their ``updated_at``), so an existing store can sync at once.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TRAVELLING = ("township", "village", "villager_group", "household", "member", "income_worksheet", "workflow_step",
              "objection", "attachment", "relocation_verification", "housing_plan", "dangerous_house", "agreement",
              "agreement_signature", "demolition_acceptance", "public_notice", "notice_objection")
DERIVED = {"household": {"head_name", "head_id_number", "actual_population", "workflow_step", "flags", "search_text",
                         "list_key"}}
# The village each table's records belong to, as SQL over the table aliased "r" (None: township-wide).
VILLAGE = {
    "township": "NULL", "village": "r.id", "villager_group": "r.village_id", "household": "r.village_id",
    "public_notice": "r.village_id",
    "agreement_signature": "(SELECT h.village_id FROM agreement a JOIN household h ON h.id = a.household_id "
                           "WHERE a.id = r.agreement_id)",
    "notice_objection": "(SELECT p.village_id FROM public_notice p WHERE p.id = r.notice_id)",
}
VIA_HOUSEHOLD = "(SELECT h.village_id FROM household h WHERE h.id = r.household_id)"


def upgrade() -> None:
    for table in TRAVELLING:
        op.add_column(table, sa.Column("sync_versions", sa.Text, nullable=False, server_default=""))
    op.create_table(
        "change_log",
        sa.Column("origin_device", sa.String(36), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("hlc", sa.BigInteger, nullable=False),
        sa.Column("table_name", sa.String(40), nullable=False),
        sa.Column("row_id", sa.String(36), nullable=False),
        sa.Column("op", sa.String(10), nullable=False),
        sa.Column("village_id", sa.String(36), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("bases", sa.Text, nullable=False, server_default="{}"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "tombstone",
        sa.Column("table_name", sa.String(40), primary_key=True),
        sa.Column("row_id", sa.String(36), primary_key=True),
        sa.Column("hlc", sa.BigInteger, nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("seen_hlc", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "sync_peer",
        sa.Column("device_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, server_default=""),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("signing_public", sa.String(64), nullable=False),
        sa.Column("box_public", sa.String(64), nullable=False),
        sa.Column("scope", sa.Text, nullable=False, server_default="[]"),
        sa.Column("provisioning_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("former_ids", sa.Text, nullable=False, server_default="[]"),
        sa.Column("trusted", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("problem", sa.Text, nullable=False, server_default=""),
        sa.Column("first_seen", sa.DateTime, nullable=False),
        sa.Column("last_seen", sa.DateTime, nullable=False),
        sa.Column("last_bundle_id", sa.String(36), nullable=False, server_default=""),
    )
    op.create_table(
        "peer_cursor",
        sa.Column("peer_id", sa.String(36), primary_key=True),
        sa.Column("origin_device", sa.String(36), primary_key=True),
        sa.Column("acked_seq", sa.Integer, nullable=False),
    )
    op.create_table(
        "origin_cursor",
        sa.Column("origin_device", sa.String(36), primary_key=True),
        sa.Column("received_seq", sa.Integer, nullable=False),
    )
    op.create_table(
        "bundle_log",
        sa.Column("bundle_id", sa.String(36), primary_key=True),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("peer_id", sa.String(36), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False, server_default=""),
        sa.Column("sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("covers", sa.Text, nullable=False, server_default="{}"),
        sa.Column("counts", sa.Text, nullable=False, server_default="{}"),
        sa.Column("report", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("table_name", sa.String(40), nullable=False),
        sa.Column("row_id", sa.String(36), nullable=False),
        sa.Column("field", sa.String(60), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False, server_default="field"),
        sa.Column("winner", sa.Text, nullable=False),
        sa.Column("losers", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="open"),
        sa.Column("detected_at", sa.DateTime, nullable=False),
        sa.Column("resolved_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_sync_conflict_status", "sync_conflict", ["status"])
    op.create_table(
        "possible_duplicate",
        sa.Column("id_number", sa.String(18), primary_key=True),
        sa.Column("household_ids", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="open"),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("detected_at", sa.DateTime, nullable=False),
    )
    _journal_existing_records()


def _columns(bind, table: str) -> list[str]:
    return [row[1] for row in bind.exec_driver_sql(f"PRAGMA table_info({table})")]


def _journal_existing_records() -> None:
    bind = op.get_bind()
    row = bind.exec_driver_sql("SELECT value FROM local_setting WHERE key = 'device_id'").first()
    if row is None:
        return
    device = row[0]
    seq, highest = 0, 0
    for table in TRAVELLING:
        names = [c for c in _columns(bind, table) if c not in DERIVED.get(table, set()) | {"id", "sync_versions"}]
        village = VILLAGE.get(table, VIA_HOUSEHOLD)
        query = (f"SELECT r.id, {village}, " + ", ".join(f"r.{c}" for c in names)
                 + f" FROM {table} r ORDER BY r.updated_at, r.id")
        changes, versions = [], []
        for record in bind.exec_driver_sql(query):
            values = dict(zip(names, record[2:]))
            try:
                stamp = dt.datetime.fromisoformat(str(values["updated_at"])).replace(tzinfo=dt.timezone.utc)
                hlc = int(stamp.timestamp() * 1000)
            except ValueError:
                hlc = 1
            seq += 1
            highest = max(highest, hlc)
            changes.append({"o": device, "s": seq, "h": hlc, "t": table, "r": record[0], "v": record[1],
                            "p": json.dumps({k: _json(values[k], k) for k in sorted(values)}, ensure_ascii=False,
                                            sort_keys=True, separators=(",", ":"))})
            versions.append({"id": record[0],
                             "sv": json.dumps({"*": [hlc, values["device_id"] or device]}, separators=(",", ":"))})
        if changes:
            bind.execute(sa.text("INSERT INTO change_log (origin_device, seq, hlc, table_name, row_id, op, village_id, "
                                 "payload, bases) VALUES (:o, :s, :h, :t, :r, 'upsert', :v, :p, '{}')"), changes)
            bind.execute(sa.text(f"UPDATE {table} SET sync_versions = :sv WHERE id = :id"),
                         versions)
    if highest:
        bind.execute(sa.text("INSERT INTO local_setting (key, value) VALUES ('sync_hlc', :v) "
                             "ON CONFLICT(key) DO UPDATE SET value = excluded.value"), {"v": str(highest)})


BOOLEANS = {"is_demo", "labour_willing", "exited", "moved_to_shop_or_row_house", "dibao", "registered", "passed",
            "is_omission", "in_scope", "compliant", "rebuild", "fingerprint", "old_certificate_returned"}


def _json(value, name: str):
    """A stored value as the change journal writes it (dates ISO 8601 with 'T', booleans true/false)."""
    if name in BOOLEANS and value is not None:
        return bool(value)
    if isinstance(value, str) and name in ("created_at", "updated_at"):
        return value.replace(" ", "T")
    return value


def downgrade() -> None:
    for name in ("possible_duplicate", "sync_conflict", "bundle_log", "origin_cursor", "peer_cursor", "sync_peer",
                 "tombstone", "change_log"):
        op.drop_table(name)
    for table in TRAVELLING:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("sync_versions")

"""A one-of record set aside by the merge (entered on two computers, the other kept) remembers the record
that took its place, so that it can take the place back when that one is deleted on its own (a year's
income worksheet cleared): ``tombstone.settled_by``.

And the deletes the household editor made without journalling them (a member removed, a year's income
cleared: before this revision the flush deleted them unseen by the journal, so other computers kept them)
are journalled now, as this computer's deletes: a record whose creation is in the journal, no longer
stored and with no tombstone.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

import json
import time

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


TRAVELLING = ("township", "village", "villager_group", "household", "member", "income_worksheet", "workflow_step",
              "objection", "attachment", "relocation_verification", "housing_plan", "dangerous_house", "agreement",
              "agreement_signature", "demolition_acceptance", "public_notice", "notice_objection")


def upgrade() -> None:
    with op.batch_alter_table("tombstone") as batch:
        batch.add_column(sa.Column("settled_by", sa.String(36), nullable=True))
    _journal_lost_deletes()


def _journal_lost_deletes() -> None:
    bind = op.get_bind()
    row = bind.exec_driver_sql("SELECT value FROM local_setting WHERE key = 'device_id'").first()
    if row is None:
        return
    device = row[0]
    seq = bind.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM change_log WHERE origin_device = ?", (device,)).scalar()
    clock = bind.exec_driver_sql("SELECT value FROM local_setting WHERE key = 'sync_hlc'").scalar()
    hlc = max(int(time.time() * 1000), int(clock or 0) + 1)
    changes, tombstones = [], []
    for table in TRAVELLING:
        for row_id, village, seen in bind.exec_driver_sql(
                "SELECT c.row_id, max(CASE WHEN instr(c.payload, '\"created_at\":') > 0 THEN c.village_id END), "
                f"max(c.hlc) FROM change_log c WHERE c.table_name = ? AND c.op = 'upsert' AND NOT EXISTS "
                f"(SELECT 1 FROM {table} r WHERE r.id = c.row_id) AND NOT EXISTS (SELECT 1 FROM tombstone b "
                "WHERE b.table_name = c.table_name AND b.row_id = c.row_id) GROUP BY c.row_id "
                "HAVING max(instr(c.payload, '\"created_at\":') > 0) = 1 ORDER BY c.row_id", (table,)):
            seq += 1
            changes.append({"o": device, "s": seq, "h": hlc, "t": table, "r": row_id, "v": village,
                            "b": json.dumps({"seen": int(seen)}, separators=(",", ":"))})
            tombstones.append({"t": table, "r": row_id, "h": hlc, "d": device, "s": int(seen)})
    if not changes:
        return
    bind.execute(sa.text("INSERT INTO change_log (origin_device, seq, hlc, table_name, row_id, op, village_id, payload, "
                         "bases) VALUES (:o, :s, :h, :t, :r, 'delete', :v, '{}', :b)"), changes)
    bind.execute(sa.text("INSERT INTO tombstone (table_name, row_id, hlc, device_id, seen_hlc) VALUES (:t, :r, :h, :d, :s)"),
                 tombstones)
    bind.execute(sa.text("INSERT INTO local_setting (key, value) VALUES ('sync_hlc', :v) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value"), {"v": str(hlc)})


def downgrade() -> None:
    with op.batch_alter_table("tombstone") as batch:
        batch.drop_column("settled_by")

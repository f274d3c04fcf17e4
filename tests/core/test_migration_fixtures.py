"""Stores saved by every schema revision open at head with every row intact (issue 12).

As Electrum keeps wallet files of its old releases (tests/test_storage_upgrade.py), tests/fixtures/stores
keeps one store saved by each revision 0001 ... 0011 and 0014, filled with plain SQL for that revision's schema by
scripts/make_migration_fixtures.py (a township at work in spring 2017: villages, groups, three households
with members, incomes, workflow steps and objections, then as the schema grew supporting files, a
relocation verification, a saved plan, a dangerous house, agreements with signatures, a public notice and
what sync keeps, from 0009 the day an old house was demolished, from 0010 signed runs of changes).  Each test opens a copy the way the application does
(``sync.workstore.open_store``).

And a released migration never changes: stores in the field were upgraded by those files as they are,
and a change to one would leave them different from stores upgraded afterwards, with nothing to tell
them apart; a correction is a new revision.  ``RELEASED`` holds the SHA-256 of every released file (line
endings as LF, so that a Windows checkout hashes the same); a new revision adds its line when released.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import shutil
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text as text_

import xinjie_desktop
from xinjie_desktop.core.records import accounts, agreements, households, housing_plans, public_notice, relocation
from xinjie_desktop.core.rules.permissions import PermissionRefused
from xinjie_desktop.core.store import backups, canonical_dump
from xinjie_desktop.core.store.database import DERIVED_INDEX_TABLES, head_revision, known_revisions
from xinjie_desktop.core.sync.workstore import open_store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "stores"
REVISIONS = sorted(path.stem.removeprefix("store-") for path in FIXTURES.glob("store-*.sqlite"))

# The generator's fixed ids and the tables whose records travel, from the generator itself.
_spec = importlib.util.spec_from_file_location(
    "make_migration_fixtures", Path(__file__).resolve().parents[2] / "scripts" / "make_migration_fixtures.py"
)
assert _spec is not None and _spec.loader is not None
generator = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generator)
NAMESPACE, LAPTOP, OFFICE, TRAVELLING = generator.NAMESPACE, generator.LAPTOP, generator.OFFICE, generator.TRAVELLING
# Tables a migration adds rows to (0007 journals the records already stored, 0008 the lost deletes),
# and this laptop's settings, which opening for work changes (identity, home nonce).
GROWING = {"change_log", "tombstone", "local_setting"}


def rid(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name))


def rows_by_key(path: Path) -> dict[str, dict[tuple, dict]]:
    """Every row of every table of the file, by primary key (the list's text index, derived from the
    households and holding no record, is left out: the test of 0011 below checks it)."""
    with closing(sqlite3.connect(path)) as connection:
        connection.row_factory = sqlite3.Row
        tables = [
            r[0]
            for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if r[0] not in DERIVED_INDEX_TABLES
        ]
        result = {}
        for table in tables:
            info = connection.execute(f"PRAGMA table_info({table})").fetchall()
            key = [r["name"] for r in sorted(info, key=lambda r: r["pk"]) if r["pk"]]
            assert key, table
            result[table] = {
                tuple(row[k] for k in key): dict(row) for row in connection.execute(f"SELECT * FROM {table}")
            }
        return result


def copy_of(revision: str, tmp_path: Path) -> Path:
    path = tmp_path / "data.sqlite"
    shutil.copyfile(FIXTURES / f"store-{revision}.sqlite", path)
    return path


def since(first: str) -> list[str]:
    """The fixtures of ``first`` and later: the revisions whose stores hold the records it brought."""
    return [revision for revision in REVISIONS if revision >= first]


def before(last: str) -> list[str]:
    return [revision for revision in REVISIONS if revision < last]


@pytest.fixture
def migrated(request, tmp_path):
    """(revision, rows before, the store opened for work, its path) for the fixture of the test's revision
    (parametrized indirectly: ``@pytest.mark.parametrize("migrated", revisions, indirect=True)``)."""
    path = copy_of(request.param, tmp_path)
    rows = rows_by_key(path)
    store = open_store(path)
    yield request.param, rows, store, path
    store.close()


every_fixture = pytest.mark.parametrize("migrated", REVISIONS, indirect=True)


def test_every_released_revision_has_a_fixture_store():
    """A new revision gets its fixture (scripts/make_migration_fixtures.py --only <revision>)."""
    assert REVISIONS == sorted(known_revisions())


@pytest.mark.parametrize("revision", REVISIONS)
def test_fixture_is_a_store_saved_by_its_revision(revision):
    """Read in place as immutable: a WAL store opened even read-only would leave -wal and -shm files
    beside it in the repository."""
    uri = f"{(FIXTURES / f'store-{revision}.sqlite').as_uri()}?immutable=1"
    with closing(sqlite3.connect(uri, uri=True)) as c:
        assert c.execute("SELECT version_num FROM alembic_version").fetchone() == (revision,)
        assert c.execute("SELECT count(*) FROM household").fetchone() == (3,)
    assert not list(FIXTURES.glob("*-wal")) and not list(FIXTURES.glob("*-shm"))


@every_fixture
def test_every_row_arrives_intact_at_head(migrated):
    _revision, old, store, path = migrated
    assert store.revision() == head_revision()
    after = rows_by_key(path)
    for table, rows in old.items():
        if table == "alembic_version":
            continue
        if table not in GROWING:
            assert set(after[table]) == set(rows), table
        for key, row in rows.items():
            assert key in after[table], (table, key)
            if table == "local_setting" and key[0].startswith("device_"):
                continue  # the copy takes a new identity or keys (test below)
            if key == ("sync_hlc",):  # the clock only moves on (0008 stamps the deletes it journals)
                assert int(after[table][key]["value"]) >= int(row["value"])
                continue
            if table == "household":  # its search text is written again in two parts (0020_search_parts: below)
                row = {column: value for column, value in row.items() if column != "search_text"}
            kept = {column: after[table][key][column] for column in row}
            assert kept == row, (table, key)


@every_fixture
def test_the_search_text_of_a_store_of_any_revision_is_written_in_its_two_parts(migrated):
    """Issue 16 (migration 0020_search_parts): every household's search text is its words, then its numbers, as
    the household editor writes it now, and the narrow copy's two parts hold them."""
    from xinjie_desktop.core.records.households import SEARCH_PARTS
    from xinjie_desktop.core.store.models import Household

    _revision, _before, store, path = migrated
    with store.session() as session:
        found = session.query(Household).all()
        assert len(found) == 3
        for household in found:
            assert household.search_text == households.search_text(household)
            assert household.search_text.count(SEARCH_PARTS) == 1
            assert {m.name for m in household.members} == set(household.search_text.split(SEARCH_PARTS)[0].split("|"))
    with closing(sqlite3.connect(path)) as connection:
        parts = connection.execute(
            "SELECT h.search_text, w.words, n.numbers FROM household h "
            "JOIN household_search_text t ON t.household_id = h.id "
            "JOIN household_search_words w ON w.rowid = t.rowid JOIN household_search_numbers n ON n.rowid = t.rowid"
        ).fetchall()
    assert len(parts) == 3
    assert all(text == f"{words}{SEARCH_PARTS}{numbers}" for text, words, numbers in parts)


@every_fixture
def test_migrated_store_is_sound_and_was_backed_up_first(migrated):
    revision, _before, store, path = migrated
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    found = backups.list_backups(path)
    if revision == head_revision():
        assert found == []  # nothing to upgrade, nothing backed up
        return
    (backup,) = found
    assert backup.reason == backups.BEFORE_MIGRATION and backups.verify(backup.path)
    with closing(sqlite3.connect(backup.path)) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (revision,)
        assert connection.execute("SELECT count(*) FROM member").fetchone() == (8,)


@every_fixture
def test_migrated_store_keeps_or_renews_its_identity(migrated):
    """A store from before identities had keys keeps its device id; a copied store of 0007+ (keys and a
    home elsewhere, no identity file beside it) takes a new one and remembers the old."""
    revision, _before, store, _path = migrated
    with closing(sqlite3.connect(store.path)) as connection:
        history = connection.execute("SELECT value FROM local_setting WHERE key = 'device_history'").fetchone()
    if revision < "0007":
        assert store.device_id == LAPTOP and history is None
    else:
        assert store.device_id != LAPTOP
        [former] = json.loads(history[0])
        assert former["device_id"] == LAPTOP and former["reason"] == "no_identity_file"


@every_fixture
def test_ID_2_ID_4_households_load_with_their_members_incomes_steps_and_objections(migrated):
    revision, _before, store, _path = migrated
    with store.session() as session:
        h1 = households.load_household(session, rid("h1"))
        h2 = households.load_household(session, rid("h2"))
        h3 = households.load_household(session, rid("h3"))
    assert [m.name for m in h1.members] == ["杨明", "段秀英", "杨志强", "杨春梅"]
    assert [m.membership_basis for m in h1.members][2:] == ["student_supported", "married_out"]  # ID-2
    assert h1.members[0].birth_date == dt.date(1970, 3, 5) and h1.members[1].ethnicity == "bai"
    assert (h1.system_population, h1.actual_population) == (4, 3)  # ID-4
    assert [(i.year, i.wage, i.transfer) for i in h1.incomes] == [(2016, 600000, 180000)]
    assert [s.step for s in h1.steps] == ["proposed", "audited", "evaluated", "noticed", "entered"]
    assert h1.steps[3].notice_end == dt.date(2017, 3, 16)
    assert h2.steps[0].is_omission and h2.steps[0].omission_reason.startswith("2014年")  # ID-5
    assert h3.exited and h3.exit_year == 2016
    assert h1.device_id == LAPTOP and h1.created_at == dt.datetime(2017, 3, 2, 9, 0)
    assert h1.list_key == "青山村\x1f第一组\x1f杨明"  # 0004 fills the list order of older rows
    if revision >= "0002":
        assert [o.resolved_on for o in h1.objections] == [dt.date(2017, 3, 15)]
        assert h1.reconciliation_note.startswith("系统人口4人")  # ID-4
        assert h3.moved_to_shop_or_row_house and h3.recheck_outcome.startswith("复核")  # ID-7
    else:
        assert h1.objections == [] and h1.reconciliation_note == "" and not h3.moved_to_shop_or_row_house


@every_fixture
def test_migrated_store_saves_a_household_and_dumps(migrated, params):
    revision, _before, store, _path = migrated
    dumped = canonical_dump.dump(store)
    counts = {table: len(rows) for table, rows in dumped["tables"].items()}
    assert counts["household"] == 3 and counts["member"] == 8 and counts["workflow_step"] == 9
    assert counts["agreement"] == (3 if revision >= "0006" else 0)
    with store.session() as session:
        draft = households.to_draft(households.load_household(session, rid("h2")))
    draft.phone = "13988887777"
    if revision >= "0012":  # a store with accounts (issue 17): nobody logged in changes nothing
        with pytest.raises(PermissionRefused):
            households.save(store, draft, params)
        accounts.login(store, "xinjie-admin", "admin password 2017")
    households.save(store, draft, params)
    with store.session() as session:
        h2 = households.load_household(session, rid("h2"))
        assert h2.phone == "13988887777" and [m.name for m in h2.members] == ["李国荣", "李桂兰"]
        assert h2.device_id == store.device_id
    assert canonical_dump.dump(store)["tables"]["household"] != dumped["tables"]["household"]


@pytest.mark.parametrize("migrated", since("0003"), indirect=True)
def test_supporting_files_arrive_with_their_bytes(migrated):
    """ID-4 and ID-7: the files kept with a household (0003)."""
    _revision, _before, store, _path = migrated
    with store.session() as session:
        h1 = households.load_household(session, rid("h1"))
        [attachment] = h1.attachments
        assert attachment.purpose == "reconciliation" and attachment.filename == "杨春梅户籍迁出证明.pdf"
    with closing(sqlite3.connect(store.path)) as connection:
        for sha, data in connection.execute("SELECT sha256, data FROM blob"):
            assert hashlib.sha256(data).hexdigest() == sha


@pytest.mark.parametrize("migrated", since("0005"), indirect=True)
def test_RL_4_HS_4_SB_3_relocation_plan_and_dangerous_house_arrive(migrated):
    _revision, _before, store, _path = migrated
    verification = relocation.load(store, rid("h1"))
    assert verification.in_scope and verification.area_category == "geohazard"  # RL-1
    assert (verification.latitude, verification.longitude) == ("25.0713", "99.1642")  # RL-4
    assert verification.team_leader_signed_on == dt.date(2017, 4, 10)
    [saved] = housing_plans.saved_plans(store, rid("h1"))
    assert (saved.parameters_version, saved.chosen_option, saved.compliant) == ("2017.1", "district_company", False)
    assert housing_plans.compare(saved) == []  # HS-4: the saved figures are those of its parameters (2017.1)
    with closing(sqlite3.connect(store.path)) as connection:
        assert connection.execute("SELECT grade, rebuild FROM dangerous_house").fetchall() == [("D", 1)]  # SB-3


@pytest.mark.parametrize("migrated", since("0006"), indirect=True)
def test_AG_1_signed_agreements_and_their_signatures_arrive_unchanged(migrated):
    _revision, _before, store, _path = migrated
    versions = {(a.kind, a.version): a for a in agreements.versions(store, rid("h1"))}
    voided, signed = versions[("relocation", 1)], versions[("relocation", 2)]
    assert voided.status == "voided" and voided.void_reason == "户主姓名打印错误"
    assert signed.status == "signed" and signed.supersedes_id == voided.id and signed.signing_method == "screen"
    assert versions[("demolition", 1)].fingerprint and versions[("demolition", 1)].scan_sha256
    with closing(sqlite3.connect(store.path)) as connection:
        for content, sha in connection.execute("SELECT content, content_sha256 FROM agreement"):
            assert agreements.sha256_text(content) == sha
        roles = connection.execute(
            "SELECT role, signer_name FROM agreement_signature WHERE agreement_id = ? ORDER BY role", (signed.id,)
        ).fetchall()
        assert roles == [("household_head", "杨明"), ("representative", "段正德"), ("witness", "杨正光")]
        accepted = connection.execute("SELECT accepted_on, reclamation FROM demolition_acceptance").fetchall()
        assert accepted == [("2017-10-20", "farmland")]  # AG-2


@pytest.mark.parametrize("migrated", since("0006"), indirect=True)
def test_PN_1_public_notice_and_its_objection_arrive(migrated):
    _revision, _before, store, _path = migrated
    notice = public_notice.get_notice(store, rid("notice/青山村/1"))
    assert notice.village == "青山村" and notice.days == 6
    assert [(e.head_name, e.actual_population) for e in notice.entries] == [("杨明", 3), ("李国荣", 2)]
    [objection] = notice.objections
    assert objection.resolved_on == dt.date(2017, 3, 15)


def journal(store) -> list[tuple]:
    with closing(sqlite3.connect(store.path)) as connection:
        return connection.execute(
            "SELECT origin_device, table_name, row_id, op, payload FROM change_log ORDER BY origin_device, seq"
        ).fetchall()


@pytest.mark.parametrize("migrated", before("0007"), indirect=True)
def test_0007_journals_every_record_of_an_older_store(migrated):
    """Records stored before sync are journalled once each, as this store's (0007), so it can sync at once."""
    _revision, rows, store, _path = migrated
    entries = journal(store)
    upserts = {(table, row): json.loads(payload) for origin, table, row, op, payload in entries if op == "upsert"}
    assert {origin for origin, *_ in entries} == {LAPTOP}
    for table in TRAVELLING:
        for (row_id,), row in rows.get(table, {}).items():
            assert upserts[(table, row_id)]["device_id"] == row["device_id"]
    assert len(upserts) == sum(len(rows.get(table, {})) for table in TRAVELLING)


@pytest.mark.parametrize("migrated", since("0007"), indirect=True)
def test_sync_state_of_0007_arrives_and_0008_journals_the_removed_member(migrated):
    """The member removed in the editor before 0008 (no journal entry, no tombstone) becomes this
    laptop's delete; the peer, cursors, bundles, conflict and possible duplicate are kept."""
    revision, _before, store, _path = migrated
    removed = rid("h2/m3")
    deletes = [(origin, table, row) for origin, table, row, op, _payload in journal(store) if op == "delete"]
    assert ("objection" in {t for _o, t, _r in deletes}) and (LAPTOP, "member", removed) in deletes
    with closing(sqlite3.connect(store.path)) as connection:
        tombstones = dict(connection.execute("SELECT row_id, settled_by FROM tombstone").fetchall())
        assert removed in tombstones
        if revision >= "0008":
            assert tombstones[rid("h2/income/2016/office")] == rid("h2/income/2016")
        assert connection.execute("SELECT role FROM sync_peer WHERE device_id = ?", (OFFICE,)).fetchall() == [
            ("township",)
        ]
        assert connection.execute("SELECT status FROM sync_conflict").fetchall() == [("open",)]
        assert connection.execute("SELECT count(*) FROM bundle_log").fetchone() == (2,)
        assert connection.execute("SELECT household_ids FROM possible_duplicate").fetchone()[0] == json.dumps(
            sorted([rid("h1"), rid("h3")])
        )


@every_fixture
def test_0010_keeps_signed_runs_and_signs_no_other_devices_history(migrated):
    """The runs a store of 0010 kept arrive as they were; an older store has none (0010 signs nothing: a store
    signs its own journal when it next exports, and cannot sign another device's history)."""
    revision, _before, store, _path = migrated
    with closing(sqlite3.connect(store.path)) as connection:
        kept = connection.execute("SELECT origin_device, first_seq, last_seq FROM change_run ORDER BY 1").fetchall()
    accounts = int(revision >= "0012")  # from 0012 each journal holds one account more (the office's, the laptop's)
    teams = int(revision >= "0016")  # from 0016 the laptop's 8 team records and the office's check (issue 20)
    building = 2 * int(revision >= "0019")  # from 0019 the laptop's 2 building stages (issues 18, 19)
    assert kept == (
        [(LAPTOP, 1, 39 + accounts + 8 * teams + building), (OFFICE, 1, 6 + accounts + teams)]
        if revision >= "0010"
        else []
    )


@every_fixture
def test_the_household_list_text_index_finds_every_household_of_a_store_of_any_revision(migrated):
    """0011 builds the text index for the households a store already holds (issue 16): at head, the list's
    filter by three characters or more of a member's name or ID number finds what a LIKE scan finds."""
    from xinjie_desktop.core.records import household_list
    from xinjie_desktop.core.records.household_list import ListFilter

    _revision, _before, store, _path = migrated
    with closing(sqlite3.connect(store.path)) as connection:
        heads: dict[str, tuple[str, str]] = {}
        for household_id, name, number in connection.execute(
            "SELECT household_id, name, id_number FROM member ORDER BY household_id, position"
        ):
            heads.setdefault(household_id, (name, number))
    assert len(heads) == 3
    for household_id, (name, number) in heads.items():
        # through the index (three characters or more) and by a scan of the words or the numbers (one or two)
        # (and one or two Chinese characters through the character index of 0021_search_chars)
        for query in (
            number[-7:],
            number[3:9].lower(),
            name[:3],
            name[:1],
            name[1:3],
            number[-2:],
            number[-1:].lower(),
        ):
            with closing(sqlite3.connect(store.path)) as connection:
                expected = {
                    row[0]
                    for row in connection.execute(
                        "SELECT id FROM household WHERE search_text LIKE ?", (f"%{query.upper()}%",)
                    )
                }
            with store.session() as session:
                total, rows = household_list.first_page(session, ListFilter(text=query), 200)
            assert household_id in expected
            assert {row.id for row in rows} == expected and total == len(expected), query


@every_fixture
def test_the_record_of_who_did_what_of_a_store_of_any_revision_verifies_and_goes_on(migrated):
    """Issue 17 (migration 0013): a store of 0013 keeps its entries and their chain verifies; an older store
    has none (its changes were journalled before anyone was named); in both, the next change is recorded with
    the acting account and continues (or starts) the device's chain."""
    from xinjie_desktop.core.rules.permissions import Actor, Role
    from xinjie_desktop.core.sync import audit_chain

    revision, _before, store, _path = migrated
    with store.session() as session:
        held = session.execute(text_("SELECT seq, account_name FROM audit_record ORDER BY seq")).all()
        assert audit_chain.verify_chain(session, LAPTOP) == []
    teams = 8 * int(revision >= "0016")  # the laptop's team records of 0016 (issue 20) come before
    teams += 2 * int(revision >= "0019")  # and its building stages of 0019 (issues 18, 19)
    assert held == (
        [(41 + teams, "王芳"), (42 + teams, ""), (43 + teams, "")] if revision >= "0013" else []
    )  # (40: the laptop's account, 0012)
    store.actor = Actor(
        rid("account/clerk"), "赵文书", Role.TOWNSHIP_ADMIN, frozenset()
    )  # (an auditor changes nothing)
    with store.session() as session:
        draft = households.to_draft(households.load_household(session, rid("h1")))
    draft.phone = "13800001111"
    households.save(store, draft)
    with store.session() as session:
        last = session.execute(
            text_("SELECT account_name, old, prev_hash FROM audit_record WHERE origin_device = :d ORDER BY seq DESC"),
            {"d": store.device_id},
        ).first()
        assert audit_chain.verify_all(session) == []
    assert last is not None and last[0] == "赵文书" and "phone" in json.loads(last[1])


# --- released migrations never change ------------------------------------------------------------------

VERSIONS = Path(xinjie_desktop.__file__).resolve().parent / "migrations" / "versions"

RELEASED = {
    "0001_households.py": "9fb84b32c5b029ea1f16d64d5e6e681f6bd7377b4cf31bfcd97e57c237a82761",
    "0002_objections_reconciliation.py": "5ac04cfd9a79a597634dd130f0329f81168bd4da0d11613120a380aa62d7509a",
    "0003_attachments.py": "cef7792d102920198e60ab640e76fd0fddb22b7b43a6c3a51f7ccdc005087db0",
    "0004_list_order.py": "c06836cbe6569ac0dabc1b0282f0ee89317606d995dcb213a9ea7ed91e403083",
    "0005_relocation_and_plans.py": "3de14527f1bbca64e2aba282e31e15b182438472a4c294210262f554fb6265a6",
    "0006_agreements_and_notices.py": "df88674ac6c3a3fcfade94122fe6224315f6f13ee5c370f28bf3ad5819d3a0fd",
    "0007_sync.py": "167c1583158b2e738f83fb45de41863be19c3c234065a663fce0f1faaa1da8b3",
    "0008_settled_records.py": "d8dbfb3a2ebbbb0560e1512c734bd6c617dfb8071bd149fd3309ac668ec91dbf",
    "0009_demolished_on.py": "4d460b4b2d5212e7d958a2f78b3086c830705fa67cc82e76ab449138422033d7",
    "0010_change_runs.py": "5e881c7b52a85da52471e869bf25c8075d5e61ab0e918c65a7ccbb76e2f11a75",
    "0011_household_search_index.py": "df5d9b2bc4035d6580fab91e5d656e3d53efbb4a21887a4c3c07e5dd241b385a",
    "0012_accounts.py": "d4da563b57559d6ac70fb8fc64b9b0900333b1e0e50f32a6b5187e3b677b91e4",
    "0013_audit_record.py": "e8262366040868f18b8a88ac71c788a52bf5340e9fd0c30cf75373a30b564ec2",
    "0016_teams.py": "debf4925a0d6c3f0830f36cee0449b4383f4615ad60d770995e6fb5637e5d4b6",
    "0017_bulletins.py": "8ca6560f9943d7dfd81e4e9d69abd00e2c9f2eced1aeb95d711bb08b7460008d",
    "0018_report_photos.py": "90f98948c0b4c41294b5f0b2516194e56f9a5940b0bd2aee4dc8ea87cd9fe88d",
    "0014_roster_corrections.py": "ccc1850e942016cde610205028c6958f80287fed022f5c8f531fe28500a034c7",
    "0015_funds.py": "a84db7a19132b0401ee1083a8556704b41b91b0e6e1386362359e7204ad3df6b",
    "0019_building.py": "89533438c8880dcaeec5490f74375d280c097681288e2d6956cb5b688571ed38",
    "0020_search_parts.py": "58f1f52cc7fe9605f97cd5822c3b46d287a0c4ae8ce91a4aed3e9e1ef183ac5c",
    "0021_search_chars.py": "f87297be7d9fddd2a5718286044229c95344268cfb1316bea34642eb11d07dbc",
}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def test_released_migrations_are_unchanged():
    changed = [name for name, sha in RELEASED.items() if (VERSIONS / name).exists() and digest(VERSIONS / name) != sha]
    assert not changed, (
        f"Released migrations changed: {', '.join(changed)}. A released migration never changes (stores in the "
        "field were upgraded by it as it was): put the file back and make the correction a new revision."
    )


def test_no_released_migration_is_missing():
    missing = [name for name in RELEASED if not (VERSIONS / name).exists()]
    assert not missing, f"Released migrations missing (renamed or deleted): {', '.join(missing)}. Put them back."


def test_every_migration_file_is_in_the_table():
    unknown = {path.name: digest(path) for path in sorted(VERSIONS.glob("*.py")) if path.name not in RELEASED}
    assert not unknown, "New migration files: add each to RELEASED in tests/core/test_migration_fixtures.py " + (
        "(and its fixture store: scripts/make_migration_fixtures.py): "
        + ", ".join(f'"{name}": "{sha}"' for name, sha in unknown.items())
    )


@pytest.mark.parametrize("migrated", since("0016_teams"), indirect=True)
def test_WT_1_WT_3_work_teams_arrive(migrated):
    """Issue 20: a store saved by 0016_teams opens with its team, visit and photo, meeting, report and check."""
    from xinjie_desktop.core.records import work_teams
    from xinjie_desktop.core.rules.work_teams import read_quarter

    _revision, _before, store, _path = migrated
    accounts.login(store, "xinjie-admin", "admin password 2017")
    found = work_teams.report(store, read_quarter("2017-Q2"), dt.date(2017, 4, 30))
    qingshan = next(v for v in found.villages if v.village == "青山村")
    assert [m.name for m in qingshan.members] == ["杨志强", "李文"]
    assert qingshan.visits == 1 and qingshan.photos == 1
    assert [c.result for c in qingshan.checks] == ["absent"] and qingshan.checks[0].talked_to
    [info] = work_teams.visits(store, rid("village/青山村"), dt.date(2017, 4, 1), dt.date(2017, 4, 30))
    assert info.members == ("杨志强", "李文") and info.promises == "协调儿子就业培训"


@pytest.mark.parametrize("migrated", since("0014"), indirect=True)
def test_0014_the_record_of_corrections_entered_into_the_national_system_arrives(migrated):
    """Issue 18: the township office's record of a difference it entered into the national system."""
    from xinjie_desktop.core.records import national_roster

    _revision, _rows, store, _path = migrated
    accounts.login(store, "xinjie-admin", "admin password 2017")  # the township's administrator (since 0012)
    recorded = national_roster.corrections(store)
    assert [(c.field, c.national_value, c.here_value, c.entered_by, c.text) for c in recorded.values()] == [
        ("population", "5", "4", "李文书", "2017-04-20 李文书")
    ]


@pytest.mark.parametrize("migrated", since("0019_building"), indirect=True)
def test_0019_the_building_progress_arrives(migrated):
    """Issues 18, 19: 杨明's new house, its foundation and main structure recorded on the laptop."""
    from xinjie_desktop.core.records import building

    _revision, _rows, store, _path = migrated
    accounts.login(store, "xinjie-admin", "admin password 2017")
    assert [(s.stage, s.reached_on, s.recorded_by) for s in building.stages(store, rid("h1"))] == [
        ("foundation", dt.date(2017, 4, 25), "王芳"),
        ("main_structure", dt.date(2017, 5, 20), "王芳"),
    ]

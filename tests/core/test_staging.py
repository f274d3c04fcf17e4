"""Staging a bundle's changes (issue 5, the import): an in-memory database of their own, built off the
applying thread and loaded into the store connection's ``incoming`` schema."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from builders import family_draft, renumber
from xinjie_desktop.core.records import households
from xinjie_desktop.core.sync import staging


def journal_document(store, where: str = "1") -> str:
    """The store's own journal as a bundle's ``changes.tsv``."""
    with store.session() as session:
        rows = session.execute(
            text(f"SELECT {', '.join(staging.COLUMNS)} FROM change_log WHERE {where} ORDER BY origin_device, seq")
        ).all()
    return staging.document_text(rows)


def image_tables(image: bytes) -> list[tuple]:
    database = sqlite3.connect(":memory:")
    database.deserialize(image)
    try:
        return database.execute("SELECT type, name, rootpage FROM sqlite_master ORDER BY name").fetchall()
    finally:
        database.close()


def test_every_image_has_its_tables_at_the_same_pages(store, group_id):
    """A statement the store's connection prepared against one bundle's image is used on the next one:
    that is right only while every image keeps its tables at the same pages, whatever it holds."""
    households.save(store, family_draft(group_id))
    small = staging.staged_image(journal_document(store, "table_name = 'village'"))
    households.save(store, renumber(family_draft(group_id), 20))
    large = staging.staged_image(journal_document(store))
    assert len(large) > len(small)
    assert image_tables(small) == image_tables(large)
    assert any(name == "new_member" for _kind, name, _page in image_tables(large))


def test_created_records_are_read_out_of_their_json_as_the_store_keeps_them(store, group_id):
    household_id = households.save(store, family_draft(group_id))
    database = sqlite3.connect(":memory:")
    database.deserialize(staging.staged_image(journal_document(store)))
    member = dict(
        zip(
            ["alone", *staging.new_record_columns("member")],
            database.execute(
                f"SELECT alone, {', '.join(staging.new_record_columns('member'))} FROM new_member n "
                "JOIN sync_incoming i ON i.rowid = n.staged WHERE n.position = 0"
            ).fetchone(),
            strict=True,
        )
    )
    with store.session() as session:
        stored = (
            session.execute(text("SELECT * FROM member WHERE household_id = :h AND position = 0"), {"h": household_id})
            .mappings()
            .one()
        )
    assert member.pop("alone") == 1
    assert member == {name: stored[name] for name in member}  # dates, times, booleans as stored
    # A record the same bundle changes again is not "alone": the merge, not the bulk insert, applies it.
    with store.session() as session:
        draft = households.to_draft(households.load_household(session, household_id))
    draft.address = "改过的地址"
    households.save(store, draft)
    database.deserialize(staging.staged_image(journal_document(store)))
    assert database.execute("SELECT alone FROM new_household").fetchall() == [(0,)]
    database.close()


def test_bundles_staged_one_after_another_in_one_transaction(store, group_id):
    """The import loads each bundle's image into the schema attached to its connection, inside the
    stick's transaction (where SQLite could attach nothing), and writes to it; the next image replaces it,
    and the statements prepared against the first read the second."""
    households.save(store, family_draft(group_id))
    first = staging.staged_image(journal_document(store, "table_name = 'village'"))
    everything = staging.staged_image(journal_document(store))
    with store.durable_unit_of_work() as session:
        connection = session.connection()
        counts = []
        for image in (first, everything, first):
            with session.begin_nested():
                staging.stage(connection, image)
                counts.append(connection.exec_driver_sql("SELECT count(*) FROM sync_incoming").scalar())
                connection.exec_driver_sql("DELETE FROM sync_incoming WHERE rowid = 1")
                counts.append(connection.exec_driver_sql("SELECT count(*) FROM sync_incoming").scalar())
    with store.session() as session:
        total = session.execute(text("SELECT count(*) FROM change_log")).scalar()
        villages = session.execute(text("SELECT count(*) FROM change_log WHERE table_name = 'village'")).scalar()
    assert counts == [villages, villages - 1, total, total - 1, villages, villages - 1]


@pytest.mark.parametrize(
    "garble",
    [
        lambda text_: text_.replace("\t", " ", 1),  # a line without its nine fields
        lambda text_: text_.replace('{"', "{not json ", 1),  # a payload that is not JSON
        lambda text_: text_ + text_.splitlines(keepends=True)[0],  # the same change twice
    ],
)
def test_changes_not_well_formed_are_refused_when_staged(store, group_id, garble):
    households.save(store, family_draft(group_id))
    with pytest.raises(staging.StagingError):
        staging.staged_image(garble(journal_document(store)))

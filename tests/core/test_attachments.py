"""ID-4: the reconciliation and its supporting files are kept with the household."""

import hashlib

import pytest
from sqlalchemy import func, select

from builders import family_draft
from xinjie_desktop.core.records import attachments, households
from xinjie_desktop.core.records.attachments import AttachmentError
from xinjie_desktop.core.store.models import Blob


def test_ID_4_supporting_files_are_kept_once_per_content(store, group_id, tmp_path):
    household_id = households.save(
        store, family_draft(group_id, system_population=5, reconciliation_note="长子已分家，系统未更新")
    )
    scan = tmp_path / "分户证明.jpg"
    scan.write_bytes(b"\xff\xd8 scan of the household-split certificate")
    first = attachments.attach(store, household_id, scan, "reconciliation", "村委会证明")
    second = attachments.attach(store, household_id, scan, "reconciliation")
    kept = attachments.listing(store, household_id)
    assert [a.id for a in kept] == [first, second]
    assert kept[0].filename == "分户证明.jpg" and kept[0].sha256 == hashlib.sha256(scan.read_bytes()).hexdigest()
    assert attachments.content(store, first) == scan.read_bytes()
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Blob)) == 1
        assert households.load_household(session, household_id).reconciliation_note == "长子已分家，系统未更新"


def test_ID_4_unreadable_or_empty_file_changes_nothing(store, group_id, tmp_path):
    household_id = households.save(store, family_draft(group_id))
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    for path in (empty, tmp_path / "missing.pdf"):
        with pytest.raises(AttachmentError):
            attachments.attach(store, household_id, path, "reconciliation")
    assert attachments.listing(store, household_id) == []

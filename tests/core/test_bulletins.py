"""The weekly bulletin (issue 18; WT-2: the township issues at least one a week): the week's figures, charts, what
changed since the last bulletin, overdue items by village; kept and listed by week; the command line's
`bulletin --db P --week 2017-W16 --out DIR`."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from pypdf import PdfReader

from xinjie_desktop.core.records import bulletins, demolition, progress
from xinjie_desktop.core.rules.permissions import Actor, PermissionRefused, Role
from xinjie_desktop.core.sync import demo_township
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.i18n import _
from xinjie_desktop.main import main

TODAY = dt.date(2026, 12, 7)  # a Monday: week 2026-W50
THIS_WEEK, LAST_WEEK = "2026-W50", "2026-W49"


@pytest.fixture(scope="module")
def township(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bulletins")
    store = open_store(folder / "township.sqlite")
    demo_township.build(store, 4, 120, seed=3, today=TODAY)
    yield store
    store.close()


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_WT_2_a_bulletin_a_week_kept_and_listed_with_what_changed_and_what_is_overdue(township, tmp_path):
    """WT-2: the bulletin of last week, then an acceptance recorded, then this week's: this week's names what
    changed since (demolition overdue 1 → 0, accepted 1 → 2, in the township and its village), lists the overdue
    items by village (last week's: the overdue demolition), and both are kept, listed newest first, their PDFs
    given back byte for byte as issued."""
    overdue = demolition.overdue(township, TODAY)
    (house,) = overdue
    steps = []
    first = bulletins.issue(township, LAST_WEEK, today=TODAY, report=lambda d, t: steps.append((d, t)) or True)
    assert steps[-1] == (bulletins.STEPS, bulletins.STEPS) and first.as_of == dt.date(2026, 12, 6)
    first_pdf = bulletins.pdf_bytes(township, LAST_WEEK)
    text = _text(first_pdf)
    assert "weekly bulletin" in text and "2026-11-30" in text and house.head_name in text
    assert house.agreement_number in text and "first bulletin" in text

    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 photo \xff\xd9")
    demolition.accept(township, house.household_id, TODAY, "王志明", photo, True, "", "farmland", today=TODAY)
    view, _figures = bulletins.build_view(township, THIS_WEEK, today=TODAY)
    lines = {line.key: line for line in view.figures}
    assert (lines["demolition_overdue"].before, lines["demolition_overdue"].total) == (1, 0)
    assert (lines["demolition_accepted"].before, lines["demolition_accepted"].total) == (1, 2)
    assert view.previous_week == LAST_WEEK
    (changed_village,) = [v for v in view.village_changes if v.village == house.village]
    assert ("demolition overdue", 1, 0) in changed_village.changes
    assert all(item.head != house.head_name for item in view.overdue)

    second = bulletins.issue(township, THIS_WEEK, today=TODAY)
    text = _text(bulletins.pdf_bytes(township, THIS_WEEK))
    assert f"Since the bulletin of {LAST_WEEK}" in text and "+1" in text and "-1" in text
    assert [b.week for b in bulletins.listing(township)] == [THIS_WEEK, LAST_WEEK]
    assert second.pages >= 2
    assert bulletins.pdf_bytes(township, LAST_WEEK) == first_pdf  # kept as issued
    written = bulletins.write_pdf(township, LAST_WEEK, tmp_path / "out")
    assert written.read_bytes() == first_pdf and written.name.endswith(f"-{LAST_WEEK}.pdf")
    assert b"Helvetica" not in first_pdf  # only the embedded shipped font


def test_the_figures_printed_are_the_progress_views(township):
    """Every figure of the bulletin is the progress view's of the same day (one computation)."""
    view, figures = bulletins.build_view(township, THIS_WEEK, today=TODAY)
    found = progress.compute(township, TODAY)
    assert {line.key: line.total for line in view.figures} == found.total.figures
    assert figures["total"]["figures"] == found.total.figures
    assert list(view.villages) == [v.name for v in found.villages]


def test_a_bad_week_a_week_not_begun_and_a_work_team_member_are_refused(township):
    """A malformed week or one not begun is refused by name; issuing is the township administration's
    (ISSUE_BULLETIN): a work-team member is refused and nothing is kept."""
    for bad in ("2017-16", "2017-W60", "next week"):
        with pytest.raises(bulletins.BulletinError, match="is not a week"):
            bulletins.issue(township, bad, today=TODAY)
    with pytest.raises(bulletins.BulletinError, match="has not begun"):
        bulletins.issue(township, "2027-W02", today=TODAY)
    before = [b.week for b in bulletins.listing(township)]
    township.actor = Actor("a-1", "wang", Role.WORK_TEAM, frozenset())
    try:
        with pytest.raises(PermissionRefused, match="issue the weekly bulletin"):
            bulletins.issue(township, "2026-W45", today=TODAY)
        assert [b.week for b in bulletins.listing(township)] == before  # a reader still lists them
    finally:
        township.actor = None
    assert "2026-W45" not in [b.week for b in bulletins.listing(township)]


def test_the_bulletin_command(tmp_path, capsys):
    """`bulletin --db P --week 2017-W16 --out DIR`: issues and keeps the week's bulletin, writes it, prints its
    path; again: the kept one, unchanged; a bad week: exit 2, the reason, the data file byte for byte as it was."""
    copy = tmp_path / "copy.sqlite"
    assert main(["demo-data", "--db", str(copy), "--villages", "2", "--households", "60"]) == 0
    capsys.readouterr()
    out = tmp_path / "out"
    assert main(["bulletin", "--db", str(copy), "--week", "2017-W16", "--out", str(out)]) == 0
    path = capsys.readouterr().out.strip()
    assert path.endswith("-2017-W16.pdf") and (out / path.split("/")[-1]).is_file()
    first = (out / path.split("/")[-1]).read_bytes()
    assert "2017-04-23" in _text(first)  # as of the week's Sunday
    assert main(["bulletin", "--db", str(copy), "--week", "2017-W16", "--out", str(out)]) == 0
    assert (out / path.split("/")[-1]).read_bytes() == first
    capsys.readouterr()
    state = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.glob("copy.sqlite*")}
    assert main(["bulletin", "--db", str(copy), "--week", "2017-W99", "--out", str(out)]) == 2
    assert "2017-W99 is not a week" in capsys.readouterr().err
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.glob("copy.sqlite*")} == state


def test_the_bulletin_lists_the_new_houses_building_completed_and_moved_in(township):
    """Issue 18: the bulletin's relocation figures include the houses being built, completed and moved into (from
    the building stages recorded), printed in the PDF."""
    view, _figures = bulletins.build_view(township, THIS_WEEK, today=TODAY)
    lines = {line.key: line for line in view.figures}
    assert (lines["building"].total, lines["building_completed"].total, lines["moved_in"].total) == (3, 1, 1)
    from xinjie_desktop.core.documents import bulletin as bulletin_pdf

    data, _pages = bulletin_pdf.render(view)
    text = "".join(_text(data).split())
    assert all("".join(_(lines[key].label).split()) in text for key in ("building", "building_completed", "moved_in"))

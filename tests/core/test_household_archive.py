# ruff: noqa: F811  (the hostile household's fixture, borrowed from test_printed_layout, is a parameter here)
"""One archive per household (一户一档, issue 18): the household's whole file as one PDF, its figures the same as
those of the documents it repeats (the plan summary, the agreements), the signed pages as signed, voided
versions marked, nothing running off a page; by village into a folder, with progress and cancel."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from test_agreements import png
from test_printed_layout import ADDRESS, hostile  # noqa: F401  (fixture)

from pdf_layout import overflowing
from xinjie_desktop.core.documents import household_archive as archive_pdf
from xinjie_desktop.core.documents import plan_summary
from xinjie_desktop.core.documents.plan_summary import render_plan_summary
from xinjie_desktop.core.records import agreements, attachments, demo_data, demolition, household_archive, housing_plans
from xinjie_desktop.core.rules.household_money import household_money
from xinjie_desktop.core.rules.money import format_yuan
from xinjie_desktop.core.rules.policy_params import current
from xinjie_desktop.core.store.models import Agreement, Blob, Household
from xinjie_desktop.core.sync import demo_township
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.i18n import set_language

TODAY = dt.date(2026, 12, 7)


@pytest.fixture(scope="module")
def lived_in(tmp_path_factory):
    """The lived-in demo township; its household whose relocation agreement was signed on screen and then
    voided (so: signed agreements, a voided one and its draft successor, a saved plan), whose old house is then
    demolished and accepted (with a photo) and which keeps an attachment."""
    folder = tmp_path_factory.mktemp("archive")
    store = open_store(folder / "demo.sqlite")
    demo_township.build(store, 4, 120, seed=3, today=TODAY)
    with store.session() as session:
        household_id = session.scalars(select(Agreement.household_id).where(Agreement.status == "voided")).one()
    photo = folder / "拆除现场.png"
    photo.write_bytes(demo_data.signature_png(4))
    demolition.accept(
        store, household_id, TODAY - dt.timedelta(days=3), "王志明", photo, True, "", "forest", today=TODAY
    )
    paper = folder / "人口核对说明.txt"
    paper.write_bytes("村委会出具的人口核对说明".encode())
    attachments.attach(store, household_id, paper, "reconciliation", "村委会出具")
    yield store, household_id, folder
    store.close()


def _texts(reader: PdfReader, first: int, count: int) -> list[str]:
    return [reader.pages[first - 1 + i].extract_text() for i in range(count)]


def _archive(store, household_id, tmp_path, language):
    set_language(language)
    view = household_archive.household_archive(store, household_id, TODAY)
    path = tmp_path / f"archive-{language}.pdf"
    layout = archive_pdf.render_archive(view, path)
    return view, layout, path


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_SB_1_HS_3_AG_1_the_archive_repeats_the_plan_summary_and_the_agreements(lived_in, tmp_path, language):
    """SB-1, SB-2, HS-3, AG-1: the archive's plan is the plan summary of the same saved plan (same figures,
    same text), its money the household's money (rules.household_money); each agreement's number, status and
    amounts are the stored agreement's, its pages those records.agreements prints (a signed one exactly the
    signed PDF stored at signing), and the amounts the agreements print are the plan's."""
    store, household_id, _folder = lived_in
    view, layout, path = _archive(store, household_id, tmp_path, language)
    reader = PdfReader(path)
    assert len(reader.pages) == layout.pages
    assert [key for key, _title in archive_pdf.SECTIONS] == sorted(
        (k for k in layout.starts if k in dict(archive_pdf.SECTIONS)), key=layout.starts.get
    )  # the fixed order

    # The plan: the same figures as the plan summary, which is the summary itself.
    saved = housing_plans.saved_plans(store, household_id)[0]
    money = household_money(saved.plan, current(saved.parameters_version), saved.chosen_option)
    assert view.plan is not None and view.plan.money == money
    assert view.plan.result == housing_plans.reopen(saved)
    summary = io.BytesIO()
    render_plan_summary(
        summary, view.plan.household, saved.plan, housing_plans.reopen(saved), view.township, TODAY, office_copy=True
    )
    alone = PdfReader(summary)
    assert _texts(reader, layout.starts["plan-summary"], len(alone.pages)) == [p.extract_text() for p in alone.pages]
    plan_page = reader.pages[layout.starts["plan"] - 1].extract_text()
    for amount in (money.subsidy, money.reward, money.subsidy_and_reward, money.building_cost, money.own_funds):
        assert format_yuan(amount) in plan_page

    # The agreements: every version listed with its number and status; the pages of each printed one.
    versions = agreements.versions(store, household_id)
    assert [(a.number, a.status) for a in view.agreements] == [(v.number, v.status) for v in versions]
    assert {v.status for v in versions} == {"signed", "voided", "draft"}
    listing = "".join(reader.pages[layout.starts["agreements"] - 1].extract_text().split())
    for info in versions:
        assert info.number in listing
        stored = agreements.amounts(store, info.id)
        part = next(p for p in view.agreements if p.number == info.number)
        assert dict(part.amounts) == stored
        if info.kind in ("relocation", "demolition"):  # the plan's money, as the agreements print it (AG-1)
            assert stored["subsidy"] == money.subsidy and stored["reward"] == money.reward
            assert stored["subsidy_and_reward"] == money.subsidy_and_reward
        for amount in stored.values():
            assert format_yuan(amount) in listing
        if info.status == "draft":
            assert info.number not in layout.starts  # listed, not printed
            continue
        alone = PdfReader(io.BytesIO(agreements.copy_bytes(store, info.id)))
        first = layout.starts[info.number]
        pages = [reader.pages[first - 1 + i] for i in range(len(alone.pages))]
        assert [p.extract_text() for p in pages] == [p.extract_text() for p in alone.pages]
        if info.status == "signed" and info.signed_pdf_sha256:  # as signed: the stored signed PDF's pages
            with store.session() as session:
                signed = PdfReader(io.BytesIO(session.get_one(Blob, info.signed_pdf_sha256).data))
            assert [p.get_contents().get_data() for p in pages] == [p.get_contents().get_data() for p in signed.pages]
            assert set(range(first, first + len(pages))) <= set(layout.inserted)
        if info.status == "voided":
            mark = "作废" if language == "zh_CN" else "VOID"
            assert all(mark in re.sub(r"\s", "", p.extract_text()).upper() for p in pages)
            assert ("作废" if language == "zh_CN" else "VOIDED") in listing


def test_the_household_its_steps_demolition_and_files_with_their_hashes(lived_in, tmp_path):
    """ID-1, ID-5, PN-1, RL-1, AG-2, SB-1: the members, the income result of rules.income, the steps, the
    relocation verification, the demolition and its reward as records.demolition states it, every attachment
    and stored file with its SHA-256."""
    store, household_id, _folder = lived_in
    view, layout, path = _archive(store, household_id, tmp_path, "en")
    reader = PdfReader(path)
    text = "\n".join(p.extract_text() for p in reader.pages)
    flat = "".join(text.split())
    with store.session() as session:
        household = session.get(Household, household_id)
        numbers = [m.id_number for m in household.members]
        head = household.head_name
    assert head in text and all(n in flat for n in numbers)
    assert view.incomes and format_yuan(view.incomes[-1].result.per_capita) in text
    assert [s.step for s in view.steps] and view.relocation is not None and view.relocation.in_scope
    due = demolition.reward_due(store, household_id)
    assert view.demolition is not None and view.demolition.reward == due.amount and due.due
    assert format_yuan(due.amount) in text
    kept = attachments.listing(store, household_id)
    assert kept and all(a.sha256 in flat for a in kept)
    assert all(f.sha256 in flat for f in view.other_files)
    assert any(f.sha256 == view.demolition.photo.sha256 for f in view.other_files)
    assert hashlib.sha256(view.demolition.photo.data).hexdigest() == view.demolition.photo.sha256
    assert f"Page 1 of {layout.pages}" in reader.pages[0].extract_text()
    contents = reader.pages[0].extract_text()
    for key, title in archive_pdf.SECTIONS:
        assert title in contents and str(layout.starts[key]) in contents


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_nothing_runs_off_the_page_or_out_of_its_cell(lived_in, tmp_path, language):
    """Issue 14's measure (tests/pdf_layout.py) over every page of the archive, the documents put in included
    (each keeps within its own margins, the plan summary's the narrowest)."""
    store, household_id, _folder = lived_in
    _view, _layout, path = _archive(store, household_id, tmp_path, language)
    assert overflowing(path, min(plan_summary.MARGIN, archive_pdf.MARGIN)) == []


def test_a_household_by_its_id_or_its_heads_id_number(lived_in):
    """The command line's --household: the id, or the head's ID number; anything else is named."""
    store, household_id, _folder = lived_in
    with store.session() as session:
        number = session.get(Household, household_id).head_id_number
    assert household_archive.find_household(store, household_id) == household_id
    assert household_archive.find_household(store, number.lower()) == household_id
    with pytest.raises(household_archive.ArchiveError, match="530502000000000000"):
        household_archive.find_household(store, "530502000000000000")


def test_a_village_one_pdf_per_household_with_progress_and_cancel(lived_in, tmp_path):
    """By village: one archive per household into the folder, progress reported; a cancel leaves no file."""
    store, household_id, _folder = lived_in
    with store.session() as session:
        village_id = session.get(Household, household_id).village_id
        count = len(session.scalars(select(Household.id).where(Household.village_id == village_id)).all())
    seen: list[tuple[int, int]] = []
    cancelled = tmp_path / "cancelled"
    with pytest.raises(InterruptedError):
        household_archive.render_village(store, village_id, cancelled, lambda done, total: done < 2)
    assert list(cancelled.iterdir()) == []
    out = tmp_path / "village"
    result = household_archive.render_village(store, village_id, out, lambda d, t: seen.append((d, t)) or True)
    assert len(result.files) == count == len(list(out.glob("*.pdf")))
    assert seen[0] == (0, count) and seen[-1] == (count, count)
    assert all(PdfReader(path).pages for path in result.files)
    with pytest.raises(household_archive.ArchiveError):
        household_archive.render_village(store, "no-such-village", tmp_path / "none")
    assert not (tmp_path / "none").exists()


def test_a_folder_that_cannot_be_written_leaves_nothing(lived_in, tmp_path):
    """An unwritable folder: OSError, no partial file."""
    store, household_id, _folder = lived_in
    missing = tmp_path / "missing"
    with pytest.raises(OSError):
        household_archive.render_household(store, household_id, missing, TODAY)
    assert not missing.exists()
    assert [p for p in Path(tmp_path).iterdir() if p.name.endswith(".part")] == []


def test_the_archive_command(lived_in, tmp_path, capsys):
    """`xinjie-desktop archive --db P --household ID --out DIR`: the PDF's path on stdout; the head's ID number
    names the household too; exit 2 with the reason for an unknown household or village or a folder that cannot
    be made, the data file untouched; `--village` writes one PDF per household."""
    from xinjie_desktop.main import main

    store, household_id, folder = lived_in
    db = store.path
    before = db.read_bytes()
    out = tmp_path / "out"
    assert main(["archive", "--db", str(db), "--household", household_id, "--out", str(out)]) == 0
    written = Path(capsys.readouterr().out.strip())
    assert written.parent == out and PdfReader(written).pages
    with store.session() as session:
        number = session.get(Household, household_id).head_id_number
        village_id = session.get(Household, household_id).village_id
        count = len(session.scalars(select(Household.id).where(Household.village_id == village_id)).all())
    assert main(["archive", "--db", str(db), "--household", number, "--out", str(out)]) == 0
    assert Path(capsys.readouterr().out.strip()) == written
    assert main(["archive", "--db", str(db), "--household", "nobody", "--out", str(out)]) == 2
    assert "nobody" in capsys.readouterr().err
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert main(["archive", "--db", str(db), "--household", household_id, "--out", str(blocked / "x")]) == 2
    assert str(blocked) in capsys.readouterr().err
    assert main(["archive", "--db", str(db), "--village", "无此村", "--out", str(out)]) == 2
    assert "无此村" in capsys.readouterr().err
    assert main(["archive", "--db", str(db), "--village", village_id, "--out", str(tmp_path / "v")]) == 0
    assert len(capsys.readouterr().out.splitlines()) == count == len(list((tmp_path / "v").glob("*.pdf")))
    assert db.read_bytes() == before


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_a_hostile_household_keeps_every_text_on_the_page(store, hostile, tmp_path, language):
    """Issue 14's hostile but valid household (every text as long as the store holds, nine people, a huge
    house, a long co-investor) with its agreements signed, one voided with a long reason, its demolition
    accepted and a long-named attachment: nothing of its archive runs off the page or out of its cell."""
    set_language(language)
    household_id, _dangerous_id = hostile
    agreements.draft_missing(store, household_id, demolition_deadline=TODAY + dt.timedelta(days=90), today=TODAY)
    signatures = {
        role: (name * 25, png(seed=seed))
        for role, name, seed in (("household_head", "杨明", 0), ("representative", "段志", 9), ("witness", "李四", 20))
    }
    for info in agreements.current_agreements(store, household_id).values():
        agreements.sign_on_screen(store, info.id, signatures, TODAY)
    relocation = agreements.current_agreements(store, household_id)["relocation"]
    agreements.void(store, relocation.id, "地址写错：" + ADDRESS, TODAY)
    photo = tmp_path / "photo.png"
    photo.write_bytes(png(seed=3))
    demolition.accept(store, household_id, TODAY, "王志明" * 30, photo, True, "房" * 60, "farmland", today=TODAY)
    paper = tmp_path / ("人口核对说明" * 6 + ".txt")  # 36 characters, 108 bytes: a long name a file system takes
    paper.write_text("说明")
    attachments.attach(store, household_id, paper, "reconciliation", "村委会出具" * 40)
    view = household_archive.household_archive(store, household_id, TODAY)
    path = tmp_path / "hostile.pdf"
    archive_pdf.render_archive(view, path)
    assert overflowing(path, min(plan_summary.MARGIN, archive_pdf.MARGIN)) == []


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_relocation_section_lists_the_building_stages(lived_in, tmp_path, language):
    """Issues 18, 19: the relocation section lists the new house's stages reached (records.building), each with its
    day, who recorded it and the evidence; a household without any says so; nothing runs off the page."""
    from xinjie_desktop.core.records import building
    from xinjie_desktop.core.store.models import BuildingStage

    store, voided, _folder = lived_in
    with store.session() as session:  # the household that moved in: every stage
        moved = session.scalars(select(BuildingStage.household_id).where(BuildingStage.stage == "moved_in")).first()
    stages = building.stages(store, moved)
    assert len(stages) == 4
    view, _layout, path = _archive(store, moved, tmp_path, language)
    assert view.relocation is not None
    assert [(line.reached_on, line.recorded_by) for line in view.relocation.building] == [
        (s.reached_on, s.recorded_by) for s in stages
    ]
    text = "".join("\n".join(p.extract_text() for p in PdfReader(path).pages).split())
    words = ("开工（地基）", "入住", "建房进度") if language == "zh_CN" else ("Buildingprogress", "movedin")
    assert all(word in text for word in words)
    assert all(s.reached_on.isoformat() in text and "".join(s.evidence.split()) in text for s in stages)
    assert overflowing(path, min(plan_summary.MARGIN, archive_pdf.MARGIN)) == []
    _view, _layout, path = _archive(store, voided, tmp_path, "en")
    assert "No building stage is recorded." in "\n".join(p.extract_text() for p in PdfReader(path).pages)

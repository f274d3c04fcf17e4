"""File names a person reads (issue 16, "Files and paper", "Sync in plain words"): saved PDFs by village,
household head, kind and date; bundles by sender, recipient and date; safe on Windows and FAT32."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from xinjie_desktop.core.documents import file_names
from xinjie_desktop.core.sync import exporting, usb_stick
from xinjie_desktop.core.sync.roles import my_name
from xinjie_desktop.i18n import _

WINDOWS_REFUSES = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
DAY = dt.date(2026, 12, 7)
DAY_TIME = dt.datetime(2026, 12, 7, 15, 30)


def test_a_saved_pdf_is_named_by_head_kind_and_date():
    assert file_names.document_file_name("住房方案", DAY, "王建国") == "王建国-住房方案-2026-12-07.pdf"
    assert (
        file_names.document_file_name("协议", DAY, "王建国", "XJ-2026-0007")
        == "王建国-协议-2026-12-07-XJ-2026-0007.pdf"
    )
    assert file_names.document_file_name("导入报告", DAY) == "导入报告-2026-12-07.pdf"


def test_unsafe_characters_reserved_names_and_long_names_are_made_safe():
    name = file_names.document_file_name('公示/批次: "一"*?', DAY, "王<建>国|\\ ")
    assert not WINDOWS_REFUSES.search(name) and name.endswith("-2026-12-07.pdf"), name
    assert file_names.safe_part("CON") == "_CON" and file_names.safe_part("nul.txt") == "_nul.txt"
    assert file_names.safe_part(" . ") == "_" and file_names.safe_part("a.. ") == "a"
    long = file_names.document_file_name("协议" * 200, DAY, "王" * 300)
    assert len(long) <= file_names.NAME_LIMIT and long.endswith(".pdf")


@given(st.text(max_size=300), st.text(max_size=300))
def test_every_name_is_safe_on_windows_and_fat32(head, kind):
    for name in (
        file_names.document_file_name(kind, DAY, head),
        file_names.bundle_file_name(head, kind, dt.datetime(2026, 12, 7, 15, 30), "3f9a2c"),
    ):
        assert name and not WINDOWS_REFUSES.search(name) and len(name) <= file_names.NAME_LIMIT
        stem = Path(name).stem
        assert stem and stem == stem.strip() and not stem.endswith(".")
        assert stem.split(".")[0].upper() not in file_names.RESERVED


def test_the_documents_folder_is_the_app_then_the_village(tmp_path):
    assert (
        file_names.document_folder(tmp_path, "辛街乡扶贫工作工具", "青山村")
        == tmp_path / "辛街乡扶贫工作工具" / "青山村"
    )
    assert file_names.document_folder(tmp_path, "x", "a/b:c") == tmp_path / "x" / "a_b_c"
    assert file_names.document_folder(tmp_path, "x") == tmp_path / "x"


def test_a_deep_folder_shortens_the_name_to_keep_the_path_under_windows_limit():
    deep = Path("C:/Users/" + "某" * 150)
    path = file_names.fitted(deep, file_names.document_file_name("协议" * 30, DAY, "王建国"))
    assert len(str(path)) <= file_names.PATH_LIMIT and path.name.startswith("王建国-协议") and path.suffix == ".pdf"
    short = file_names.fitted(Path("C:/Users/a"), "王建国-协议-2026-12-07.pdf")
    assert short.name == "王建国-协议-2026-12-07.pdf"


def test_a_name_taken_is_not_overwritten(tmp_path):
    (tmp_path / "a.xjb").write_bytes(b"1")
    (tmp_path / "a-2.xjb").write_bytes(b"2")
    assert file_names.free_path(tmp_path, "a.xjb") == tmp_path / "a-3.xjb"
    assert file_names.free_path(tmp_path, "b.xjb") == tmp_path / "b.xjb"


def test_bundles_are_named_by_sender_recipient_and_date(world):
    """A person tells bundles on a stick apart: 青山村笔记本-至-辛街乡-2026-12-07-1530-xxxxxx.xjb."""
    laptop = world.laptop(0)
    (written,) = world.export(laptop)
    today = dt.date.today().isoformat()
    to = _("to")  # 至 in Chinese
    assert re.fullmatch(rf"青山村笔记本-{to}-辛街乡-{today}-\d{{4}}-[0-9a-f]{{6}}\.xjb", written.name), written.name
    names = sorted(path.name for path in world.export(world.township))
    assert [name.split(f"-{today}")[0] for name in names] == [f"辛街乡-{to}-绿水村笔记本", f"辛街乡-{to}-青山村笔记本"]
    assert my_name(laptop) == "青山村笔记本"


def test_a_bundle_never_overwrites_one_of_the_same_name(world, monkeypatch):
    laptop = world.laptop(0)
    monkeypatch.setattr(exporting, "file_name", lambda *args, **kwargs: "same.xjb")
    (world.stick / "same.xjb").write_bytes(b"an older bundle")
    (written,) = world.export(laptop)
    assert written.name == "same-2.xjb" and (world.stick / "same.xjb").read_bytes() == b"an older bundle"


def test_the_import_does_not_depend_on_the_name(world):
    laptop = world.laptop(0)
    (written,) = world.export(laptop)
    renamed = written.rename(written.with_name("随便什么名字.xjb"))
    (result,) = world.import_into(world.township, [renamed])
    assert result is not None


def test_a_stick_that_refuses_chinese_names_gets_an_ascii_name_with_the_same_parts(world, monkeypatch):
    """fusefat, or a vfat mounted without UTF-8, refuses Chinese names (test_sync_safety's FAT32 image does):
    the bundle is still written, named xjb-<sender id>-to-<recipient id>-<date>-<time>-<unique>.xjb."""
    laptop = world.laptop(0)
    assert usb_stick.takes_name(world.stick, "青山村笔记本.xjb")  # this folder takes them
    monkeypatch.setattr(exporting, "takes_name", lambda folder, name: False)
    (written,) = world.export(laptop)
    today = dt.date.today().isoformat()
    township_id = world.township.device_id[:8]
    expected = rf"xjb-{laptop.device_id[:8]}-to-{township_id}-{today}-\d{{4}}-[0-9a-f]{{6}}\.xjb"
    assert re.fullmatch(expected, written.name), written.name
    assert file_names.bundle_file_name("Office 1", "青山", DAY_TIME, "ab", ascii_only=True) == (
        "xjb-Office_1-to-recipient-2026-12-07-1530-ab.xjb"
    )

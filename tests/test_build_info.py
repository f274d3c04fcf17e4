"""The version and build date (xinjie_desktop.build_info): a packaged build reads build-info.json
written by the spec; run from source it is a "development build"."""

from __future__ import annotations

import json

import pytest

from xinjie_desktop import __version__, build_info
from xinjie_desktop.i18n import set_language


def test_from_source_there_is_no_build_date():
    info = build_info.read()
    assert info == build_info.BuildInfo(__version__, None)
    assert build_info.build_date_text(info) == "development build"
    set_language("zh_CN")
    assert build_info.build_date_text(info) == "开发版本（从源代码运行）"


def test_a_packaged_build_reads_its_file(tmp_path):
    (tmp_path / "build-info.json").write_text(
        json.dumps({"version": __version__, "built": "2026-11-28", "commit": "4a959bc"}), encoding="utf-8"
    )
    info = build_info.read(tmp_path)
    assert info == build_info.BuildInfo(__version__, "2026-11-28", "4a959bc")
    assert build_info.build_date_text(info) == "2026-11-28"


@pytest.mark.parametrize("content", [None, "", "not json", "[1, 2]", '{"built": 20261128}', '{"built": ""}'])
def test_a_missing_or_damaged_file_means_a_development_build(tmp_path, content):
    if content is not None:
        (tmp_path / "build-info.json").write_text(content, encoding="utf-8")
    assert build_info.read(tmp_path) == build_info.BuildInfo(__version__, None)


def test_the_version_shown_is_always_the_code_s_own(tmp_path):
    (tmp_path / "build-info.json").write_text('{"version": "9.9.9", "built": "2026-11-28"}', encoding="utf-8")
    assert build_info.read(tmp_path).version == __version__

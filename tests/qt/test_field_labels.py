"""Issue 17: the record of who did what (and the conflicts view) names every field of every record that travels
in words, never by its column name, in Chinese and in English."""

from __future__ import annotations

import pytest

from xinjie_desktop import i18n
from xinjie_desktop.core.sync import change_log
from xinjie_desktop.qt.shell.field_labels import field_label


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_journalled_field_has_a_label(language):
    before = i18n.language()
    i18n.set_language(language)
    try:
        unnamed = [
            (table, name)
            for table in sorted(change_log.tracked_tables())
            for name in change_log.fields(table)
            if field_label(table, name) == name
        ]
        assert unnamed == []
        if language == "zh_CN":  # shown in Chinese: no English label left untranslated
            english = [
                (table, name, field_label(table, name))
                for table in sorted(change_log.tracked_tables())
                for name in change_log.fields(table)
                if field_label(table, name).isascii()
            ]
            assert english == []
    finally:
        i18n.set_language(before)

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


def test_codes_of_steps_grades_and_roles_are_shown_by_their_labels():
    """Issue 17: the record of who did what shows an identification step, a danger grade and a role as words."""
    from xinjie_desktop.qt.audit.audit_view import value_text

    before = i18n.language()
    i18n.set_language("zh_CN")
    try:
        shown = [value_text("workflow_step", "step", "entered"), value_text("dangerous_house", "grade", "D")]
        shown.append(value_text("accounts", "role", "auditor"))
        assert shown[0] == "录入国办系统" and shown[1].startswith("D") and not shown[1].isascii()
        assert shown[2] == "纪检/审计"
    finally:
        i18n.set_language(before)

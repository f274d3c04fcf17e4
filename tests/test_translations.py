"""One translation mechanism (gettext, English ids): every message has its Chinese, in POLICY.md's terms."""

import gettext
import importlib.util
import re
import string
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("translations", ROOT / "scripts/translations.py")
translations = importlib.util.module_from_spec(spec)
spec.loader.exec_module(translations)


def message_ids():
    return sorted({m.id if isinstance(m.id, str) else m.id[0] for m in translations.extract() if m.id})


@pytest.fixture(scope="module")
def compiled():
    with translations.MO.open("rb") as handle:
        return gettext.GNUTranslations(handle)


def test_every_message_in_the_code_has_a_chinese_translation(compiled):
    ids = message_ids()
    assert len(ids) > 100  # the extraction does find the code's messages
    untranslated = [m for m in ids if compiled.gettext(m) == m and not re.fullmatch(r"[\W\d{}]*", m)]
    assert untranslated == [], "run scripts/translations.py update, translate, then compile"


def test_compiled_catalogue_matches_the_po_file(compiled):
    po = translations.load_po()
    for message in po:
        if message.id and message.string and not message.fuzzy and isinstance(message.id, str):
            assert compiled.gettext(message.id) == message.string


def test_placeholders_survive_translation():
    def fields(text: str) -> list[str]:
        return sorted(f for _, f, _, _ in string.Formatter().parse(text) if f is not None)

    for message in translations.load_po():
        if message.id and message.string and isinstance(message.id, str):
            assert fields(message.string) == fields(message.id), message.id


@pytest.mark.parametrize(
    "english, term",
    [
        ("actual population", "实有人口"),
        ("system population", "系统人口"),
        ("national system", "国办系统"),
        ("dibao", "低保"),
        ("public notice", "公示"),
        ("villagers' representatives assembly", "群众代表大会"),
        ("command centre", "指挥部"),
        ("wrongly exited", "错退"),
        ("wrong inclusion", "错评"),
    ],
)
def test_terms_follow_policy(compiled, english, term):
    """Where an English id uses a POLICY.md term, the Chinese uses the plan's own word."""
    using = [m for m in message_ids() if english in m.lower()]
    assert using, f"no message uses {english!r}"
    wrong = [m for m in using if term not in compiled.gettext(m)]
    assert wrong == []

"""The log file never holds an ID number (issue 17, "no personal data in clear elsewhere")."""

from __future__ import annotations

import logging

import pytest

from xinjie_desktop import logfile

ID_NUMBER = "11010119900307777X"


@pytest.fixture
def log_file(tmp_path):
    logfile.reset()
    path = logfile.configure(tmp_path)
    yield path
    logfile.reset()


def test_id_numbers_are_masked_in_messages_and_tracebacks(log_file):
    """Issue 17: an ID number in a message, its arguments or an exception's text never reaches the file."""
    log = logging.getLogger("xinjie_desktop.test")
    log.warning("household of %s refused", ID_NUMBER)
    log.warning("plain text %s", ID_NUMBER.lower())
    try:
        raise ValueError(f"UNIQUE constraint failed: member.id_number = '{ID_NUMBER[:17]}5'")
    except ValueError:
        log.exception("unexpected")
    logfile.log_unexpected(RuntimeError, RuntimeError(f"({ID_NUMBER})"), None)
    text = log_file.read_text(encoding="utf-8")
    assert ID_NUMBER[:17] not in text and ID_NUMBER.lower() not in text
    assert text.count(logfile.ID_NUMBER_MASK) == 4
    assert "Traceback" in text and "UNIQUE constraint failed" in text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("11010119900307777X", "<ID number>"),
        ("id=110101199003077771;", "id=<ID number>;"),
        ("1101011990030777712", "1101011990030777712"),  # 19 digits: not an ID number
        ("11010119900307777", "11010119900307777"),  # 17: neither
        ("at 2026-12-07 08:00:00", "at 2026-12-07 08:00:00"),
    ],
)
def test_what_is_masked(text, masked):
    assert logfile.mask_id_numbers(text) == masked

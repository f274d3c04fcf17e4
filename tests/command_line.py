"""The command line run in the test's own process, as the tests of its commands call it."""

from __future__ import annotations


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Run the command line in this process, in English: (exit code, stdout, stderr)."""
    from xinjie_desktop.main import main

    try:
        code = main(["--lang", "en", *argv])
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err

"""The log file: unexpected errors and their tracebacks, kept in the data folder.

``configure(folder)`` sends the root logger's records (warnings and worse, and everything
``log.exception`` writes) to ``folder/xinjie.log``, rotated at 1 MB with 5 old files kept.  Should
the folder not be writable, the log goes to the system's temporary folder instead.  Qt-free: the
window (qt.shell.app) and the command line (main) both call it.

The log never holds an ID number (issue 17): every line written to the file, tracebacks included (an
exception's text may quote a value), has each 18-character resident ID number masked (``mask_id_numbers``).
Bound values of SQL statements are kept out by the store's engine itself (``hide_parameters``).
"""

from __future__ import annotations

import logging
import re
import tempfile
from pathlib import Path

LOG_FILE = "xinjie.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s"

# An 18-character resident ID number: 17 digits and a check character (a digit or X), not part of a longer number.
_ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9Xx])")
ID_NUMBER_MASK = "<ID number>"


def mask_id_numbers(text: str) -> str:
    """``text`` with every 18-character ID number replaced by ``ID_NUMBER_MASK``."""
    return _ID_NUMBER.sub(ID_NUMBER_MASK, text)


class MaskingFormatter(logging.Formatter):
    """The log file's formatter: each record as ``FORMAT`` lays it out, traceback included, its ID numbers masked."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_id_numbers(super().format(record))


_handler: logging.Handler | None = None
_path: Path | None = None


def configure(folder: Path | str, level: int = logging.INFO) -> Path:
    """Log to a rotating file in ``folder`` (once; later calls return the file in use)."""
    global _handler, _path
    if _path is not None:
        return _path
    from logging.handlers import RotatingFileHandler  # only once the window is on the screen

    for candidate in (Path(folder), Path(tempfile.gettempdir())):
        try:
            candidate.mkdir(parents=True, exist_ok=True)
            handler = RotatingFileHandler(
                candidate / LOG_FILE, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=False
            )
        except OSError:
            continue
        handler.setFormatter(MaskingFormatter(FORMAT))
        handler.setLevel(level)
        root = logging.getLogger()
        root.addHandler(handler)
        if root.level > level or root.level == logging.NOTSET:
            root.setLevel(level)
        _handler, _path = handler, candidate / LOG_FILE
        return _path
    raise OSError(f"no folder for the log file {LOG_FILE}")


def log_path() -> Path | None:
    """The log file in use, None before ``configure``."""
    return _path


def log_unexpected(kind, value, tb, folder: Path | str | None = None) -> Path | None:
    """Write an unexpected exception with its traceback to the log (configuring it in ``folder`` if
    need be); returns the log file, None if there is none."""
    if _path is None and folder is not None:
        try:
            configure(folder)
        except OSError:
            pass
    logging.getLogger("xinjie_desktop").error("unexpected error", exc_info=(kind, value, tb))
    if _handler is not None:
        _handler.flush()
    return _path


def reset() -> None:
    """Stop logging to the file (tests)."""
    global _handler, _path
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
    _handler, _path = None, None

"""SQLite connections to a store that may be encrypted at rest (issue 17).

A clear store (the state before issue 17; a store without ``<store>.keys``) is opened with Python's
``sqlite3``; an encrypted one with ``sqlcipher3`` (SQLCipher 4: every page of the file, of its write-ahead
log and of every backup encrypted with AES-256 and authenticated with HMAC-SHA512), given its raw 256-bit
data key (``PRAGMA key = "x'…'"``) before anything else is read.  Where the data key comes from (an
account's password, the recovery code) is ``core.store.keyring``'s business.

``connect`` is the one place a connection is made; ``OperationalError`` and ``DatabaseError`` are the
exception classes of both libraries (``sqlcipher3``'s are not subclasses of ``sqlite3``'s).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlcipher3 import dbapi2 as sqlcipher

KEY_SIZE = 32  # bytes: AES-256
# The page cache of a connection to an encrypted store (SQLite's default is 2 MiB): a page read from the disk (or
# the system's cache) is decrypted and its HMAC checked each time it is read into this cache, so the pages the
# household list and its filter read over and over stay here, decrypted.  Measured with 100,000 households
# (scripts/benchmark.py --encrypted): a filter keystroke 1.91 × the clear store's time with the default cache,
# 0.57 × with 64 MiB.  The cache grows only as pages are read.
ENCRYPTED_CACHE_KIB = 64 * 1024
SQLITE_HEADER = b"SQLite format 3\x00"

OperationalError: tuple[type[Exception], ...] = (sqlite3.OperationalError, sqlcipher.OperationalError)
DatabaseError: tuple[type[Exception], ...] = (sqlite3.DatabaseError, sqlcipher.DatabaseError)
Error: tuple[type[Exception], ...] = (sqlite3.Error, sqlcipher.Error)


def key_pragma(key: bytes, schema: str = "") -> str:
    """``PRAGMA key`` giving SQLCipher the raw key (no passphrase derivation: the key is random)."""
    if len(key) != KEY_SIZE:
        raise ValueError(f"a data key has {KEY_SIZE} bytes, not {len(key)}")
    return f"PRAGMA {schema + '.' if schema else ''}key = \"x'{key.hex()}'\""


def key_literal(key: bytes) -> str:
    """The key as ``ATTACH … KEY`` takes it."""
    if len(key) != KEY_SIZE:
        raise ValueError(f"a data key has {KEY_SIZE} bytes, not {len(key)}")
    return f"\"x'{key.hex()}'\""


def connect(database: str, key: bytes | None, **kwargs: Any) -> Any:
    """A DB-API connection to ``database`` (a path or a ``file:`` URI with ``uri=True``): ``sqlite3``'s
    without a key, ``sqlcipher3``'s keyed with ``key`` (before any page is read) with one."""
    if key is None:
        return sqlite3.connect(database, **kwargs)
    connection = sqlcipher.connect(database, **kwargs)
    try:
        # SQLCipher writes a wrong key's failed page checks to stderr: the caller says it in words instead.
        connection.execute("PRAGMA cipher_log_level = NONE")
        connection.execute(key_pragma(key))
        try:
            connection.execute(f"PRAGMA cache_size = -{ENCRYPTED_CACHE_KIB}")
        except sqlcipher.DatabaseError:  # a wrong key (or no database): the caller's first read says so in words
            pass
    except BaseException:
        connection.close()
        raise
    return connection


def dbapi(key: bytes | None) -> Any:
    """The DB-API module whose connections ``connect`` makes (SQLAlchemy's ``module=``)."""
    return sqlite3 if key is None else sqlcipher


def is_encrypted(path: Path | str) -> bool:
    """True when ``path`` is a non-empty file that does not begin with SQLite's clear header (an encrypted
    store begins with its random salt).  A missing or empty file is not encrypted."""
    try:
        with Path(path).open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError:
        return False
    return bool(header) and header != SQLITE_HEADER

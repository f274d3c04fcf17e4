"""A released migration never changes (issue 12).

Stores in the field were upgraded by these files as they are; a change to one would leave those stores
different from stores upgraded afterwards, with nothing to tell them apart.  A correction is a new
revision.  The table holds the SHA-256 of every released file (line endings as LF, so that a Windows
checkout hashes the same); a new revision adds its line here when it is released.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import xinjie_desktop

VERSIONS = Path(xinjie_desktop.__file__).resolve().parent / "migrations" / "versions"

RELEASED = {
    "0001_households.py": "9fb84b32c5b029ea1f16d64d5e6e681f6bd7377b4cf31bfcd97e57c237a82761",
    "0002_objections_reconciliation.py": "5ac04cfd9a79a597634dd130f0329f81168bd4da0d11613120a380aa62d7509a",
    "0003_attachments.py": "cef7792d102920198e60ab640e76fd0fddb22b7b43a6c3a51f7ccdc005087db0",
    "0004_list_order.py": "c06836cbe6569ac0dabc1b0282f0ee89317606d995dcb213a9ea7ed91e403083",
    "0005_relocation_and_plans.py": "3de14527f1bbca64e2aba282e31e15b182438472a4c294210262f554fb6265a6",
    "0006_agreements_and_notices.py": "df88674ac6c3a3fcfade94122fe6224315f6f13ee5c370f28bf3ad5819d3a0fd",
    "0007_sync.py": "167c1583158b2e738f83fb45de41863be19c3c234065a663fce0f1faaa1da8b3",
    "0008_settled_records.py": "d8dbfb3a2ebbbb0560e1512c734bd6c617dfb8071bd149fd3309ac668ec91dbf",
}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def test_released_migrations_are_unchanged():
    changed = [name for name, sha in RELEASED.items() if (VERSIONS / name).exists() and digest(VERSIONS / name) != sha]
    assert not changed, (
        f"Released migrations changed: {', '.join(changed)}. A released migration never changes (stores in the "
        "field were upgraded by it as it was): put the file back and make the correction a new revision."
    )


def test_no_released_migration_is_missing():
    missing = [name for name in RELEASED if not (VERSIONS / name).exists()]
    assert not missing, f"Released migrations missing (renamed or deleted): {', '.join(missing)}. Put them back."


def test_every_migration_file_is_in_the_table():
    unknown = {path.name: digest(path) for path in sorted(VERSIONS.glob("*.py")) if path.name not in RELEASED}
    assert not unknown, "New migration files: add each to RELEASED in tests/core/test_released_migrations.py " + (
        "(and its fixture store: scripts/make_migration_fixtures.py): "
        + ", ".join(f'"{name}": "{sha}"' for name, sha in unknown.items())
    )

"""``xinjie-desktop --self-test``: does this copy of the program work on this computer?

In a temporary folder (removed afterwards; the user's own data file is never touched) it opens a
new store (all migrations), creates one demo household, computes and saves a housing plan, drafts
and renders an agreement PDF and checks it against the store, signs it on screen (three PNG
signature pictures, drawn through Pillow) and checks the signed PDF, checks the Chinese catalogue and
the shipped font, starts Qt on its offscreen platform with Qt's own Chinese translation and draws
the main window and the About dialog, and exports and re-imports a bundle.  One line per check::

    ok  store: new store migrated to revision 0007, integrity ok
    FAILED bundle export and re-import: the bundle module cannot be loaded: No module named …

The exit code is 0 only when every check passed.  A check that needs an earlier one's result
fails when that one failed.  The check names and this module's own words are in English on
purpose: they are read by whoever looks after the laptops, and by the test suite, whatever the
interface language (a detail the program itself words, such as the bundle check's, or a store's
refusal, comes in the interface language).

No Qt at this module's top: the Qt checks live in ``xinjie_desktop.qt.shell.self_check`` and are
imported when they run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from xinjie_desktop import i18n
from xinjie_desktop.build_info import name_and_version


class CheckFailed(Exception):
    """A check found something wrong; its message is the reason printed."""


@dataclass
class Context:
    """What the checks share: the temporary folder, and what earlier checks made."""

    folder: Path
    store: object | None = None
    household_id: str | None = None
    results: dict[str, bool] = field(default_factory=dict)

    def need(self, *names: str) -> None:
        missing = [name for name in names if not self.results.get(name)]
        if missing:
            raise CheckFailed("not run, because this check failed: " + ", ".join(missing))


def _store(context: Context) -> str:
    from sqlalchemy import text

    from xinjie_desktop.core.store.database import head_revision
    from xinjie_desktop.core.sync.workstore import open_store

    context.store = store = open_store(context.folder / "self-test.sqlite")
    with store.session() as session:
        revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        integrity = session.execute(text("PRAGMA integrity_check")).scalar()
    if revision != head_revision():
        raise CheckFailed(f"the new store is at revision {revision}, not {head_revision()}")
    if integrity != "ok":
        raise CheckFailed(f"integrity check: {integrity}")
    return f"new store migrated to revision {revision}, integrity ok"


def _encrypted_store(context: Context) -> str:
    """Issue 17: SQLCipher and Argon2id work in this build: a data key enrolled under a password, unlocked again,
    an encrypted store written and read back with it, and unreadable to plain SQLite; a bundle's staged changes read
    into it (SQLCipher's SQLite reads them as JSON: ``staging.StagedRows``)."""
    import sqlite3

    from sqlalchemy import text

    from xinjie_desktop.core.store import cipher, keyring
    from xinjie_desktop.core.sync import staging
    from xinjie_desktop.core.sync.workstore import open_store

    path = context.folder / "encrypted.sqlite"
    data_key = keyring.new_data_key()
    keyring.enrol(path, data_key, "self-test", "self-test", "self-test password")
    if keyring.unlock(path, "self-test", "self-test password") != data_key:
        raise CheckFailed("the password did not unlock the data key it wrapped")
    store = open_store(path, key=data_key)
    try:
        with store.unit_of_work() as session:
            session.execute(text("INSERT INTO local_setting (key, value) VALUES ('self_test', '110101199003077777')"))
    finally:
        store.close()
    store = open_store(path, key=keyring.unlock(path, "self-test", "self-test password"))
    try:
        with store.session() as session:
            value = session.execute(text("SELECT value FROM local_setting WHERE key = 'self_test'")).scalar()
            version = session.execute(text("PRAGMA cipher_version")).scalar()
        with store.engine.connect() as connection:  # an import's staged changes reach the encrypted store
            change = "self-test\t1\t1\tvillage\tself-test\tupsert\tself-test\t{}\t{}\n"
            staging.stage(connection, staging.image_rows(staging.staged_image(change)))
            staged = connection.exec_driver_sql("SELECT row_id FROM sync_incoming").scalars().all()
            connection.rollback()
    finally:
        store.close()
    if staged != ["self-test"]:
        raise CheckFailed(f"a bundle's staged changes did not reach the encrypted store ({staged})")
    if value != "110101199003077777":
        raise CheckFailed("the encrypted store did not give back what was written")
    if not cipher.is_encrypted(path) or b"110101199003077777" in path.read_bytes():
        raise CheckFailed("the store was written in clear")
    plain = sqlite3.connect(path)
    try:
        plain.execute("SELECT count(*) FROM sqlite_master").fetchall()
        raise CheckFailed("plain SQLite read the encrypted store")
    except sqlite3.DatabaseError:
        pass
    finally:
        plain.close()
    return f"SQLCipher {version}, key unlocked with Argon2id, unreadable without it, staged changes read into it"


def _household(context: Context) -> str:
    from sqlalchemy import func, select

    from xinjie_desktop.core.records import demo_data
    from xinjie_desktop.core.store.models import Household, Member

    context.need("store")
    store = context.store
    demo_data.generate(store, villages=1, households=1, seed=1)
    with store.session() as session:
        context.household_id = session.scalar(select(Household.id))
        members = session.scalar(select(func.count()).select_from(Member))
    if context.household_id is None:
        raise CheckFailed("no household was stored")
    return f"1 demo household with {members} members stored"


def _plan(context: Context) -> str:
    from xinjie_desktop.core.records import housing_plans
    from xinjie_desktop.core.rules import housing_plan
    from xinjie_desktop.core.rules.policy_params import current

    context.need("demo household")
    plan = dataclasses.replace(housing_plans.defaults_for(context.store, context.household_id), unit_cost=Decimal(1100))
    result = housing_plan.calculate(plan, current())
    if result.layout_m2 is None or result.building_cost is None:
        raise CheckFailed("the plan chose no layout or has no building cost")
    housing_plans.save(context.store, context.household_id, plan, result)
    if len(housing_plans.saved_plans(context.store, context.household_id)) != 1:
        raise CheckFailed("the saved plan cannot be read back")
    return (
        f"{plan.people} people: {result.layout_m2} m², cost {result.building_cost} yuan, "
        f"subsidy and reward {result.subsidy_and_reward} yuan, saved"
    )


def _agreement(context: Context) -> str:
    from pypdf import PdfReader

    from xinjie_desktop.core.records import agreements
    from xinjie_desktop.core.records.demo_data import signature_png

    context.need("housing plan")
    today = dt.date.today()
    agreement_id = agreements.draft(
        context.store,
        context.household_id,
        agreements.RELOCATION,
        demolition_deadline=today + dt.timedelta(days=90),
        today=today,
    )
    path = agreements.render_pdf(context.store, agreement_id, context.folder)
    verified = agreements.verify(context.store, path)
    if not verified.matches:
        raise CheckFailed(f"the PDF does not match the stored agreement: {verified.message}")
    reader = PdfReader(path)
    creator = str((reader.metadata or {}).get("/Creator", ""))
    if creator != name_and_version():
        raise CheckFailed(f"the PDF's creator is {creator!r}, not {name_and_version()!r}")
    fonts = _embedded_fonts(reader)
    if not fonts:
        raise CheckFailed("the PDF embeds no font")
    # signed on screen: the three signatures are PNG pictures drawn into the PDF (through Pillow)
    signatures = {
        role: (name, signature_png(seed))
        for seed, (role, name) in enumerate(
            (("household_head", "自检户主"), ("representative", "自检代表"), ("witness", "自检见证人"))
        )
    }
    agreements.sign_on_screen(context.store, agreement_id, signatures, today)
    signed = agreements.render_pdf(context.store, agreement_id, context.folder / "signed.pdf")
    verified = agreements.verify(context.store, signed)
    if not (verified.matches and verified.signed_file and verified.signed_file_matches):
        raise CheckFailed(f"the signed PDF does not match the stored one: {verified.message}")
    images = sum(len(page.images) for page in PdfReader(signed).pages)
    if images < len(signatures):
        raise CheckFailed(f"the signed PDF shows {images} signature pictures, not {len(signatures)}")
    return (
        f"{path.name}: {len(reader.pages)} page(s), {path.stat().st_size} bytes, matches the store, "
        f"font {', '.join(sorted(fonts))} embedded; signed on screen ({images} signature pictures), "
        f"the signed PDF matches too"
    )


def _embedded_fonts(reader) -> set[str]:
    names = set()
    for page in reader.pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for font in fonts.values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts") or [font]:
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is not None and any(
                    key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")
                ):
                    names.add(str(font.get("/BaseFont", "?")).split("+")[-1].lstrip("/"))
    return names


def _translations(_context: Context) -> str:
    import gettext

    from xinjie_desktop.resources import translations_dir

    previous = i18n.language()
    try:
        i18n.set_language("zh_CN")
        title = i18n._("Xinjie Township poverty-alleviation work tool")
    except OSError as error:
        raise CheckFailed(f"the Chinese catalogue cannot be loaded from {translations_dir()}: {error}") from None
    finally:
        i18n.set_language(previous)
    if not any("\u4e00" <= char <= "\u9fff" for char in title):
        raise CheckFailed(f"a known message is not translated into Chinese: {title!r}")
    catalogue = gettext.translation(i18n.DOMAIN, localedir=str(translations_dir()), languages=["zh_CN"])
    # gettext counts the messages only in its private _catalog
    return f"zh_CN catalogue: {len(catalogue._catalog)} messages, e.g. {title}"


def _font(_context: Context) -> str:
    from reportlab.pdfbase import pdfmetrics

    from xinjie_desktop.core.documents.fonts import document_font
    from xinjie_desktop.resources import font_path

    if not font_path().is_file():
        raise CheckFailed(f"the font file {font_path()} is missing")
    name = document_font()
    face = pdfmetrics.getFont(name).face
    missing = [char for char in "辛街乡脱贫攻坚Ab1" if ord(char) not in face.charToGlyph]
    if missing:
        raise CheckFailed(f"the font has no glyph for {''.join(missing)}")
    return f"{face.name.decode() if isinstance(face.name, bytes) else face.name} ({font_path().name}) loads, Chinese glyphs present"


def _qt(name: str) -> Callable[[Context], str]:
    def check(_context: Context) -> str:
        from xinjie_desktop.qt.shell import self_check  # Qt only from here on

        return getattr(self_check, name)()

    return check


def _qt_translation(context: Context) -> str:
    context.need("Qt application")
    return _qt("qt_translation")(context)


def _window(context: Context) -> str:
    context.need("Qt application")
    return _qt("window")(context)


def _printing(context: Context) -> str:
    context.need("Qt application", "agreement PDF")
    from xinjie_desktop.qt.shell import self_check  # Qt only from here on

    pdf = min(context.folder.glob("*.pdf"))  # the agreement's PDF, written by the check before
    return self_check.printing(pdf, context.folder / "printed.pdf")


def _bundle(context: Context) -> str:
    context.need("store")
    try:
        from xinjie_desktop.core.sync import round_trip
    except ImportError as error:
        raise CheckFailed(f"the bundle module cannot be loaded: {error}") from None
    work_dir = context.folder / "bundle"
    work_dir.mkdir()
    return round_trip.self_test_round_trip(work_dir)


def _staging_process(_context: Context) -> str:
    from xinjie_desktop.core.sync import importing

    return importing.staging_process_works()


CHECKS: list[tuple[str, Callable[[Context], str]]] = [
    ("store", _store),
    ("encrypted store", _encrypted_store),
    ("demo household", _household),
    ("housing plan", _plan),
    ("agreement PDF", _agreement),
    ("translations", _translations),
    ("font", _font),
    ("Qt application", _qt("application")),
    ("Qt translation", _qt_translation),
    ("window", _window),
    ("printing", _printing),
    ("bundle export and re-import", _bundle),
    ("staging process", _staging_process),
]


def _reason(error: BaseException) -> str:
    if isinstance(error, CheckFailed):
        return str(error)
    text = str(error).strip().replace("\n", " ")
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def run(folder: Path, out: TextIO, checks: list[tuple[str, Callable[[Context], str]]] | None = None) -> bool:
    """Run the checks in ``folder`` (an empty temporary folder); True when all passed."""
    context = Context(Path(folder))
    try:
        for name, check in checks or CHECKS:
            try:
                detail = check(context)
            except Exception as error:  # every failure is a line of the report, never a traceback
                context.results[name] = False
                print(f"FAILED {name}: {_reason(error)}", file=out, flush=True)
                if not isinstance(error, CheckFailed) and sys.stderr is not None:  # None: a windowed build
                    traceback.print_exception(error, file=sys.stderr)
            else:
                context.results[name] = True
                print(f"ok  {name}: {detail}" if detail else f"ok  {name}", file=out, flush=True)
    finally:
        if context.store is not None:
            context.store.close()
    return all(context.results.values())


def main(out: TextIO | None = None) -> int:
    """The ``--self-test`` command: 0 when every check passed, 1 otherwise."""
    out = out if out is not None else sys.stdout
    print(f"{name_and_version()} self-test", file=out, flush=True)
    with tempfile.TemporaryDirectory(prefix="xinjie-self-test-") as folder:
        passed = run(Path(folder), out)
    return 0 if passed else 1

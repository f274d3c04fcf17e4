"""Issue 17, the command line: --user on every command that opens a data file, the password from
XINJIE_PASSWORD (never an option), a wrong password exits 2 and changes nothing; ``account`` for
administrators; ``demo-data --password`` makes the demo's administrator ``admin``."""

from __future__ import annotations

import hashlib
import json

import pytest

from xinjie_desktop.core.records import accounts
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.main import build_parser, main

ADMIN = "demo password"


@pytest.fixture
def demo(tmp_path, capsys):
    path = tmp_path / "demo.sqlite"
    assert (
        main(
            [
                "demo-data",
                "--db",
                str(path),
                "--villages",
                "2",
                "--households",
                "6",
                "--households-only",
                "--password",
                ADMIN,
            ]
        )
        == 0
    )
    assert "admin" in capsys.readouterr().out
    return path


def files(path):
    return tuple(
        hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None
        for p in (path, path.with_name(path.name + "-wal"))
    )


def run(monkeypatch, capsys, argv, password=None, new=None):
    for name, value in (("XINJIE_PASSWORD", password), ("XINJIE_NEW_PASSWORD", new)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_demo_data_password_makes_the_demos_administrator(demo):
    """Issue 17: demo-data --password P makes a clearly named demo administrator ``admin``, and the demo's data
    file is encrypted like any other: only admin's password opens it."""
    from xinjie_desktop.core.sync import login

    assert login.is_encrypted(demo)
    store = login.open_as(demo, "admin", ADMIN)
    try:
        view = accounts.view(store, "admin")
        assert view.role == "township_admin" and "demo" in view.display_name.lower()
        assert store.actor.name == "admin"
    finally:
        store.close()


def test_demo_data_without_password_makes_no_account(tmp_path):
    """Issue 17: without --password demo-data behaves as before (no account, no login)."""
    path = tmp_path / "plain.sqlite"
    assert main(["demo-data", "--db", str(path), "--villages", "1", "--households", "3", "--households-only"]) == 0
    store = open_store(path)
    try:
        assert not accounts.any_accounts(store)
    finally:
        store.close()
    assert main(["villages", "--db", str(path)]) == 0  # no --user needed


def test_a_store_with_accounts_asks_for_the_user(demo, monkeypatch, capsys):
    """Issue 17: a data file with accounts: --user is needed, the password from XINJIE_PASSWORD."""
    code, _out, err = run(monkeypatch, capsys, ["villages", "--db", str(demo)], password=ADMIN)
    assert code == 2 and "--user" in err
    code, out, _err = run(monkeypatch, capsys, ["villages", "--db", str(demo), "--user", "admin"], password=ADMIN)
    assert code == 0 and out.strip()


@pytest.mark.parametrize(
    "argv",
    [
        ["bundle", "export", "--to", "."],
        ["account", "add", "--name", "x", "--role", "auditor"],
        ["db", "dump", "--canonical"],
    ],
)
def test_a_wrong_password_exits_2_and_changes_nothing(demo, monkeypatch, capsys, argv):
    """Issue 17: a wrong password exits 2 with a clear message; the data file is as it was."""
    before = files(demo)
    code, out, err = run(
        monkeypatch, capsys, [*argv[:2], "--db", str(demo), *argv[2:], "--user", "admin"], password="wrong", new="x" * 9
    )
    assert code == 2 and "Wrong name or password" in err and "Nothing was changed" in err and "Traceback" not in err
    assert files(demo) == before


def test_the_password_is_never_an_option():
    """Issue 17: no command takes a --password option but demo-data (a demo data file's administrator)."""
    parser = build_parser()
    found = []

    def walk(p, trail):
        for action in p._actions:
            if "--password" in action.option_strings:
                found.append(trail)
            choices = getattr(action, "choices", None)
            for name, sub in choices.items() if isinstance(choices, dict) else ():
                if hasattr(sub, "_actions"):
                    walk(sub, [*trail, name])

    walk(parser, [])
    assert found == [["demo-data"]]


def test_account_commands(demo, monkeypatch, capsys):
    """Issue 17: account add|passwd|lock|unlock|list for administrators."""
    db = ["--db", str(demo)]
    code, _out, err = run(
        monkeypatch,
        capsys,
        [
            "account",
            "add",
            *db,
            "--user",
            "admin",
            "--name",
            "wang",
            "--role",
            "work_team",
            "--village",
            "青山村",
            "--may-sign",
            "--display-name",
            "王",
        ],
        password=ADMIN,
        new="team password",
    )
    assert code == 0, err
    code, out, _err = run(monkeypatch, capsys, ["account", "list", *db, "--user", "admin", "--json"], password=ADMIN)
    listed = {a["name"]: a for a in json.loads(out)}
    assert listed["wang"]["role"] == "work_team" and listed["wang"]["may_sign"] and len(listed["wang"]["villages"]) == 1
    code, out, _err = run(monkeypatch, capsys, ["account", "list", *db, "--user", "admin"], password=ADMIN)
    assert "青山村" in out and "wang" in out
    # a work-team member is no administrator
    code, _out, err = run(
        monkeypatch, capsys, ["account", "lock", *db, "--user", "wang", "--name", "admin"], password="team password"
    )
    assert code == 2 and "may not manage accounts" in err
    # own password
    code, _out, err = run(
        monkeypatch, capsys, ["account", "passwd", *db, "--user", "wang"], password="team password", new="second one"
    )
    assert code == 0, err
    # lock, refused login, unlock
    assert (
        run(monkeypatch, capsys, ["account", "lock", *db, "--user", "admin", "--name", "wang"], password=ADMIN)[0] == 0
    )
    code, _out, err = run(monkeypatch, capsys, ["villages", *db, "--user", "wang"], password="second one")
    assert code == 2 and "locked" in err
    assert (
        run(monkeypatch, capsys, ["account", "unlock", *db, "--user", "admin", "--name", "wang"], password=ADMIN)[0]
        == 0
    )
    # admin reset
    code, _out, err = run(
        monkeypatch,
        capsys,
        ["account", "passwd", *db, "--user", "admin", "--name", "wang"],
        password=ADMIN,
        new="third one",
    )
    assert code == 0, err
    assert run(monkeypatch, capsys, ["villages", *db, "--user", "wang"], password="third one")[0] == 0


def test_the_first_account_of_a_store_without_accounts(tmp_path, monkeypatch, capsys):
    """Issue 17: on a store without accounts the first administrator is made without --user."""
    path = tmp_path / "new.sqlite"
    assert main(["demo-data", "--db", str(path), "--villages", "1", "--households", "3", "--households-only"]) == 0
    code, _out, err = run(
        monkeypatch,
        capsys,
        ["account", "add", "--db", str(path), "--name", "boss", "--role", "township_admin"],
        new="boss password",
    )
    assert code == 0, err
    code, _out, err = run(monkeypatch, capsys, ["villages", "--db", str(path)])
    assert code == 2 and "--user" in err


def test_the_password_is_asked_on_the_terminal(demo):
    """Issue 17: without XINJIE_PASSWORD the password is asked on the terminal (getpass, not echoed)."""
    import os
    import pty
    import select
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("XINJIE_")}
    env["PYTHONPATH"] = str(__import__("pathlib").Path(__file__).resolve().parents[2])
    pid, fd = pty.fork()
    if pid == 0:  # the child: the program on a terminal of its own
        os.execve(
            sys.executable,
            [sys.executable, "-m", "xinjie_desktop", "--lang", "en", "villages", "--db", str(demo), "--user", "admin"],
            env,
        )
    seen = b""

    def read_until(text: bytes, seconds: float = 30) -> None:
        nonlocal seen
        while text not in seen:
            ready, _, _ = select.select([fd], [], [], seconds)
            assert ready, seen
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk

    read_until(b"Password for admin: ")
    os.write(fd, ADMIN.encode() + b"\n")
    read_until(b"\xe9\x9d\x92\xe5\xb1\xb1\xe6\x9d\x91")  # 青山村: the villages listed
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert ADMIN.encode() not in seen  # not echoed


def test_an_account_added_on_the_encrypted_demo_opens_it_with_its_own_password(demo, monkeypatch, capsys):
    """Issue 17: the data key wrapped once per account: `account add` gives the new account the key at once;
    `account passwd` re-wraps only that account's key (the old password no longer opens the file)."""
    argv = ["account", "add", "--db", str(demo), "--user", "admin", "--name", "auditor1", "--role", "auditor"]
    assert run(monkeypatch, capsys, argv, password=ADMIN, new="auditor password")[0] == 0
    villages = ["villages", "--db", str(demo), "--user", "auditor1"]
    assert run(monkeypatch, capsys, villages, password="auditor password")[0] == 0
    passwd = ["account", "passwd", "--db", str(demo), "--user", "auditor1"]
    assert run(monkeypatch, capsys, passwd, password="auditor password", new="auditor password 2")[0] == 0
    code, _out, err = run(monkeypatch, capsys, villages, password="auditor password")
    assert code == 2 and "Wrong name or password" in err
    assert run(monkeypatch, capsys, villages, password="auditor password 2")[0] == 0
    assert run(monkeypatch, capsys, ["villages", "--db", str(demo), "--user", "admin"], password=ADMIN)[0] == 0


def test_the_record_of_who_did_what_is_read_by_the_administrator_and_refused_to_nobody(demo, monkeypatch, capsys):
    """Issue 17: `audit` on a data file with accounts takes --user like every command; the administrator reads
    it; no user is refused and nothing changes."""
    before = files(demo)
    code, _out, err = run(monkeypatch, capsys, ["audit", "--db", str(demo), "--json"])
    assert code == 2 and "--user" in err and files(demo) == before
    code, out, _err = run(
        monkeypatch, capsys, ["audit", "--db", str(demo), "--json", "--user", "admin"], password=ADMIN
    )
    assert code == 0 and json.loads(out) is not None


def test_a_laptops_bundle_is_imported_into_the_encrypted_township_store_from_the_command_line(
    tmp_path, monkeypatch, capsys
):
    """Issue 16 (second trial): ``bundle import --db TOWN --user NAME`` on the township's encrypted data file
    exited 2 ("is encrypted: log in to open it"), the bundle unread, because the check before the import opened
    the file without the key. It is checked with the user's key and imported; a wrong password still changes
    nothing."""
    from sync_world import World
    from xinjie_desktop.core.records import demo_data
    from xinjie_desktop.core.rules.permissions import Role
    from xinjie_desktop.core.sync import login

    world = World(tmp_path / "world", laptops=1)
    town = world.township
    login.add_account(town, "admin", ADMIN, Role.TOWNSHIP_ADMIN)
    town.actor = accounts.login(town, "admin", ADMIN)
    world.township, _code = login.secure(town, "admin", ADMIN)
    laptop = world.laptop(0)
    demo_data.add_households(laptop, 2, seed=4)
    bundles = [str(path) for path in world.export(laptop)]
    town_path = world.township.path
    world.close()
    argv = ["bundle", "import", "--db", str(town_path), "--user", "admin", *bundles]
    before = hashlib.sha256(town_path.read_bytes()).hexdigest()
    code, _out, err = run(monkeypatch, capsys, argv, password="wrong password")
    assert code == 2 and err.strip() and hashlib.sha256(town_path.read_bytes()).hexdigest() == before
    code, out, err = run(monkeypatch, capsys, argv, password=ADMIN)
    assert code == 0, err
    assert "20 new" in out

"""The command line: demo data (reproducible, valid, varied) and --version."""

import subprocess
import sys

import pytest
from sqlalchemy import select

from xinjie_desktop import __version__
from xinjie_desktop.core.records import households
from xinjie_desktop.core.rules import flags, idnumber, membership
from xinjie_desktop.core.store.models import Household, Member, Township
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.main import main


def content(path):
    """The records as they travel (times aside): ids, households, members."""
    store = open_store(path)
    with store.session() as session:
        rows = session.execute(
            select(
                Household.id,
                Household.group_id,
                Household.head_name,
                Household.flags,
                Household.workflow_step,
                Member.id,
                Member.name,
                Member.id_number,
                Member.membership_basis,
            )
            .join(Member)
            .order_by(Member.id_number)
        ).all()
    store.close()
    return rows


def test_demo_data_is_reproducible(tmp_path, capsys):
    for name in ("a", "b"):
        assert (
            main(
                [
                    "demo-data",
                    "--db",
                    str(tmp_path / f"{name}.sqlite"),
                    "--villages",
                    "3",
                    "--households",
                    "120",
                    "--seed",
                    "7",
                ]
            )
            == 0
        )
    assert "120" in capsys.readouterr().out
    assert content(tmp_path / "a.sqlite") == content(tmp_path / "b.sqlite")
    main(["demo-data", "--db", str(tmp_path / "c.sqlite"), "--villages", "3", "--households", "120", "--seed", "8"])
    assert content(tmp_path / "a.sqlite") != content(tmp_path / "c.sqlite")


def test_ID_2_demo_data_is_valid_and_varied(tmp_path, params):
    """ID-2 categories all present, ID numbers valid with Longyang's 530502, incomes on both sides of ID-1."""
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
                "400",
                "--seed",
                "1",
                "--households-only",
            ]
        )
        == 0
    )
    store = open_store(path)
    with store.session() as session:
        town = session.scalar(select(Township))
        assert town.is_demo and "演示" in town.name
        members = session.scalars(select(Member)).all()
        assert {m.membership_basis for m in members} == set(membership.BASES)
        assert len({m.id_number for m in members}) == len(members)
        for member in members:
            facts = idnumber.parse(member.id_number)
            assert member.id_number.startswith("530502")
            assert (facts.birth_date, facts.sex) == (member.birth_date, member.sex)
        stored = session.scalars(select(Household)).all()
        codes = {code for h in stored for code in h.flags.split("|") if code}
        assert {"below_line", "above_line", "population_differs", "cannot_exit"} <= codes
        for household in stored[:50]:  # stored derived columns agree with the rules
            full = households.load_household(session, household.id)
            assert household.flags == flags.encode(flags.compute(full, params))
    store.close()


def test_demo_data_refuses_a_store_that_already_has_a_township(tmp_path, capsys):
    path = str(tmp_path / "d.sqlite")
    main(["demo-data", "--db", path, "--villages", "1", "--households", "1", "--seed", "1"])
    assert main(["demo-data", "--db", path, "--villages", "1", "--households", "1", "--seed", "1"]) == 2
    assert "already has a township" in capsys.readouterr().err


def test_bad_arguments_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["demo-data", "--db", str(tmp_path / "x.sqlite"), "--villages", "many"])
    assert exit_.value.code == 2
    assert "--villages" in capsys.readouterr().err


def test_version_from_the_installed_command():
    result = subprocess.run([sys.executable, "-m", "xinjie_desktop", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == f"xinjie-desktop {__version__}"

"""Issue 17, accounts travel: made at the township they reach the laptops of their villages in bundles; a
laptop sends only local accounts of its own work team, countersigned by the township's next bundle."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from xinjie_desktop.core.records import accounts
from xinjie_desktop.core.rules.permissions import PermissionRefused, Role
from xinjie_desktop.core.store.models import Account
from xinjie_desktop.core.sync import roles
from xinjie_desktop.core.sync.bundle_format import SyncError

PASSWORD = "a good password"


def names(store) -> dict[str, bool]:
    """Account name → countersigned."""
    with store.session() as session:
        return dict(session.execute(text("SELECT name, countersigned FROM accounts")).all())


@pytest.fixture
def staffed(world):
    """The township's administrator and a work-team member of each laptop's village, sent out."""
    town = world.township
    accounts.create(town, "admin", PASSWORD, Role.TOWNSHIP_ADMIN)
    accounts.login(town, "admin", PASSWORD)
    for index, laptop in enumerate(world.laptops.values()):
        (village,) = roles.laptop_villages(laptop)
        accounts.create(town, f"team{index}", PASSWORD, Role.WORK_TEAM, [village], may_sign=True)
    both = sorted(v for laptop in world.laptops.values() for v in roles.laptop_villages(laptop))
    accounts.create(town, "both", PASSWORD, Role.VILLAGE_CADRE, both)  # labelled by the first: reaches both
    for laptop in world.laptops.values():
        world.import_into(laptop, world.export(town, to=laptop))
    return world


def test_accounts_made_at_the_township_reach_the_laptops_of_their_villages(staffed):
    """Issue 17: each laptop receives the administrator, its own village's accounts, not another village's."""
    first, second = staffed.laptop(0), staffed.laptop(1)
    assert names(first) == {"admin": True, "team0": True, "both": True}
    assert names(second) == {"admin": True, "team1": True, "both": True}
    actor = accounts.login(first, "team0", PASSWORD)  # the password travelled as its hash
    assert actor.role is Role.WORK_TEAM and actor.may_sign and actor.villages == roles.laptop_villages(first)


def test_a_laptop_with_accounts_asks_for_a_login_to_sync(staffed):
    """Issue 17: once accounts arrived, nobody logged in exports nothing."""
    laptop = staffed.laptop(0)
    with pytest.raises(PermissionRefused):
        staffed.export(laptop)
    accounts.login(laptop, "team0", PASSWORD)
    assert staffed.export(laptop)


def test_a_local_account_travels_to_the_township_and_comes_back_countersigned(staffed):
    """Issue 17: a laptop's local account of its work team, countersigned at the township's next bundle."""
    laptop = staffed.laptop(0)
    accounts.login(laptop, "admin", PASSWORD)
    (village,) = roles.laptop_villages(laptop)
    accounts.create(
        laptop, "local", PASSWORD, Role.VILLAGE_CADRE, [village], laptop_villages=roles.laptop_villages(laptop)
    )
    assert names(laptop)["local"] is False or names(laptop)["local"] == 0
    staffed.import_into(staffed.township, staffed.export(laptop))
    assert names(staffed.township)["local"] == 1  # countersigned at the township
    staffed.import_into(laptop, staffed.export(staffed.township, to=laptop))
    assert names(laptop)["local"] == 1
    assert "local" not in names(staffed.laptop(1))  # not another village's laptop


def test_a_laptop_password_change_of_its_own_team_travels(staffed):
    """Issue 17: a work-team member changes their password on the laptop; the township takes it."""
    laptop = staffed.laptop(0)
    accounts.login(laptop, "team0", PASSWORD)
    accounts.change_password(laptop, PASSWORD, "another password", laptop_villages=roles.laptop_villages(laptop))
    staffed.import_into(staffed.township, staffed.export(laptop))
    assert accounts.login(staffed.township, "team0", "another password").name == "team0"


@pytest.mark.parametrize(
    "forged",
    [
        {"role": "township_admin", "villages": "[]"},
        {"villages": "[]"},
        {"villages": "OTHER"},
        {"countersigned": True},
        {"may_sign": True},
    ],
)
def test_a_laptop_bundle_widening_an_account_is_refused(staffed, forged):
    """Issue 17: a laptop-sent account can never be township_admin or widen its scope (nothing imported)."""
    laptop = staffed.laptop(0)
    accounts.login(laptop, "admin", PASSWORD)
    (village,) = roles.laptop_villages(laptop)
    other = next(v for v in staffed.villages.values() if v != village)
    values = {key: json.dumps([other]) if value == "OTHER" else value for key, value in forged.items()}
    with laptop.unit_of_work() as session:  # around the service, as a tampered program would
        session.add(
            Account(
                name="forged",
                display_name="",
                role="work_team",
                villages=json.dumps([village]),
                may_sign=False,
                password_hash=accounts.hash_password(PASSWORD),
                locked=False,
                made_by="",
                countersigned=False,
            )
        )
        session.flush()
        account = session.query(Account).filter_by(name="forged").one()
        for key, value in values.items():
            setattr(account, key, value)
    with pytest.raises(SyncError, match="only accounts of its own work team"):
        staffed.import_into(staffed.township, staffed.export(laptop))
    assert "forged" not in names(staffed.township)


def test_a_laptop_bundle_changing_the_township_administrator_is_refused(staffed):
    """Issue 17: a laptop never changes the township's administrators (refused in its bundle)."""
    laptop = staffed.laptop(0)
    accounts.login(laptop, "admin", PASSWORD)
    with pytest.raises(accounts.AccountError, match="village laptop"):
        accounts.reset_password(laptop, "admin", "taken over!", laptop_villages=roles.laptop_villages(laptop))
    with laptop.unit_of_work() as session:
        session.query(Account).filter_by(name="admin").one().password_hash = accounts.hash_password("taken over!")
    with pytest.raises(SyncError, match="only accounts of its own work team"):
        staffed.import_into(staffed.township, staffed.export(laptop))
    accounts.login(staffed.township, "admin", PASSWORD)  # unchanged there

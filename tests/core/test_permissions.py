"""Issue 17, accounts and roles: which role may do which action in which village (core.rules.permissions)."""

from __future__ import annotations

import pytest

from xinjie_desktop.core.rules.permissions import (
    CHANGING,
    READING,
    Action,
    Actor,
    PermissionRefused,
    Role,
    allowed,
    require,
)

A, B = "village-a", "village-b"
CHANGES = [a for a in Action if a not in (Action.READ, Action.READ_AUDIT)]


def actor(role: Role, villages=(), may_sign=False) -> Actor:
    return Actor("id-1", "wang", role, frozenset(villages), may_sign)


def test_township_admin_may_do_everything_in_every_village():
    """Issue 17: 乡指挥部管理员 — set-up, provisioning, accounts, all villages."""
    admin = actor(Role.TOWNSHIP_ADMIN)
    for action in Action:
        for village in (None, A, B):
            assert allowed(admin, action, village), (action, village)


def test_work_team_enters_in_its_villages_and_signs_where_authorised():
    """Issue 17: 工作队员 — enter and edit in the villages of their scope, sign for the township where authorised."""
    member = actor(Role.WORK_TEAM, [A])
    for action in (Action.EDIT_HOUSEHOLD, Action.RECORD_STEP, Action.RELOCATION, Action.DRAFT_AGREEMENT, Action.READ):
        assert allowed(member, action, A)
        assert not allowed(member, action, B)
    assert not allowed(member, Action.SIGN_FOR_TOWNSHIP, A)  # not authorised
    assert allowed(actor(Role.WORK_TEAM, [A], may_sign=True), Action.SIGN_FOR_TOWNSHIP, A)
    assert not allowed(actor(Role.WORK_TEAM, [A], may_sign=True), Action.SIGN_FOR_TOWNSHIP, B)
    for action in (Action.SET_UP, Action.PROVISION, Action.MANAGE_ACCOUNTS, Action.READ_AUDIT):
        assert not allowed(member, action, None)
        assert not allowed(member, action, A)


def test_village_cadre_enters_and_views_its_village_and_never_signs_for_the_township():
    """Issue 17: 村干部 — enter and view their village, no signing for the township."""
    cadre = actor(Role.VILLAGE_CADRE, [A], may_sign=True)  # the flag does not make a cadre a signer
    assert allowed(cadre, Action.EDIT_HOUSEHOLD, A)
    assert allowed(cadre, Action.READ, A)
    assert not allowed(cadre, Action.EDIT_HOUSEHOLD, B)
    assert not allowed(cadre, Action.READ, B)
    assert not allowed(cadre, Action.SIGN_FOR_TOWNSHIP, A)
    assert not allowed(cadre, Action.MANAGE_ACCOUNTS, A)


AUDITORS_OWN_WORK = (Action.FUND_CHECKS, Action.TEAM_CHECKS)


def test_auditor_reads_everything_and_changes_nothing():
    """Issue 17: 纪检/审计 — read everything, change nothing, read the record of changes.  Issue 18: reading the
    national system's roster against the records is reading.  Issue 19 (FD-2) and 20 (WT-3): the checks the
    discipline commission records are its own work product, nothing else is written by it."""
    auditor = actor(Role.AUDITOR)
    for village in (None, A, B):
        assert allowed(auditor, Action.READ, village)
        assert allowed(auditor, Action.READ_AUDIT, village)
        assert allowed(auditor, Action.NATIONAL_ROSTER, village)
        for action in CHANGING:
            if action not in AUDITORS_OWN_WORK:
                assert not allowed(auditor, action, village), action
    assert READING == {Action.READ, Action.READ_AUDIT, Action.NATIONAL_ROSTER}
    assert set(CHANGING) == set(CHANGES) - {Action.NATIONAL_ROSTER}


def test_FD_2_WT_3_the_checks_are_recorded_by_administrators_and_auditors_only():
    """FD-2 (the discipline commission's and finance office's checks, the people's congress's review) and WT-3
    (the township's checks on the teams): the administration and the auditors record them, their findings and
    follow-up; a work team or a village cadre never checks itself."""
    for action in AUDITORS_OWN_WORK:
        assert action in CHANGING
        for village in (None, A):
            assert allowed(actor(Role.TOWNSHIP_ADMIN), action, village)
            assert allowed(actor(Role.AUDITOR), action, village)
        for role in (Role.WORK_TEAM, Role.VILLAGE_CADRE):
            assert not allowed(actor(role, [A], may_sign=True), action, A), (role, action)
    with pytest.raises(PermissionRefused, match="village cadre.*may not record checks of the funds"):
        require(actor(Role.VILLAGE_CADRE, [A]), Action.FUND_CHECKS)
    with pytest.raises(PermissionRefused, match="work-team member.*may not record checks on the work teams"):
        require(actor(Role.WORK_TEAM, [A]), Action.TEAM_CHECKS, A)
    assert not allowed(actor(Role.AUDITOR), Action.OVERSEE_TEAMS, None)  # the township's meetings are not theirs


def test_national_roster_read_by_auditors_corrections_recorded_by_the_administration():
    """Issue 18 and 17: comparing the roster, its correction list and the township's roster are reads (the
    administration and the auditors: every village's people); recording corrections as entered into the national
    system is the administration's alone."""
    assert allowed(actor(Role.AUDITOR), Action.NATIONAL_ROSTER, None)
    assert allowed(actor(Role.TOWNSHIP_ADMIN), Action.ROSTER_CORRECTIONS, None)
    for role in (Role.AUDITOR, Role.WORK_TEAM, Role.VILLAGE_CADRE):
        assert not allowed(actor(role, [A] if role is not Role.AUDITOR else ()), Action.ROSTER_CORRECTIONS, None)
    for role in (Role.WORK_TEAM, Role.VILLAGE_CADRE):  # every village's people: not a village's team's
        assert not allowed(actor(role, [A]), Action.NATIONAL_ROSTER, None)
    with pytest.raises(PermissionRefused, match="auditor.*may not record corrections entered into the national"):
        require(actor(Role.AUDITOR), Action.ROSTER_CORRECTIONS)


def test_nobody_logged_in_may_do_nothing():
    """Issue 17: on a store with accounts, no actor is refused (records.access asks only there)."""
    for action in Action:
        assert not allowed(None, action, A)


def test_refusal_names_the_person_role_action_and_village():
    """Issue 17: a refused action raises with the role, the action and the village in plain words."""
    with pytest.raises(PermissionRefused) as refused:
        require(actor(Role.VILLAGE_CADRE, [A]), Action.EDIT_HOUSEHOLD, B, village_name="Dongshan")
    text = str(refused.value)
    assert "wang" in text and "village cadre" in text and "enter or edit households" in text and "Dongshan" in text
    assert refused.value.action is Action.EDIT_HOUSEHOLD and refused.value.village_id == B
    with pytest.raises(PermissionRefused, match="auditor.*may not make public notices"):
        require(actor(Role.AUDITOR), Action.NOTICES, A)
    with pytest.raises(PermissionRefused, match="not authorised to sign"):
        require(actor(Role.WORK_TEAM, [A]), Action.SIGN_FOR_TOWNSHIP, A)
    with pytest.raises(PermissionRefused, match="Nobody is logged in"):
        require(None, Action.EDIT_HOUSEHOLD, A)


def test_refusal_in_chinese():
    """Issue 17: the refusal reads in the user's language."""
    from xinjie_desktop.i18n import set_language

    set_language("zh_CN")
    with pytest.raises(PermissionRefused) as refused:
        require(actor(Role.AUDITOR), Action.NOTICES, A, village_name="东山村")
    assert "纪检" in str(refused.value) and "东山村" in str(refused.value)

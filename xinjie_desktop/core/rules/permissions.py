"""Who may do what, in which village (issue 17): the roles and the actions of the services, as a pure rule.

Four roles.  乡指挥部管理员 (``township_admin``): everything, in every village (set-up, provisioning, the
accounts).  工作队员 (``work_team``): enter and edit in the villages of the account's scope, and sign agreements
as the township's representative where the account is authorised (``Actor.may_sign``).  村干部
(``village_cadre``): enter and view in the account's village, never sign for the township.  纪检/审计
(``auditor``): read everything and the record of changes, change nothing of what others recorded; their own work
product is theirs to record: the checks of the funds (FD-2: the discipline commission's and finance office's spot and
full checks, the people's congress's review), the checks on the work teams (WT-3), their findings and rectification
(``Action.FUND_CHECKS``, ``Action.TEAM_CHECKS``).  Reading the national system's roster against the records
(``Action.NATIONAL_ROSTER``: compare, the correction list, the township's roster as .xlsx) is a read; recording
corrections as entered into the national system (``Action.ROSTER_CORRECTIONS``) is the administration's.

``allowed(actor, action, village_id)`` answers; ``require`` raises ``PermissionRefused``, whose text names
the person, their role, the action and the village in plain words.  The records services ask ``require``
before they write anything (``core.records.access``), so a refused action writes nothing.

An actor's ``villages`` are village ids; empty means every village (the township's administrators and
auditors).  ``village_id`` None is an action not tied to one village (importing a stick, the township's
set-up): only the role decides then.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from xinjie_desktop.i18n import N_, _


class Role(enum.StrEnum):
    TOWNSHIP_ADMIN = "township_admin"  # 乡指挥部管理员
    WORK_TEAM = "work_team"  # 工作队员
    VILLAGE_CADRE = "village_cadre"  # 村干部
    AUDITOR = "auditor"  # 纪检/审计


ROLE_LABELS: dict[Role, str] = {
    Role.TOWNSHIP_ADMIN: N_("township administrator"),
    Role.WORK_TEAM: N_("work-team member"),
    Role.VILLAGE_CADRE: N_("village cadre"),
    Role.AUDITOR: N_("auditor"),
}


def role_label(role: Role) -> str:
    """The role in the user's language (乡指挥部管理员, 工作队员, 村干部, 纪检/审计)."""
    return _(ROLE_LABELS[role])


@dataclass(frozen=True)
class Actor:
    """The person logged in: their account's UUID, login name, role and village scope (village ids; empty:
    every village).  ``may_sign``: a work-team member authorised to sign agreements for the township."""

    id: str
    name: str
    role: Role
    villages: frozenset[str] = frozenset()
    may_sign: bool = False

    def covers(self, village_id: str | None) -> bool:
        """Whether ``village_id`` is within the actor's scope (None, a township-wide action: yes)."""
        return village_id is None or not self.villages or village_id in self.villages


@dataclass(frozen=True)
class KdfParameters:
    """Argon2id's cost, for the password hashes (core.records.accounts) and the keys derived from passwords
    (core.store.keyring): seconds of work per guess for whoever holds a copy of the file."""

    time_cost: int
    memory_cost: int  # KiB
    parallelism: int


# The shipped parameters: RFC 9106's second recommended option (t=3, 64 MiB, 4 lanes), about 0.1-0.2 s a
# login on a village laptop.  Read ``KDF_PARAMETERS`` at the time of use (the test suite lowers it for speed).
SHIPPED_KDF_PARAMETERS = KdfParameters(time_cost=3, memory_cost=64 * 1024, parallelism=4)
KDF_PARAMETERS = SHIPPED_KDF_PARAMETERS


class Action(enum.StrEnum):
    SET_UP = "set_up"  # the township, its villages and groups
    PROVISION = "provision"  # provisioning a laptop, trusting a device
    MANAGE_ACCOUNTS = "manage_accounts"  # make, lock, unlock, reset accounts
    EDIT_HOUSEHOLD = "edit_household"  # enter and edit households, members, income, objections, attachments
    RECORD_STEP = "record_step"  # the identification workflow's steps
    RELOCATION = "relocation"  # relocation verification, housing plans, dangerous houses, demolition
    DRAFT_AGREEMENT = "draft_agreement"  # draft, correct, void an agreement; the household's signature
    SIGN_FOR_TOWNSHIP = "sign_for_township"  # the township representative's signature on an agreement
    NOTICES = "notices"  # public notices and their objections
    IMPORT_BUNDLE = "import_bundle"
    EXPORT_BUNDLE = "export_bundle"
    READ = "read"
    READ_AUDIT = "read_audit"  # the record of changes
    TEAM_WORK = "team_work"  # issue 20: a team's roster, pairings, visits, meetings, weekly reports, tasks done
    OVERSEE_TEAMS = "oversee_teams"  # issue 20: the township's own meetings with the teams (leaders', all members')
    TEAM_CHECKS = "team_checks"  # issue 20: the township's checks on the teams (WT-3) and their follow-up (约谈)
    ISSUE_BULLETIN = "issue_bulletin"  # the township's weekly bulletin (issue 18, WT-2)
    NATIONAL_ROSTER = "national_roster"  # the national system's roster: compare it, export the township's (issue 18)
    ROSTER_CORRECTIONS = "roster_corrections"  # issue 18: corrections recorded as entered into the national system
    # Funds (issue 19): the ledger and the checks are the township's; payments are recorded where the balances are
    # kept (the township), and acknowledged by the household in its village (a laptop's work team or cadre too).
    MANAGE_FUNDS = "manage_funds"  # funds received, their paperwork, a loan's replacement
    RECORD_PAYMENT = "record_payment"  # a tranche paid to a household
    ACKNOWLEDGE_PAYMENT = "acknowledge_payment"  # the household's acknowledgement of a payment
    FUND_CHECKS = "fund_checks"  # checks of the funds' use, their findings and rectification
    # A relocation household's building progress (issues 18, 19): foundation, main structure, completion, moved in.
    BUILDING_PROGRESS = "building_progress"


ACTION_LABELS: dict[Action, str] = {
    Action.SET_UP: N_("set up the township"),
    Action.PROVISION: N_("provision laptops"),
    Action.MANAGE_ACCOUNTS: N_("manage accounts"),
    Action.EDIT_HOUSEHOLD: N_("enter or edit households"),
    Action.RECORD_STEP: N_("record identification steps"),
    Action.RELOCATION: N_("enter relocation records and housing plans"),
    Action.DRAFT_AGREEMENT: N_("draft agreements"),
    Action.SIGN_FOR_TOWNSHIP: N_("sign agreements for the township"),
    Action.NOTICES: N_("make public notices"),
    Action.IMPORT_BUNDLE: N_("import bundles"),
    Action.EXPORT_BUNDLE: N_("export bundles"),
    Action.READ: N_("read the records"),
    Action.READ_AUDIT: N_("read the record of changes"),
    Action.TEAM_WORK: N_("record the work team's visits, meetings and reports"),
    Action.OVERSEE_TEAMS: N_("record the township's meetings with the work teams"),
    Action.TEAM_CHECKS: N_("record checks on the work teams and their follow-up"),
    Action.ISSUE_BULLETIN: N_("issue the weekly bulletin"),
    Action.NATIONAL_ROSTER: N_("compare or export the national system's roster"),
    Action.ROSTER_CORRECTIONS: N_("record corrections entered into the national system"),
    Action.MANAGE_FUNDS: N_("record funds received"),
    Action.RECORD_PAYMENT: N_("record payments to households"),
    Action.ACKNOWLEDGE_PAYMENT: N_("record a household's acknowledgement of a payment"),
    Action.FUND_CHECKS: N_("record checks of the funds"),
    Action.BUILDING_PROGRESS: N_("record a household's building progress"),
}

_ENTERING = frozenset(
    {
        Action.EDIT_HOUSEHOLD,
        Action.RECORD_STEP,
        Action.RELOCATION,
        Action.DRAFT_AGREEMENT,
        Action.NOTICES,
        Action.IMPORT_BUNDLE,
        Action.EXPORT_BUNDLE,
        Action.READ,
        Action.ACKNOWLEDGE_PAYMENT,
        Action.BUILDING_PROGRESS,
    }
)
# What each role may do at all (within its villages); signing for the township also needs ``may_sign``.
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.TOWNSHIP_ADMIN: frozenset(Action),
    Role.WORK_TEAM: _ENTERING | {Action.SIGN_FOR_TOWNSHIP, Action.TEAM_WORK},
    Role.VILLAGE_CADRE: _ENTERING,
    # Reading, and the checks that are the auditors' own work product (FD-2, WT-3): nothing else.
    Role.AUDITOR: frozenset(
        {Action.READ, Action.READ_AUDIT, Action.NATIONAL_ROSTER, Action.FUND_CHECKS, Action.TEAM_CHECKS}
    ),
}
# The actions that only read (an auditor's, among others).
READING = frozenset({Action.READ, Action.READ_AUDIT, Action.NATIONAL_ROSTER})
# Actions that change something: refused to every actor on a store with accounts when no one is logged in.
CHANGING = frozenset(Action) - READING


class PermissionRefused(Exception):
    """An action the logged-in person may not do; ``str()`` is a message for the user."""

    def __init__(self, message: str, actor: Actor | None, action: Action, village_id: str | None) -> None:
        super().__init__(message)
        self.actor = actor
        self.action = action
        self.village_id = village_id


def allowed(actor: Actor | None, action: Action, village_id: str | None = None) -> bool:
    """Whether ``actor`` may do ``action`` in ``village_id`` (None: an action not tied to a village).
    No actor (nobody logged in) may do nothing; a store without accounts does not ask (``records.access``)."""
    if actor is None:
        return False
    if action not in ROLE_ACTIONS[actor.role]:
        return False
    if action is Action.SIGN_FOR_TOWNSHIP and actor.role is Role.WORK_TEAM and not actor.may_sign:
        return False
    return actor.covers(village_id)


def refusal(actor: Actor | None, action: Action, village_id: str | None = None, village_name: str = "") -> str:
    """The user's message for a refused action (the village by its name when given, else by its id)."""
    what = _(ACTION_LABELS[action])
    where = village_name or village_id or ""
    if actor is None:
        return _("Nobody is logged in: log in to {action}.").format(action=what)
    who = actor.name
    role = role_label(actor.role)
    if action in ROLE_ACTIONS[actor.role] and action is Action.SIGN_FOR_TOWNSHIP and not actor.may_sign:
        return _("{name} ({role}) is not authorised to sign agreements for the township.").format(name=who, role=role)
    if action in ROLE_ACTIONS[actor.role] and where:
        return _("{name} ({role}) may not {action} in {village}: that village is not in their scope.").format(
            name=who, role=role, action=what, village=where
        )
    if where:
        return _("{name} ({role}) may not {action} (village {village}).").format(
            name=who, role=role, action=what, village=where
        )
    return _("{name} ({role}) may not {action}.").format(name=who, role=role, action=what)


def require(actor: Actor | None, action: Action, village_id: str | None = None, village_name: str = "") -> None:
    """Raise ``PermissionRefused`` unless ``actor`` may do ``action`` in ``village_id``."""
    if not allowed(actor, action, village_id):
        raise PermissionRefused(refusal(actor, action, village_id, village_name), actor, action, village_id)


def any_village(actor: Actor | None, action: Action) -> bool:
    """Whether ``actor`` may do ``action`` in some village at least (the window offers the command then; the
    services still ask ``require`` for the village at hand)."""
    if actor is None or action not in ROLE_ACTIONS[actor.role]:
        return False
    return not (action is Action.SIGN_FOR_TOWNSHIP and actor.role is Role.WORK_TEAM and not actor.may_sign)

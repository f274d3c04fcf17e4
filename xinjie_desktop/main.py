"""Entry point: ``xinjie-desktop`` opens the window; subcommands do scripted work.

Kept thin: it reads the command line, then hands over to the Qt application
(xinjie_desktop.qt.shell.app) or to a core command.  Qt is imported only when the
window is wanted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import json
import os
import sys
from decimal import Decimal
from pathlib import Path

from xinjie_desktop import __version__
from xinjie_desktop.i18n import _, set_language, translate_argparse


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit code 2, message in the user's language
        self.print_usage(sys.stderr)
        self.exit(2, _("Error in the command line: {message}").format(message=message) + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="xinjie-desktop", description=_("Xinjie Township poverty-alleviation work tool"))
    parser.add_argument(
        "--version",
        action="version",
        version=f"xinjie-desktop {__version__}",
        help=_("show the program's version number and exit"),
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help=_("check that this copy of the program works (in a temporary folder), then exit"),
    )
    parser.add_argument("--db", type=_path, help=_("open this data file instead of the one in the user's data folder"))
    parser.add_argument("--lang", choices=["zh_CN", "en"], help=_("interface language (default: Simplified Chinese)"))
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    demo = commands.add_parser("demo-data", help=_("make a reproducible synthetic data set"))
    demo.add_argument("--db", type=_path, required=True, dest="demo_db", help=_("data file to create or fill"))
    demo.add_argument("--villages", type=int, default=4)
    demo.add_argument("--households", type=int, default=200)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument(
        "--password",
        help=_("make the demo's administrator account 'admin' with this password (a demo data file only)"),
    )
    _user_option(demo)
    demo.add_argument(
        "--households-only",
        action="store_true",
        help=_(
            "only the households, without the agreements, notices, laptops' bundles and backup of a lived-in township"
        ),
    )
    plan = commands.add_parser("plan", help=_("calculate a housing plan (HS-1..HS-4, HB-1, SB-1, SB-2, LN-1)"))
    plan.add_argument("--people", type=int, required=True, help=_("actual population of the household"))
    plan.add_argument("--kind", choices=["registered", "synchronised"], required=True)
    plan.add_argument("--no-labour", action="store_true", help=_("the household has no labour capacity"))
    plan.add_argument("--start-date", type=_date, help=_("date construction started (YYYY-MM-DD)"))
    plan.add_argument("--unit-cost", type=_amount, help=_("building cost per square metre, yuan"))
    plan.add_argument("--layout", type=int, help=_("chosen layout, m²"))
    plan.add_argument("--built-area", type=_area, help=_("area of a house already built, m²"))
    plan.add_argument("--own-funds", type=_amount, help=_("own funds planned, yuan"))
    plan.add_argument("--loan", type=_amount, default=Decimal(0), help=_("loan already drawn, yuan"))
    plan.add_argument(
        "--demolition-signed",
        action="store_true",
        help=_("demolition agreement signed and old house demolished on time"),
    )
    plan.add_argument("--zone", choices=["basin", "mountain"])
    plan.add_argument("--land", choices=["farmland", "other", "unused"])
    plan.add_argument("--homestead-area", type=_area, help=_("homestead area, m²"))
    plan.add_argument("--json", action="store_true", help=_("print one JSON object"))
    danger = commands.add_parser(
        "dangerous-house", help=_("assess (and keep) a C/D-grade dangerous house of a registered household (SB-3)")
    )
    danger.add_argument("--grade", choices=["C", "D"], required=True, help=_("grade given by the appraiser"))
    danger.add_argument("--appraiser", required=True, help=_("the third-party appraiser who graded the house"))
    danger.add_argument("--appraised-on", type=_date, required=True, help=_("date of the appraisal (YYYY-MM-DD)"))
    danger.add_argument("--people", type=int, help=_("actual population (default: the household's)"))
    danger.add_argument("--rebuild", action="store_true", help=_("a D-grade house demolished and rebuilt in place"))
    danger.add_argument("--start-date", type=_date, help=_("date construction started (YYYY-MM-DD)"))
    danger.add_argument("--unit-cost", type=_amount, help=_("building cost per square metre, yuan"))
    danger.add_argument("--area", type=_area, help=_("area of the rebuilt house, m²"))
    danger.add_argument("--own-funds", type=_amount, default=Decimal(0), help=_("own funds, yuan"))
    danger.add_argument("--loan", type=_amount, default=Decimal(0), help=_("loan already drawn, yuan"))
    danger.add_argument("--db", type=_path, dest="danger_db", help=_("data file"))
    danger.add_argument("--household", help=_("the household's id (checked: registered, not relocating)"))
    danger.add_argument("--save", action="store_true", help=_("keep the appraisal with the household"))
    danger.add_argument("--json", action="store_true", help=_("print one JSON object"))
    _user_option(danger)
    agreements = commands.add_parser("agreements", help=_("render and check the agreements (AG-1, HS-4)"))
    agreement_commands = agreements.add_subparsers(dest="agreements_command", required=True, parser_class=_Parser)
    render = agreement_commands.add_parser(
        "render", help=_("write one PDF per agreement of a household, drafting the missing ones")
    )
    render.add_argument("--db", type=_path, required=True, dest="agreements_db", help=_("data file"))
    render.add_argument("--household", required=True, help=_("the household's id"))
    render.add_argument("--out", type=_path, required=True, help=_("folder the PDFs are written to"))
    render.add_argument(
        "--demolition-deadline",
        type=_date,
        help=_("date by which the old house is demolished, for a demolition agreement still to draft (YYYY-MM-DD)"),
    )
    render.add_argument("--date", type=_date, help=_("date of drafting (default: today)"))
    render.add_argument(
        "--office-copy",
        action="store_true",
        help=_(
            "write the office's copies (marked, with the rules and the command that verifies them) instead of "
            "the household's"
        ),
    )
    _user_option(render)
    verify = agreement_commands.add_parser(
        "verify", help=_("check what an agreement's PDF shows against the stored agreement, and say what differs")
    )
    verify.add_argument("file", type=_path, help=_("the agreement's PDF"))
    verify.add_argument("--db", type=_path, required=True, dest="agreements_db", help=_("data file"))
    _user_option(verify)
    archive = commands.add_parser(
        "archive", help=_("write a household's archive (一户一档) as one PDF, or one per household of a village")
    )
    archive.add_argument("--db", type=_path, required=True, dest="archive_db", help=_("data file"))
    which = archive.add_mutually_exclusive_group(required=True)
    which.add_argument("--household", help=_("the household's id, or its head's ID number"))
    which.add_argument("--village", help=_("the village's id or name: one PDF per household"))
    archive.add_argument("--out", type=_path, required=True, help=_("folder the PDFs are written to"))
    archive.add_argument("--date", type=_date, help=_("date printed on the archive (default: today)"))
    _user_option(archive)
    progress = commands.add_parser(
        "progress", help=_("the township's progress at a glance: every figure per village and in total")
    )
    progress.add_argument("--db", type=_path, required=True, dest="progress_db", help=_("data file"))
    progress.add_argument("--as-of", type=_day, dest="as_of", help=_("the day the figures are for (default: today)"))
    progress.add_argument("--json", action="store_true", help=_("print one JSON document"))
    _user_option(progress)
    bulletin = commands.add_parser(
        "bulletin", help=_("issue the township's weekly bulletin (a PDF) and keep it, or write one already kept")
    )
    bulletin.add_argument("--db", type=_path, required=True, dest="bulletin_db", help=_("data file"))
    bulletin.add_argument("--week", required=True, help=_("the ISO week, as 2017-W16"))
    bulletin.add_argument("--out", type=_path, required=True, help=_("folder the PDF is written to"))
    bulletin.add_argument(
        "--again", action="store_true", help=_("issue the week's bulletin again even if one is kept (it replaces it)")
    )
    _user_option(bulletin)
    device = commands.add_parser("device", help=_("this data file's device identity, and provisioning laptops"))
    device_commands = device.add_subparsers(dest="device_command", required=True, parser_class=_Parser)
    init = device_commands.add_parser("init", help=_("create the device identity if there is none, and show it"))
    init.add_argument("--db", type=_path, required=True, dest="device_db", help=_("data file"))
    init.add_argument("--json", action="store_true", help=_("print one JSON object"))
    _user_option(init)
    request = device_commands.add_parser(
        "request",
        help=_("write this laptop's provisioning request for the township office, and show its key fingerprint"),
    )
    request.add_argument("--db", type=_path, required=True, dest="device_db", help=_("data file"))
    request.add_argument("--name", default="", help=_("the name the laptop asks for"))
    request.add_argument("--out", type=_path, required=True, help=_("provisioning request file to write"))
    _user_option(request)
    provision = device_commands.add_parser(
        "provision",
        help=_(
            "write the provisioning file for the village laptop that wrote a request (on the township office's data file)"
        ),
    )
    provision.add_argument("--db", type=_path, required=True, dest="device_db", help=_("data file"))
    provision.add_argument("--name", default="", help=_("the laptop's name (default: the name in its request)"))
    provision.add_argument("--request", type=_path, help=_("the laptop's provisioning request file"))
    provision.add_argument(
        "--fingerprint",
        default="",
        help=_("the key fingerprint the laptop's screen shows (confirms that the request is that laptop's)"),
    )
    provision.add_argument(
        "--village",
        action="append",
        required=True,
        dest="villages",
        help=_(
            "a village the laptop may write, by its name or id (repeat for several; the 'villages' command lists them)"
        ),
    )
    provision.add_argument("--out", type=_path, required=True, help=_("provisioning file to write"))
    _user_option(provision)
    accept = device_commands.add_parser(
        "accept", help=_("accept a provisioning file from the township office (on the village laptop)")
    )
    accept.add_argument("--db", type=_path, required=True, dest="device_db", help=_("data file"))
    accept.add_argument("file", type=_path, help=_("the provisioning file"))
    accept.add_argument(
        "--township-fingerprint",
        default="",
        help=_("the township key fingerprint the township office's screen shows (confirms the file is its)"),
    )
    accept.add_argument(
        "--replace-township",
        action="store_true",
        help=_("accept a provisioning file from a different township office data file"),
    )
    _user_option(accept)
    bundle = commands.add_parser("bundle", help=_("sync by USB stick: write, import and check bundles"))
    bundle_commands = bundle.add_subparsers(dest="bundle_command", required=True, parser_class=_Parser)
    export = bundle_commands.add_parser(
        "export", help=_("write a bundle for each computer this one syncs with (the township office, or every laptop)")
    )
    export.add_argument("--db", type=_path, required=True, dest="bundle_db", help=_("data file"))
    export.add_argument("--to", type=_path, required=True, help=_("folder to write to (the USB stick)"))
    export.add_argument(
        "--full", action="store_true", help=_("every change, not only those the other computer has not acknowledged")
    )
    _user_option(export)
    import_ = bundle_commands.add_parser("import", help=_("import bundles, each in one transaction, after a backup"))
    import_.add_argument("--db", type=_path, required=True, dest="bundle_db", help=_("data file"))
    import_.add_argument("files", type=_path, nargs="+", help=_("bundle files (.xjb)"))
    import_.add_argument(
        "--keep-going",
        action="store_true",
        help=_("import every bundle that can be imported and list the refused ones (exit code 2 if any was refused)"),
    )
    _user_option(import_)
    check = bundle_commands.add_parser(
        "verify", help=_("check a bundle: its structure; with --db, also signature, hashes, recipient and gaps")
    )
    check.add_argument("file", type=_path, help=_("bundle file (.xjb)"))
    check.add_argument("--db", type=_path, dest="bundle_db", help=_("the data file of the computer it is for"))
    _user_option(check)
    roster = commands.add_parser(
        "roster", help=_("the national system's roster: the township's in its layout, and the comparison of the two")
    )
    roster_commands = roster.add_subparsers(dest="roster_command", required=True, parser_class=_Parser)
    roster_export = roster_commands.add_parser(
        "export", help=_("write the township's roster in the national system's layout (.xlsx)")
    )
    roster_export.add_argument("--db", type=_path, required=True, dest="roster_db", help=_("data file"))
    roster_export.add_argument("--out", type=_path, required=True, help=_("the .xlsx file to write"))
    _user_option(roster_export)
    roster_compare = roster_commands.add_parser(
        "compare",
        help=_(
            "compare the roster the national system exported (.xlsx) with the data file by ID number: what is only "
            "in one, and what differs"
        ),
    )
    roster_compare.add_argument("file", type=_path, help=_("the roster the national system exported (.xlsx)"))
    roster_compare.add_argument("--db", type=_path, required=True, dest="roster_db", help=_("data file"))
    roster_compare.add_argument("--json", action="store_true", help=_("print one JSON object"))
    _user_option(roster_compare)
    roster_compare.add_argument(
        "--out", type=_path, help=_("also write the correction list to enter into the national system (.xlsx)")
    )
    listed = commands.add_parser("villages", help=_("list the villages with their ids and villagers' groups"))
    listed.add_argument("--db", type=_path, required=True, dest="villages_db", help=_("data file"))
    listed.add_argument("--json", action="store_true", help=_("print one JSON list"))
    _user_option(listed)
    audit = commands.add_parser(
        "audit", help=_("the record of who did what (township administration and auditors): filter, print as PDF")
    )
    audit.add_argument("--db", type=_path, required=True, dest="audit_db", help=_("data file"))
    audit.add_argument("--person", default="", help=_("entries of accounts whose name holds this text"))
    audit.add_argument("--village", default="", help=_("entries of records of this village (its name or id)"))
    audit.add_argument("--household", default="", help=_("entries of records of this household (its id)"))
    audit.add_argument("--from", type=_day, dest="date_from", help=_("from this day (YYYY-MM-DD), included"))
    audit.add_argument("--to", type=_day, dest="date_to", help=_("up to this day (YYYY-MM-DD), included"))
    audit.add_argument("--json", action="store_true", help=_("print one JSON document"))
    audit.add_argument("--pdf", type=_path, dest="audit_pdf", help=_("write the filtered record as a PDF here"))
    _user_option(audit)
    teams = commands.add_parser("teams", help=_("the work teams (WT-1 to WT-3)"))
    teams_commands = teams.add_subparsers(dest="teams_command", required=True, parser_class=_Parser)
    teams_report = teams_commands.add_parser(
        "report",
        help=_("a quarter's deadlines, visits, meetings, weekly reports and checks, per village and member"),
    )
    teams_report.add_argument("--db", type=_path, required=True, dest="teams_db", help=_("data file"))
    teams_report.add_argument("--quarter", type=_quarter, required=True, help=_("the quarter, e.g. 2017-Q2"))
    teams_report.add_argument(
        "--as-of", type=_day, dest="as_of", help=_("judge as on this day (YYYY-MM-DD; default: today)")
    )
    teams_report.add_argument("--json", action="store_true", help=_("print one JSON document"))
    _user_option(teams_report)
    db = commands.add_parser("db", help=_("inspect a data file"))
    db_commands = db.add_subparsers(dest="db_command", required=True, parser_class=_Parser)
    dump = db_commands.add_parser("dump", help=_("print the records as deterministic JSON, for comparing data files"))
    dump.add_argument("--db", type=_path, required=True, dest="dump_db", help=_("data file"))
    dump.add_argument(
        "--canonical",
        action="store_true",
        required=False,
        help=_("the canonical form (sorted, blobs by SHA-256, no local settings)"),
    )
    dump.add_argument(
        "--without-stamps", action="store_true", help=_("leave out creation and update times and device ids")
    )
    dump.add_argument(
        "--with-derived", action="store_true", help=_("include the derived columns (household list caches)")
    )
    _user_option(dump)
    _account_parser(commands)
    from xinjie_desktop import funds_cli

    funds_cli.add_parser(commands, _Parser, _path, _day, _user_option)  # issue 19
    return parser


def _user_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user",
        help=_(
            "your account name, on a data file with accounts (the password is taken from the environment "
            "variable XINJIE_PASSWORD, or asked)"
        ),
    )


def _account_parser(commands) -> None:
    from xinjie_desktop.core.rules.permissions import Role

    account = commands.add_parser("account", help=_("accounts: who may open the data file (administrators)"))
    account_commands = account.add_subparsers(dest="account_command", required=True, parser_class=_Parser)
    add = account_commands.add_parser(
        "add",
        help=_(
            "make an account (the new password from the environment variable XINJIE_NEW_PASSWORD, or asked); "
            "the first account of a data file is a township administrator's"
        ),
    )
    add.add_argument("--db", type=_path, required=True, dest="account_db", help=_("data file"))
    add.add_argument("--name", required=True, help=_("the new account's login name"))
    add.add_argument("--role", required=True, choices=[str(role) for role in Role])
    add.add_argument(
        "--village",
        action="append",
        default=[],
        dest="villages",
        help=_("a village of the account's scope, by its name or id (repeat for several; none: every village)"),
    )
    add.add_argument(
        "--may-sign", action="store_true", help=_("a work-team member authorised to sign agreements for the township")
    )
    add.add_argument("--display-name", default="", help=_("the person's name as shown"))
    _user_option(add)
    passwd = account_commands.add_parser(
        "passwd",
        help=_(
            "change your own password, or with --name (an administrator) set another account's; the new password "
            "from XINJIE_NEW_PASSWORD, or asked"
        ),
    )
    passwd.add_argument("--db", type=_path, required=True, dest="account_db", help=_("data file"))
    passwd.add_argument("--name", help=_("the account whose password an administrator resets"))
    _user_option(passwd)
    for name, text in (
        ("lock", _("lock an account: it can no longer log in")),
        ("unlock", _("unlock an account (also after too many wrong passwords)")),
    ):
        command = account_commands.add_parser(name, help=text)
        command.add_argument("--db", type=_path, required=True, dest="account_db", help=_("data file"))
        command.add_argument("--name", required=True, help=_("the account"))
        _user_option(command)
    listing = account_commands.add_parser("list", help=_("list the accounts"))
    listing.add_argument("--db", type=_path, required=True, dest="account_db", help=_("data file"))
    listing.add_argument("--json", action="store_true", help=_("print one JSON list"))
    _user_option(listing)


# A file or folder name is at most 255 bytes on every file system the program runs on; the program puts
# names of its own beside a data file (``.<name>-<time>-before-migration-1.sqlite.partial``, ``<name>-wal``),
# so a name given is held to 200 bytes.  A whole path is held to 1,000 characters (Windows without long
# paths stops at 260; Linux at 4,096 bytes).
MAX_NAME_BYTES = 200
MAX_PATH_CHARACTERS = 1000


def _day(text: str) -> dt.date:
    """A day from the command line (YYYY-MM-DD), refused (exit 2, the reason) otherwise."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{text} is not a day written as YYYY-MM-DD").format(text=text)) from None


def _quarter(text: str):
    """A quarter from the command line (2017-Q2), refused (exit 2, the reason) otherwise."""
    from xinjie_desktop.core.rules.work_teams import QuarterError, read_quarter

    try:
        return read_quarter(text)
    except QuarterError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _path(text: str) -> Path:
    """A path from the command line, refused (exit 2, the reason) when no file system call could use it
    and report on it: empty, not valid text (bytes that are not UTF-8), or too long."""
    if not text:
        raise argparse.ArgumentTypeError(_("a path may not be empty"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        raise argparse.ArgumentTypeError(
            _("the path {path} is not valid text (UTF-8): rename the file or folder, or choose another").format(
                path=_shortened(shown)
            )
        ) from None
    path = Path(text)
    if len(text) > MAX_PATH_CHARACTERS or any(len(part.encode("utf-8")) > MAX_NAME_BYTES for part in path.parts):
        raise argparse.ArgumentTypeError(
            _(
                "the path {path} is too long ({length} characters): at most {most} characters, "
                "and at most {name} bytes for each file or folder name"
            ).format(path=_shortened(text), length=len(text), most=MAX_PATH_CHARACTERS, name=MAX_NAME_BYTES)
        )
    return path


def _shortened(text: str, keep: int = 60) -> str:
    return text if len(text) <= keep else text[: keep // 2] + "…" + text[-keep // 2 :]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("not a date (YYYY-MM-DD): {text}").format(text=text)) from None


def _amount(text: str) -> Decimal:
    from xinjie_desktop.core.rules.money import AmountError, parse_yuan

    if not text.strip():  # in a form an empty field is 0; an option given empty is a slip
        raise argparse.ArgumentTypeError(_("an amount is missing"))
    try:
        return parse_yuan(text)
    except AmountError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _area(text: str) -> Decimal:
    from xinjie_desktop.core.rules.money import AmountError, parse_area

    try:
        area = parse_area(text)
    except AmountError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if area is None:
        raise argparse.ArgumentTypeError(_("an area is missing"))
    return area


def _plan(args: argparse.Namespace) -> int:
    from xinjie_desktop.core.rules import housing_plan
    from xinjie_desktop.core.rules.policy_params import PolicyFileError, current

    plan = housing_plan.PlanInput(
        people=args.people,
        kind=args.kind,
        labour=not args.no_labour,
        start_date=args.start_date,
        unit_cost=args.unit_cost,
        layout=args.layout,
        built_area=args.built_area,
        own_funds=args.own_funds,
        loan=args.loan,
        demolition_signed=args.demolition_signed,
        zone=args.zone,
        land=args.land,
        homestead_area=args.homestead_area,
    )
    try:
        result = housing_plan.calculate(plan, current())
    except (housing_plan.PlanInputError, PolicyFileError) as error:
        print(_("Error in the command line: {message}").format(message=error), file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(housing_plan.summary_text(result))
    return 0


def _dangerous_house(args: argparse.Namespace) -> int:
    """SB-3 from the command line: assess the appraisal; with ``--db`` and ``--household`` check the
    household (registered, not relocating) and, with ``--save``, keep it.  Bad input: exit 2, the reason."""
    from xinjie_desktop.core.records import dangerous_house as dangerous_records
    from xinjie_desktop.core.records import housing_plans
    from xinjie_desktop.core.rules.dangerous_house import DangerousHouseError, DangerousHouseInput, assess
    from xinjie_desktop.core.rules.policy_params import PolicyFileError, current

    def refuse(message: str) -> int:
        print(_("Error in the command line: {message}").format(message=message), file=sys.stderr)
        return 2

    if (args.danger_db is None) != (args.household is None):
        return refuse(_("give both --db and --household, or neither"))
    if args.save and args.household is None:
        return refuse(_("--save needs --db and --household"))
    store = None
    if args.danger_db is not None:  # checked without writing: a refusal leaves the data file as it was
        store = _open_for_reading(args.danger_db, args.user)
        if store is None:
            return 2
    try:
        people = args.people
        if store is not None:
            from xinjie_desktop.core.store.models import Household

            with store.session() as session:
                if session.get(Household, args.household) is None:
                    return refuse(_("No household with the id {id} is stored.").format(id=args.household))
            reason = dangerous_records.refusal(store, args.household)
            if reason is not None:
                return refuse(reason)
            if people is None:
                people = housing_plans.defaults_for(store, args.household).people
        house = DangerousHouseInput(
            grade=args.grade,
            appraiser=args.appraiser,
            appraised_on=args.appraised_on,
            people=people if people is not None else 1,
            rebuild=args.rebuild,
            start_date=args.start_date,
            unit_cost=args.unit_cost,
            area=args.area,
            own_funds=args.own_funds,
            loan=args.loan,
        )
        params = current()
        result = assess(house, params)
    except (DangerousHouseError, PolicyFileError) as error:
        return refuse(str(error))
    finally:
        if store is not None:
            store.close()
    saved = None
    if args.save:
        store = _open_existing(args.danger_db, args.user)
        if store is None:
            return 2
        try:
            saved = dangerous_records.record(store, args.household, house, params)
        except DangerousHouseError as error:
            return refuse(str(error))
        finally:
            store.close()

    def yuan(value: Decimal | None) -> str | None:
        return None if value is None else str(value.quantize(Decimal("0.01")))

    shown = {
        "rules": ["SB-3"],
        "grade": house.grade,
        "people": house.people,
        "subsidy": yuan(result.subsidy),
        "building_cost": yuan(result.building_cost),
        "max_area_m2": result.max_area_m2,
        "compliant": result.compliant,
        "reasons": result.reasons,
        "loan_taken_over": yuan(result.loan_taken_over),
        "explanation": result.explanation,
        "plan": result.plan,
        "saved": saved,
    }
    if args.json:
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        print(result.explanation)
        for reason in result.reasons:
            print("  " + reason)
        if saved:
            print(_("The appraisal is kept with the household."))
    return 0


def _agreements(args: argparse.Namespace) -> int:
    from xinjie_desktop.core.documents.agreement_templates import TemplateError
    from xinjie_desktop.core.records import agreements

    if not args.agreements_db.exists():
        print(_("The data file {path} does not exist.").format(path=args.agreements_db), file=sys.stderr)
        return 2
    if args.agreements_command == "verify" and not args.file.is_file():
        print(_("The file {path} does not exist.").format(path=args.file), file=sys.stderr)
        return 2
    if args.agreements_command == "verify":  # only reads: the data file's folder stays as it was
        store = _open_for_reading(args.agreements_db, args.user)
        if store is None:
            return 2
    else:
        store = _open_for_work(args.agreements_db, args.user, create=False)
        if store is None:
            return 2
    try:
        if args.agreements_command == "verify":
            result = agreements.verify(store, args.file)
            print(result.message)
            for line in result.details:  # what differs, one line each
                print("  " + line)
            if result.found and result.printed_hash:
                print(
                    _("Number: {number}; hash printed: {hash}").format(number=result.number, hash=result.printed_hash)
                )
            return 0 if result.matches else 1
        return _agreements_render(args, store)
    except (agreements.AgreementError, TemplateError) as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        store.close()


def _agreements_render(args: argparse.Namespace, store) -> int:
    from xinjie_desktop.core.records import agreements
    from xinjie_desktop.core.store.models import Household

    with store.session() as session:
        if session.get(Household, args.household) is None:
            print(_("No household with the id {id} is stored.").format(id=args.household), file=sys.stderr)
            return 2
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(
            _("The folder {path} cannot be created: {error}").format(path=args.out, error=error.strerror),
            file=sys.stderr,
        )
        return 2
    today = args.date or dt.date.today()
    drafted, refused = agreements.draft_missing(
        store, args.household, demolition_deadline=args.demolition_deadline, today=today
    )
    current = agreements.current_agreements(store, args.household)
    for info in current.values():
        if info.id in drafted:
            print(_("Drafted {kind} {number}.").format(kind=info.label, number=info.number))
    for kind, reason in refused.items():
        print(
            _("The {kind} was not drafted: {reason}").format(kind=_(agreements.KINDS[kind]), reason=reason),
            file=sys.stderr,
        )
    if not current:
        print(_("This household has no agreement to render."), file=sys.stderr)
        return 2
    for info in current.values():
        name = f"{info.number}-office.pdf" if args.office_copy else f"{info.number}.pdf"
        print(agreements.render_pdf(store, info.id, args.out / name, office_copy=args.office_copy))
    return 0


def _archive(args: argparse.Namespace) -> int:
    from xinjie_desktop.core.records import household_archive, township

    store = _open_for_reading(args.archive_db, args.user)
    if store is None:
        return 2
    try:
        if not _output_folder(args.out):
            return 2
        try:
            if args.household is not None:
                household_id = household_archive.find_household(store, args.household)
                print(household_archive.render_household(store, household_id, args.out, args.date))
                return 0
            with store.session() as session:
                village_id = township.find_village(session, args.village)
            result = household_archive.render_village(store, village_id, args.out, today=args.date)
        except (household_archive.ArchiveError, township.VillageChoiceError) as error:
            print(error, file=sys.stderr)
            return 2
        except OSError as error:
            return _folder_not_written(args.out, error)
        for path in result.files:
            print(path)
        return 0
    finally:
        store.close()


def _progress(args: argparse.Namespace) -> int:
    """The progress at a glance (issue 18): one JSON document (keys in the README) or a table.  Only reads."""
    from xinjie_desktop.core.records import progress
    from xinjie_desktop.core.rules.permissions import PermissionRefused

    store = _open_for_reading(args.progress_db, args.user)
    if store is None:
        return 2
    try:
        try:
            found = progress.compute(store, args.as_of or dt.date.today())
        except PermissionRefused as error:
            print(error, file=sys.stderr)
            return 2
        if args.json:
            print(json.dumps(progress.as_json(found), ensure_ascii=False, indent=1))
            return 0
        rows = [*found.villages, found.total]
        print("\t".join([_("figure"), *(r.name or _("township") for r in rows)]))
        print("\t".join([_("households"), *(str(r.households) for r in rows)]))
        for figure in progress.FIGURES:
            print("\t".join([_(figure.label), *(str(r.figures[figure.key]) for r in rows)]))
        return 0
    finally:
        store.close()


def _bulletin(args: argparse.Namespace) -> int:
    """The weekly bulletin (issue 18, WT-2): issued and kept in the data file (unless that week's is kept already and
    ``--again`` is not given), then written into the folder, its path printed.  A bad week, a refusal or a folder
    that cannot be made exits 2 with the reason and leaves the data file as it was."""
    from xinjie_desktop.core.records import bulletins
    from xinjie_desktop.core.records.access import require_open
    from xinjie_desktop.core.rules.permissions import Action, PermissionRefused

    try:
        bulletins.parse_week(args.week)
    except bulletins.BulletinError as error:
        print(error, file=sys.stderr)
        return 2
    week = args.week.strip()
    view = _open_for_reading(args.bulletin_db, args.user)
    if view is None:
        return 2
    try:
        kept = any(info.week == week for info in bulletins.listing(view))
        if not kept or args.again:
            require_open(view, Action.ISSUE_BULLETIN)
            bulletins.build_view(view, week)  # a week not begun is refused before anything is written
        else:
            print(bulletins.write_pdf(view, week, args.out))
            return 0
    except (bulletins.BulletinError, PermissionRefused) as error:
        print(error, file=sys.stderr)
        return 2
    except OSError as error:
        return _folder_not_written(args.out, error)
    finally:
        view.close()
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(
            _("The folder {path} cannot be created: {error}").format(path=args.out, error=error.strerror),
            file=sys.stderr,
        )
        return 2
    store = _open_for_work(args.bulletin_db, args.user, create=False)
    if store is None:
        return 2
    try:
        try:
            info = bulletins.issue(store, week)
            path = bulletins.write_pdf(store, week, args.out)
        except (bulletins.BulletinError, PermissionRefused) as error:
            print(error, file=sys.stderr)
            return 2
        except OSError as error:
            return _folder_not_written(args.out, error)
        print(path)
        print(
            _("Bulletin of {week} issued and kept: {pages} pages, figures as of {day}.").format(
                week=info.week, pages=info.pages, day=info.as_of.isoformat()
            ),
            file=sys.stderr,
        )
        return 0
    finally:
        store.close()


def _open_existing(path: Path, user: str | None = None):
    """The store at ``path`` with ``user`` logged in (on a store with accounts), or None after telling stderr
    why not."""

    if not path.exists():
        print(_("The data file {path} does not exist.").format(path=path), file=sys.stderr)
        return None
    return _open_for_work(path, user, create=False)


def _open_for_work(path: Path, user: str | None, *, create: bool = True):
    """The store at ``path`` opened for work with ``user`` logged in, or None after telling stderr why not.
    The password is checked on the file opened for reading first, so that a wrong one leaves the file exactly
    as it was (opening for work writes: this computer's identity, the check of the file)."""
    from xinjie_desktop.core.store.database import StoreError, open_read_only
    from xinjie_desktop.core.sync import login
    from xinjie_desktop.core.sync.workstore import open_store

    if login.is_encrypted(path):
        return _open_encrypted(path, user)
    actor = None
    if path.is_file() and path.stat().st_size > 0:
        try:
            view = open_read_only(path)
        except StoreError:
            view = None  # open_store says what is wrong with it
        if view is not None:  # (None: to be upgraded first; then checked once opened)
            try:
                if not _log_in(view, user):
                    return None
                actor = view.actor
            finally:
                view.close()
    try:
        store = open_store(path, create=create)
    except StoreError as error:
        print(error, file=sys.stderr)
        return None
    if actor is not None:
        store.actor = actor
    elif not _log_in(store, user):
        store.close()
        return None
    return store


def _data_key(path: Path, user: str | None) -> bytes | None:
    """The data key of the encrypted store at ``path`` with ``user``'s password, or None after telling stderr why
    not (nothing changed but the count of wrong passwords beside the file, as a login)."""
    from xinjie_desktop.core.records import accounts
    from xinjie_desktop.core.store.keyring import KeyringError
    from xinjie_desktop.core.sync import login

    password = _encrypted_credentials(path, user)
    if password is None or user is None:
        return None
    try:
        key = login.data_key(path, user, password)
        _ASKED[user] = password  # the import that follows opens the file with it: asked once
        return key
    except accounts.LoginRefused as error:
        print(_("{reason} Nothing was changed.").format(reason=error), file=sys.stderr)
    except KeyringError as error:
        print(error, file=sys.stderr)
    return None


def _encrypted_credentials(path: Path, user: str | None) -> str | None:
    """The password of ``user`` for the encrypted store at ``path``, or None after telling stderr why not; asked
    once a command (the check before an import and the import itself share it)."""
    if user and user in _ASKED:
        return _ASKED.pop(user)
    if not user:
        print(
            _(
                "The data file {path} is encrypted: give your account name with --user (the password is taken from "
                "the environment variable XINJIE_PASSWORD, or asked). Nothing was changed."
            ).format(path=path),
            file=sys.stderr,
        )
        return None
    password = _password(_("Password for {name}: ").format(name=user), "XINJIE_PASSWORD")
    if password is None:
        print(_("No password was given. Nothing was changed."), file=sys.stderr)
    return password


def _open_encrypted(path: Path, user: str | None, *, reading: bool = False):
    """The encrypted store at ``path`` opened (for work, or ``reading`` only) as ``user``, or None after telling
    stderr why not: a wrong password changes nothing but the count of wrong passwords beside the file."""
    from xinjie_desktop.core.records import accounts
    from xinjie_desktop.core.store.database import StoreError, open_read_only
    from xinjie_desktop.core.store.keyring import KeyringError
    from xinjie_desktop.core.sync import login

    password = _encrypted_credentials(path, user)
    if password is None or user is None:
        return None
    try:
        if reading:
            store = open_read_only(path, key=login.data_key(path, user, password))
            if store is None:
                print(
                    _("The data file {path} must be upgraded first: open it with this version once.").format(path=path),
                    file=sys.stderr,
                )
                return None
            try:
                accounts.login(store, user, password)
            except BaseException:
                store.close()
                raise
        else:
            store = login.open_as(path, user, password)
    except accounts.LoginRefused as error:
        print(_("{reason} Nothing was changed.").format(reason=error), file=sys.stderr)
        return None
    except (StoreError, KeyringError) as error:
        print(error, file=sys.stderr)
        return None
    _LOGIN_PASSWORD[user] = password
    return store


def _password(prompt: str, variable: str) -> str | None:
    """A password from the environment variable ``variable``, else asked on the terminal (never an option)."""
    import getpass

    given = os.environ.get(variable)
    if given is not None:
        return given
    try:
        return getpass.getpass(prompt)
    except (EOFError, KeyboardInterrupt):
        print(file=sys.stderr)
        return None


def _log_in(store, user: str | None) -> bool:
    """Log ``user`` in on a store with accounts (the password from XINJIE_PASSWORD, or asked); a store without
    accounts needs no one (as before issue 17).  False after telling stderr why not: nothing was changed."""
    from xinjie_desktop.core.records import accounts

    if not accounts.any_accounts(store):
        return True
    if not user:
        print(
            _(
                "This data file has accounts: give your account name with --user (the password is taken from the "
                "environment variable XINJIE_PASSWORD, or asked). Nothing was changed."
            ),
            file=sys.stderr,
        )
        return False
    password = _password(_("Password for {name}: ").format(name=user), "XINJIE_PASSWORD")
    if password is None:
        print(_("No password was given. Nothing was changed."), file=sys.stderr)
        return False
    try:
        accounts.login(store, user, password)
    except accounts.LoginRefused as error:
        print(_("{reason} Nothing was changed.").format(reason=error), file=sys.stderr)
        return False
    _LOGIN_PASSWORD[user] = password  # the present password, for ``account passwd`` of one's own
    return True


_LOGIN_PASSWORD: dict[str, str] = {}
_ASKED: dict[str, str] = {}  # a password given for the check before an import, taken by the import itself


def _open_for_reading(path: Path, user: str | None = None):
    """The store at ``path`` opened read-only (nothing in its folder is created or changed, even when it
    is damaged) with ``user`` logged in (on a store with accounts), or None after telling stderr why not."""
    from xinjie_desktop.core.store.database import StoreError, open_read_only

    if path.is_dir():
        print(
            _("The data file {path} cannot be read: {error}").format(path=path, error=os.strerror(errno.EISDIR)),
            file=sys.stderr,
        )
        return None
    if not path.is_file():
        print(_("The data file {path} does not exist.").format(path=path), file=sys.stderr)
        return None
    from xinjie_desktop.core.sync import login

    if login.is_encrypted(path):
        return _open_encrypted(path, user, reading=True)
    try:
        store = open_read_only(path)
    except StoreError as error:
        print(error, file=sys.stderr)
        return None
    if store is None:
        print(
            _("The data file {path} must be upgraded first: open it with this version once.").format(path=path),
            file=sys.stderr,
        )
    elif not _log_in(store, user):
        store.close()
        return None
    return store


def _device(args: argparse.Namespace) -> int:
    from xinjie_desktop.core.records import township
    from xinjie_desktop.core.sync import device

    if args.device_command in ("init", "request"):  # a new laptop's data file is made here
        store = _open_for_work(args.device_db, args.user)
        if store is None:
            return 2
    elif args.device_command == "accept" and not args.device_db.exists():
        # A new data file cannot accept anything: a provisioning file names the keys of the data file that
        # wrote its request, and a new file has keys of its own.  Nothing is created.
        print(
            _(
                "The data file {path} does not exist. A provisioning file is accepted by the data file that wrote "
                "the laptop's request (device request --db, or the window's first start on that laptop): give "
                "that data file with --db. Nothing was created."
            ).format(path=args.device_db),
            file=sys.stderr,
        )
        return 2
    else:
        store = _open_existing(args.device_db, args.user)
        if store is None:
            return 2
    try:
        if args.device_command == "init":
            return _device_show(args, store)
        if args.device_command == "request":
            return _device_request(args, store)
        if args.device_command == "provision":
            if args.request is None:
                print(
                    _(
                        "A provisioning file is made from the laptop's provisioning request: write it on the laptop "
                        "(device request) and give it here with --request, with the key fingerprint the laptop's "
                        "screen shows (--fingerprint). Nothing was written."
                    ),
                    file=sys.stderr,
                )
                return 2
            asked = device.read_request(args.request)
            if not args.fingerprint.strip():
                print(
                    _(
                        "The request's key fingerprint is {fingerprint}. Compare it with the one the laptop's screen "
                        "shows; if they are the same, give it with --fingerprint. Nothing was written."
                    ).format(fingerprint=asked.fingerprint),
                    file=sys.stderr,
                )
                return 2
            with store.session() as session:
                try:
                    villages = [township.find_village(session, given) for given in args.villages]
                except township.VillageChoiceError as error:
                    print(_("{reason} Nothing was written.").format(reason=error), file=sys.stderr)
                    return 2
            granted = device.provision(
                store, args.name, villages, args.out, request=asked, fingerprint=args.fingerprint
            )
            print(_("Provisioning file written: {path}").format(path=args.out))
            print(
                _("Laptop {name} may write: {villages}").format(
                    name=granted.laptop_name, villages=", ".join(f"{name} ({id_})" for id_, name in granted.villages)
                )
            )
            print(_("Township key fingerprint: {fingerprint}").format(fingerprint=granted.township.fingerprint))
            return 0
        if not args.file.is_file():
            print(_("The file {path} does not exist.").format(path=args.file), file=sys.stderr)
            return 2
        if not args.township_fingerprint.strip():
            read = device.read_provisioning(args.file)
            print(
                _(
                    "The provisioning file is signed by the township key {fingerprint}. Compare it with the one the "
                    "township office's screen shows; if they are the same, give it with --township-fingerprint. "
                    "Nothing was changed."
                ).format(fingerprint=read.township.fingerprint),
                file=sys.stderr,
            )
            return 2
        accepted = device.accept_provisioning(
            store, args.file, township_fingerprint=args.township_fingerprint, replace_township=args.replace_township
        )
        print(
            _("Provisioning accepted: laptop {name}, villages {villages}").format(
                name=accepted.laptop_name, villages=", ".join(f"{name} ({id_})" for id_, name in accepted.villages)
            )
        )
        print(
            _("Township key fingerprint: {fingerprint} (compare it with the one shown at the township office)").format(
                fingerprint=accepted.township.fingerprint
            )
        )
        return 0
    except device.DeviceError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        store.close()


def _device_request(args: argparse.Namespace, store) -> int:
    from xinjie_desktop.core.sync import device

    asked = device.write_request(store, args.out, args.name)
    print(_("Provisioning request written: {path}").format(path=args.out))
    print(
        _(
            "This laptop's key fingerprint: {fingerprint} (the officer at the township office compares it with the "
            "one the request shows there)"
        ).format(fingerprint=asked.fingerprint)
    )
    return 0


def _device_show(args: argparse.Namespace, store) -> int:
    from xinjie_desktop.core.sync import device

    me = device.identity(store)
    former = device.history(store)
    granted = device.provisioning(store)
    if args.json:
        print(
            json.dumps(
                {
                    **me.public(),
                    "fingerprint": me.fingerprint,
                    "created_at": me.created_at,
                    "history": former,
                    "provisioning": None
                    if granted is None
                    else {
                        "township": granted.township.public(),
                        "township_name": granted.township_name,
                        "laptop_name": granted.laptop_name,
                        "villages": [list(v) for v in granted.villages],
                        "needs_reprovisioning": device.needs_reprovisioning(store),
                    },
                },
                ensure_ascii=False,
                indent=2,
                sort_keys=True,
            )
        )
        return 0
    print(_("Device: {id}").format(id=me.device_id))
    print(_("Fingerprint: {fingerprint}").format(fingerprint=me.fingerprint))
    print(_("Signing public key (Ed25519): {key}").format(key=me.signing_public))
    print(_("Encryption public key (X25519): {key}").format(key=me.box_public))
    for entry in former:  # named by the laptop's name, villages and last change (its id is in --json)
        print(device.former_identity_text(entry))
    if granted is not None:
        print(
            _("Provisioned by {township} as laptop {name} for: {villages}").format(
                township=granted.township_name or granted.township.device_id,
                name=granted.laptop_name,
                villages=", ".join(name for _id, name in granted.villages),
            )
        )
        if device.needs_reprovisioning(store):
            print(
                _(
                    "This data file took a new identity after it was provisioned: the township office must "
                    "provision it again."
                )
            )
    return 0


def _bundle(args: argparse.Namespace) -> int:
    from xinjie_desktop.core.store.database import StoreError
    from xinjie_desktop.core.sync import bundle_format, checking, exporting, importing, login
    from xinjie_desktop.core.sync.workstore import open_read_only

    try:
        if args.bundle_command == "verify":
            view = open_read_only(args.bundle_db) if args.bundle_db else None
            if view is not None and not _log_in(view, args.user):
                view.close()
                return 2
            if args.bundle_db and view is None:
                print(
                    _("The data file {path} must be upgraded first: open it with this version once.").format(
                        path=args.bundle_db
                    ),
                    file=sys.stderr,
                )
                return 2
            try:
                print(json.dumps(checking.verify_file(args.file, view), ensure_ascii=False, indent=2, sort_keys=True))
            finally:
                if view is not None:
                    view.close()
            return 0
        refused: list | None = [] if getattr(args, "keep_going", False) else None  # (path, reason), import goes on
        if args.bundle_command == "import":
            if not args.bundle_db.exists():
                print(_("The data file {path} does not exist.").format(path=args.bundle_db), file=sys.stderr)
                return 2
            args.files = _left_for_others(args.bundle_db, args.files)
            key = None
            if login.is_encrypted(args.bundle_db):  # the check reads it with the user's key (issue 16's trial)
                key = _data_key(args.bundle_db, args.user)
                if key is None:
                    return 2
            checking.precheck(args.bundle_db, args.files, refused, key=key)
            if refused and len(refused) == len(args.files):  # nothing to import: the data file is not opened
                for _path, reason in refused:
                    print(reason, file=sys.stderr)
                return 2
        store = _open_existing(args.bundle_db, args.user)
        if store is None:
            return 2
        try:
            if args.bundle_command == "export":
                for result in exporting.export(store, args.to, full=args.full):
                    print(result.describe())
                return 0
            left_out = {path for path, _reason in refused or []}
            for result in importing.import_bundles(
                store, [p for p in args.files if p not in left_out], refused=refused
            ):
                print(result.describe())
            for _path, reason in refused or []:
                print(reason, file=sys.stderr)
            return 2 if refused else 0
        finally:
            store.close()
    except (bundle_format.SyncError, StoreError) as error:
        for result in getattr(error, "imported", ()):  # the bundles imported before the refused one
            print(result.describe())
        print(error, file=sys.stderr)
        return 2


def _roster(args: argparse.Namespace) -> int:
    """The national system's roster: ``export`` writes the township's, ``compare`` reads one and lists the
    differences.  Both only read the data file; a roster that cannot be used: exit 2, the reason."""
    from xinjie_desktop.core.records import national_roster
    from xinjie_desktop.core.rules.national_codes import NationalCodesError

    store = _open_for_reading(args.roster_db, args.user)
    if store is None:
        return 2
    try:
        if args.roster_command == "export":
            people = national_roster.export(store, args.out)
            print(_("Roster written: {n} people, in {path}").format(n=people, path=args.out))
            return 0
        _read, comparison = national_roster.compare_file(store, args.file)
        recorded = national_roster.corrections(store)
        if args.out is not None:
            national_roster.write_corrections(
                comparison, args.out, {key: record.text for key, record in recorded.items()}
            )
    except (national_roster.RosterError, NationalCodesError) as error:
        print(error, file=sys.stderr)
        return 2
    except OSError as error:
        print(
            _("The file {path} cannot be written: {error}").format(path=args.out, error=error.strerror or error),
            file=sys.stderr,
        )
        return 2
    finally:
        store.close()
    shown = national_roster.to_json(comparison, recorded)
    if args.json:
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        for side, title in (
            ("only_national", _("Only in the national system")),
            ("only_here", _("Only in the township")),
            ("different", _("Different")),
        ):
            print(f"{title}: {len(shown[side])}")
            for entry in shown[side]:
                print(f"  {entry['id_number']}\t{entry['name']}\t{entry['field']}\t{entry['rule']}\t{entry['meaning']}")
        if args.out is not None:
            print(_("Correction list written: {path}").format(path=args.out))
    return 0


def _folder_not_written(folder: Path, error: OSError) -> int:
    """Why a command's files could not be written into ``folder``, on stderr; the exit status 2."""
    print(
        _("The folder {path} cannot be written to: {error}").format(path=folder, error=error.strerror or error),
        file=sys.stderr,
    )
    return 2


def _output_folder(folder: Path) -> bool:
    """The folder a command writes its files into, made if missing and writable; otherwise False, and why on
    stderr (the command then exits 2 before anything is written)."""
    if not folder.is_dir():
        try:
            folder.mkdir(parents=True)
        except OSError as error:
            print(
                _("The folder {path} cannot be created: {error}").format(path=folder, error=error.strerror),
                file=sys.stderr,
            )
            return False
    if not os.access(folder, os.W_OK):
        print(_("The folder {path} cannot be written to.").format(path=folder), file=sys.stderr)
        return False
    return True


def _left_for_others(db_path: Path, files: list[Path]) -> list[Path]:
    """The bundles of ``files`` to import into ``db_path``: those written for other computers on the same stick
    are named on stdout and left there (core.sync.usb_stick.left_for_others)."""
    from xinjie_desktop.core.store.database import StoreError
    from xinjie_desktop.core.sync import usb_stick
    from xinjie_desktop.core.sync.workstore import open_read_only

    try:
        view = open_read_only(db_path)
    except StoreError:
        return files  # the import says what is wrong with the data file
    if view is None:
        return files
    try:
        mine, elsewhere = usb_stick.left_for_others(view, files)
    finally:
        view.close()
    for path in elsewhere:
        print(_("{name}: written for another computer, left on the stick.").format(name=path.name))
    return mine


def _db(args: argparse.Namespace) -> int:
    from xinjie_desktop.core.store import canonical_dump

    if not args.canonical:
        print(
            _("Error in the command line: {message}").format(
                message=_("only the canonical dump exists; add --canonical")
            ),
            file=sys.stderr,
        )
        return 2
    store = _open_for_reading(args.dump_db, args.user)
    if store is None:
        return 2
    try:
        dumped = canonical_dump.dump(store, stamps=not args.without_stamps, derived=args.with_derived)
    finally:
        store.close()
    sys.stdout.write(canonical_dump.canonical_text(dumped))
    return 0


def _villages(args: argparse.Namespace) -> int:
    from xinjie_desktop.core.records import township

    store = _open_for_reading(args.villages_db, args.user)
    if store is None:
        return 2
    try:
        with store.session() as session:
            villages = township.villages(session)
            groups = township.groups(session)
    finally:
        store.close()
    if args.json:
        listed = [
            {
                "id": v.id,
                "name": v.name,
                "groups": [{"id": g.id, "name": g.name} for g in groups if g.village_id == v.id],
            }
            for v in villages
        ]
        print(json.dumps(listed, ensure_ascii=False, indent=2))
        return 0
    if not villages:
        print(_("This data file has no villages yet."))
    for village in villages:
        names = _(", ").join(g.name for g in groups if g.village_id == village.id)
        print(f"{village.name}\t{village.id}\t{names}")
    return 0


def _audit(args: argparse.Namespace) -> int:
    """The record of who did what, filtered (issue 17): lines, one JSON document, or a PDF; every computer's
    chain of hashes checked first, its problems named.  Only reads the data file."""
    from sqlalchemy import text

    from xinjie_desktop.core.documents import audit_report
    from xinjie_desktop.core.documents.audit_views import AuditFilterView
    from xinjie_desktop.core.records import audit
    from xinjie_desktop.core.sync import audit_chain
    from xinjie_desktop.core.sync.roles import device_names

    if args.date_from and args.date_to and args.date_from > args.date_to:
        print(_("--from {start} is after --to {end}.").format(start=args.date_from, end=args.date_to), file=sys.stderr)
        return 2
    store = _open_for_reading(args.audit_db, args.user)
    if store is None:
        return 2
    wanted = audit.AuditFilter(args.person, args.village, args.household, args.date_from, args.date_to)
    try:
        try:
            audit.require_reader(store)
        except audit.NotAllowed as error:
            print(error, file=sys.stderr)
            return 2
        with store.session() as session:
            names = device_names(session)
            problems = audit_chain.verify_all(session)
            township_name = session.execute(text("SELECT name FROM township LIMIT 1")).scalar() or ""
        messages = [problem.message(names.get(problem.device_id, "")) for problem in problems]
        if args.audit_pdf is not None:
            view = AuditFilterView(args.person, args.village, args.household, args.date_from, args.date_to)
            try:
                count = audit_report.render(
                    township_name or args.audit_db.name,
                    audit.entries(store, wanted),
                    args.audit_pdf,
                    filters=view,
                    chain_problems=messages,
                )
            except OSError as error:
                print(
                    _("The PDF {path} cannot be written: {error}").format(path=args.audit_pdf, error=error.strerror),
                    file=sys.stderr,
                )
                return 2
            print(_("{n} entries written to {path}").format(n=count, path=args.audit_pdf))
            return 0
        if args.json:
            found = [audit.as_json(entry) for entry in audit.entries(store, wanted)]
            document = {
                "count": len(found),
                "filters": {
                    "person": args.person,
                    "village": args.village,
                    "household": args.household,
                    "from": args.date_from.isoformat() if args.date_from else None,
                    "to": args.date_to.isoformat() if args.date_to else None,
                },
                "chain_problems": [
                    {"device_id": p.device_id, "seq": p.seq, "kind": p.kind, "message": m}
                    for p, m in zip(problems, messages, strict=True)
                ],
                "entries": found,
            }
            print(json.dumps(document, ensure_ascii=False, indent=1))
            return 0
        for message in messages:
            print(message, file=sys.stderr)
        count = 0
        for entry in audit.entries(store, wanted):
            count += 1
            where = "/".join(part for part in (entry.village, entry.household) if part) or "-"
            print(
                "\t".join(
                    (
                        audit_report.stamp(entry.at),
                        entry.account_name or _("(no one logged in)"),
                        entry.device_name or entry.device_id,
                        where,
                        f"{entry.table} {entry.row_id[:8]}",
                        entry.action,
                        "; ".join(audit_report.change_lines(entry)),
                    )
                )
            )
        if not count:
            print(_("No entry matches these filters."))
    finally:
        store.close()
    return 0


def _demo_data(args: argparse.Namespace) -> int:
    from xinjie_desktop.core.records import demo_data
    from xinjie_desktop.core.records.township import SetupError
    from xinjie_desktop.core.sync import demo_township

    refused = demo_data.counts_refused(args.households, args.villages)
    if refused is not None:
        print(refused, file=sys.stderr)
        return 2
    store = _open_for_work(args.demo_db, args.user)
    if store is None:
        return 2
    try:
        if args.households_only:
            count = demo_data.generate(store, args.villages, args.households, args.seed)
        else:
            count = demo_township.build(store, args.villages, args.households, args.seed)
        if args.password is not None:
            refused_admin = _demo_administrator(store, args.password)
            if refused_admin is not None:
                print(refused_admin, file=sys.stderr)
                return 2
            if store.key is None:  # the demo's data file encrypted like any other (issue 17)
                from xinjie_desktop.core.sync import login

                store, code = login.secure(store, DEMO_ADMIN, args.password)
                print(_("The data file is encrypted; its recovery code: {code}").format(code=code))
    except SetupError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        store.close()
    print(
        _("Demo data written: {villages} villages, {households} households, in {path}").format(
            villages=args.villages, households=count, path=args.demo_db
        )
    )
    return 0


DEMO_ADMIN = "admin"


def _demo_administrator(store, password: str) -> str | None:
    """Make the demo's administrator ``admin`` with ``password``: None, or why not."""
    from xinjie_desktop.core.records import accounts
    from xinjie_desktop.core.rules.permissions import Role

    if accounts.actor_of(store, DEMO_ADMIN) is not None:
        return _("This data file already has an account named {name}; no demo administrator was made.").format(
            name=DEMO_ADMIN
        )
    from xinjie_desktop.core.sync import login

    try:
        login.add_account(
            store,
            DEMO_ADMIN,
            password,
            Role.TOWNSHIP_ADMIN,
            display_name=_("Demo township's administrator (demo data)"),
        )
    except accounts.AccountError as error:
        return str(error)
    print(_("Demo administrator account: {name} (the password given with --password)").format(name=DEMO_ADMIN))
    return None


def _account(args: argparse.Namespace) -> int:
    """``account add|passwd|lock|unlock|list``: the township administrator manages the accounts (the first
    account of a data file is made with no one logged in, and is a township administrator's)."""
    from xinjie_desktop.core.records import accounts, township
    from xinjie_desktop.core.store.keyring import KeyringError
    from xinjie_desktop.core.sync import login
    from xinjie_desktop.core.sync.roles import laptop_villages

    listing = args.account_command == "list"
    store = _open_for_reading(args.account_db, args.user) if listing else _open_existing(args.account_db, args.user)
    if store is None:
        return 2
    try:
        if listing:
            with store.session() as session:
                names = {v.id: v.name for v in township.villages(session)}
            return _account_list(args, accounts.listing(store), names)
        laptop = laptop_villages(store)
        if args.account_command == "add":
            with store.session() as session:
                try:
                    villages = [township.find_village(session, given) for given in args.villages]
                except township.VillageChoiceError as error:
                    print(_("{reason} Nothing was changed.").format(reason=error), file=sys.stderr)
                    return 2
            password = _new_password()
            if password is None:
                return 2
            login.add_account(
                store,
                args.name,
                password,
                args.role,
                villages,
                display_name=args.display_name,
                may_sign=args.may_sign,
                laptop_villages=laptop,
            )
            print(_("Account {name} made.").format(name=args.name))
            return 0
        if args.account_command == "passwd":
            own = store.actor is not None and args.name in (None, store.actor.name)
            if store.actor is None and args.name is None:
                print(_("Give your account name with --user to change your password."), file=sys.stderr)
                return 2
            password = _new_password()
            if password is None:
                return 2
            if own:
                name = store.actor.name
                login.change_password(store, _LOGIN_PASSWORD.get(name, ""), password, laptop_villages=laptop)
            else:
                name = args.name
                login.reset_password(store, name, password, laptop_villages=laptop)
            print(_("The password of {name} is changed.").format(name=name))
            return 0
        accounts.set_locked(store, args.name, args.account_command == "lock", laptop_villages=laptop)
        if args.account_command == "lock":
            print(_("Account {name} is locked.").format(name=args.name))
        else:
            print(_("Account {name} is unlocked.").format(name=args.name))
        return 0
    except (accounts.AccountError, KeyringError) as error:
        print(_("{reason} Nothing was changed.").format(reason=error), file=sys.stderr)
        return 2
    finally:
        store.close()


def _new_password() -> str | None:
    """The new password, from XINJIE_NEW_PASSWORD or asked twice on the terminal."""
    given = os.environ.get("XINJIE_NEW_PASSWORD")
    if given is not None:
        return given
    first = _password(_("New password: "), "XINJIE_NEW_PASSWORD")
    second = None if first is None else _password(_("The new password again: "), "XINJIE_NEW_PASSWORD")
    if first is None or second is None:
        print(_("No password was given. Nothing was changed."), file=sys.stderr)
        return None
    if first != second:
        print(_("The two passwords differ. Nothing was changed."), file=sys.stderr)
        return None
    return first


def _account_list(args: argparse.Namespace, found, names: dict[str, str]) -> int:
    from xinjie_desktop.core.rules.permissions import role_label

    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": a.id,
                        "name": a.name,
                        "display_name": a.display_name,
                        "role": str(a.role),
                        "villages": list(a.villages),
                        "may_sign": a.may_sign,
                        "locked": a.locked,
                        "locked_out": a.locked_out,
                        "countersigned": a.countersigned,
                    }
                    for a in found
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    for a in found:
        marks = [
            text
            for flag, text in (
                (a.may_sign, _("may sign for the township")),
                (a.locked, _("locked")),
                (a.locked_out, _("locked after wrong passwords")),
                (not a.countersigned, _("not countersigned")),
            )
            if flag
        ]
        villages = _(", ").join(names.get(v, v) for v in a.villages) if a.villages else _("every village")
        print("\t".join([a.name, a.display_name, role_label(a.role), villages, _(", ").join(marks)]))
    return 0


def _teams(args: argparse.Namespace) -> int:
    """The work teams' quarter (issue 20): per village and member, WT-1's deadlines and visits, WT-2's meetings
    and weekly reports, WT-3's checks; lines, or one JSON document.  Only reads the data file."""
    from xinjie_desktop.core.records import work_teams
    from xinjie_desktop.core.rules import work_teams as rules

    store = _open_for_reading(args.teams_db, args.user)
    if store is None:
        return 2
    try:
        found = work_teams.report(store, args.quarter, args.as_of or dt.date.today())
    finally:
        store.close()
    if args.json:
        print(json.dumps(work_teams.report_json(found), ensure_ascii=False, indent=1))
        return 0
    print(_("{quarter}, as of {day}").format(quarter=found.quarter, day=found.as_of))
    for v in found.villages:
        print(
            "\t".join(
                (
                    v.village,
                    _("visited {n} of {total}").format(n=len(v.coverage.visited), total=v.coverage.households),
                    _("team meetings missing {n}").format(n=rules.count(v.team_meetings, rules.MISSING)),
                    _("weekly reports missing {n}").format(n=rules.count(v.reports, rules.MISSING)),
                    _("checks {n}").format(n=len(v.checks)),
                )
            )
        )
        for m in v.members:
            late = [d.label for d in m.deadlines if d.status == rules.OVERDUE]
            print("\t" + "\t".join((m.name, _("overdue: {tasks}").format(tasks=_(", ").join(late) or "-"))))
    return 0


_IN_LOGGED_RUN = False


def _only_reads(args: argparse.Namespace) -> bool:
    """The subcommands that only read their data file: nothing in its folder is created or changed."""
    return (
        args.command in ("db", "villages", "audit", "archive", "teams", "progress", "roster", "funds")
        or (args.command == "bundle" and args.bundle_command == "verify")
        or (args.command == "agreements" and args.agreements_command == "verify")
        or (args.command == "dangerous-house" and not args.save)
        or (args.command == "account" and args.account_command == "list")
    )


def _run_logged(args: argparse.Namespace, run) -> int:
    """Run a subcommand; an unexpected error is written with its traceback to the log file (in the
    data file's folder) and reported calmly; a store's own refusal (full disk, read-only…) by its message."""
    global _IN_LOGGED_RUN
    from xinjie_desktop import logfile

    db = next((value for name, value in vars(args).items() if name.endswith("db") and isinstance(value, Path)), None)
    try:  # the data file's folder, if it is there: the log never makes a folder of its own
        folder = db.resolve().parent if db else None
    except (OSError, RuntimeError):
        folder = None
    if folder is not None and not folder.is_dir():
        folder = None
    if folder is not None and not _only_reads(args):  # a command that only reads leaves the folder as it was
        try:
            logfile.configure(folder)
        except OSError:
            pass
    _IN_LOGGED_RUN = True
    try:
        return run()
    except BrokenPipeError:
        # The reader of stdout went away (``./run villages --db … | head``): not the program's fault and nothing
        # to report; what is left to print goes nowhere, so that Python's exit does not fail on it again.
        _quiet_stdout()
        return 1
    except Exception as error:
        from xinjie_desktop.core.rules.permissions import PermissionRefused
        from xinjie_desktop.core.store.database import StoreError

        if isinstance(error, (StoreError, PermissionRefused)):
            print(error, file=sys.stderr)
            return 2
        path = logfile.log_unexpected(type(error), error, error.__traceback__, folder)
        print(
            _(
                "Something went wrong that the program did not expect. What you saved before is safe; "
                "what was being done just now may not have been saved."
            ),
            file=sys.stderr,
        )
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        if path:
            print(_("The details have been written to the log file {path}.").format(path=path), file=sys.stderr)
        return 1
    finally:
        _IN_LOGGED_RUN = False


def _quiet_stdout() -> None:
    """Point stdout at the null device (its reader is gone)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no file descriptor (a test's captured stdout)
        pass


def _lines_as_printed() -> None:
    """The command line's one rule for its two streams: what was done goes to stdout, what was refused to stderr,
    and each line is written out as it is printed.  Python buffers stdout whole when it is not a terminal
    (``./run … 2>&1 | tee``, a log file, a console through a pipe) while stderr goes out line by line, so a
    refusal came out before the lines of what had been done before it (issue 16's trial)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(line_buffering=True)
            except (ValueError, OSError):  # a stream that cannot change (closed, or not a text file)
                pass


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    _lines_as_printed()
    translate_argparse()  # "usage:", "options", "show this help message and exit"… in the user's language
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--lang")
    known, _rest = pre.parse_known_args(argv)
    if known.lang in ("zh_CN", "en"):
        set_language(known.lang)
    args = build_parser().parse_args(argv)
    if args.self_test:
        from xinjie_desktop import self_test

        return self_test.main()
    if args.command is not None and not _IN_LOGGED_RUN:  # unexpected errors go to the log file
        return _run_logged(args, lambda: main(argv))
    if args.command == "demo-data":
        return _demo_data(args)
    if args.command == "plan":
        return _plan(args)
    if args.command == "dangerous-house":
        return _dangerous_house(args)
    if args.command == "agreements":
        return _agreements(args)
    if args.command == "device":
        return _device(args)
    if args.command == "archive":
        return _archive(args)
    if args.command == "bundle":
        return _bundle(args)
    if args.command == "db":
        return _db(args)
    if args.command == "villages":
        return _villages(args)
    if args.command == "account":
        return _account(args)
    if args.command == "audit":
        return _audit(args)
    if args.command == "teams":
        return _teams(args)
    if args.command == "progress":
        return _progress(args)
    if args.command == "bulletin":
        return _bulletin(args)
    if args.command == "roster":
        return _roster(args)
    if args.command == "funds":
        from xinjie_desktop import funds_cli

        return funds_cli.run(args, _open_for_reading, _output_folder)
    from xinjie_desktop.qt.shell.app import run

    return run(db_path=args.db, language=args.lang)


if __name__ == "__main__":
    sys.exit(main())

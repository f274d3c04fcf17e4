"""``xinjie-desktop funds …`` (issue 19): the funds' report and the public notice of funds, on the command line.

``funds report --db P [--json] [--date D]``: per fund received, paid (by household kind), balance; overdue
paperwork (FD-3); checks due and overdue (FD-2); late major-problem reports (FD-2's 24 hours).  The JSON keys are
documented in the README.  ``funds notice --db P [--village ID] --out DIR [--telephone T]``: the notice sheet of a
village (or the township) as a PDF in DIR.  Both only read the data file.

``main`` builds the parser and hands over here; it passes its own helpers (argument types, ``--user``, opening a
store for reading), so that this module never imports ``main`` (no import circle).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xinjie_desktop.i18n import _


def add_parser(
    commands: Any,
    parser_class: type[argparse.ArgumentParser],
    path: Callable[[str], Path],
    day: Callable[[str], dt.date],
    user_option: Callable[[argparse.ArgumentParser], None],
) -> None:
    funds = commands.add_parser("funds", help=_("relocation funds: the ledger's report and the notice of funds"))
    funds_commands = funds.add_subparsers(dest="funds_command", required=True, parser_class=parser_class)
    report = funds_commands.add_parser(
        "report",
        help=_(
            "per fund received, paid and balance by household kind; overdue paperwork; checks due and overdue; "
            "late reports of major problems"
        ),
    )
    report.add_argument("--db", type=path, required=True, dest="funds_db", help=_("data file"))
    report.add_argument("--json", action="store_true", help=_("print one JSON document"))
    report.add_argument("--date", type=day, dest="funds_date", help=_("the day the report is for (default: today)"))
    user_option(report)
    notice = funds_commands.add_parser(
        "notice", help=_("the public notice of funds of a village (or of the township) as a PDF")
    )
    notice.add_argument("--db", type=path, required=True, dest="funds_db", help=_("data file"))
    notice.add_argument("--village", help=_("the village's id or name (none: the township's notice)"))
    notice.add_argument("--out", type=path, required=True, help=_("folder the PDF is written to"))
    notice.add_argument(
        "--telephone",
        default="",
        help=_("the complaint telephone printed on the notice (without it: a line to write it in by hand)"),
    )
    notice.add_argument("--place", default="", help=_("where the notice is posted"))
    notice.add_argument("--from", type=day, dest="start", help=_("first day of the posting (default: today)"))
    notice.add_argument(
        "--to", type=day, dest="end", help=_("last day of the posting, at least 7 full days later (default: 7 days)")
    )
    notice.add_argument("--round", type=int, choices=[1, 2], default=1, help=_("first or second posting"))
    user_option(notice)


def run(
    args: argparse.Namespace,
    open_for_reading: Callable[[Path, str | None], Any],
    output_folder: Callable[[Path], bool],
) -> int:
    store = open_for_reading(args.funds_db, args.user)
    if store is None:
        return 2
    try:
        if args.funds_command == "report":
            return _report(store, args)
        return _notice(store, args, output_folder)
    finally:
        store.close()


def _money(text: str) -> str:
    from decimal import Decimal

    from xinjie_desktop.core.rules.money import format_yuan

    return format_yuan(Decimal(text))


def _report(store, args: argparse.Namespace) -> int:
    from xinjie_desktop.core.records import funds
    from xinjie_desktop.core.rules import funds as rules

    today = args.funds_date or dt.date.today()
    figures = funds.report(store, today)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
        return 0
    for fund in figures["funds"]:
        print(
            "\t".join(
                [
                    fund["name"],
                    rules.source_label(fund["source"]),
                    _("received {amount}").format(amount=_money(fund["received"])),
                    _("paid {amount}").format(amount=_money(fund["paid"])),
                    _("balance {amount}").format(amount=_money(fund["balance"])),
                    _("paperwork: {state}").format(state=rules.state_label(fund["paperwork"]["state"])),
                ]
            )
        )
    for item in figures["overdue_paperwork"]:
        print(
            _("Overdue: {what} of {name}, due {due} ({days} days ago)").format(
                what=_("paperwork") if item["what"] == "paperwork" else _("loan replacement"),
                name=item["name"],
                due=item["due_on"],
                days=item["days_overdue"],
            )
        )
    for item in figures["checks_overdue"]:
        print(
            _("Check overdue: {kind}, {start} to {end}").format(
                kind=rules.check_kind_label(item["kind"]), start=item["from"], end=item["to"]
            )
        )
    for item in figures["checks_due"]:
        print(_("Check due: {kind}, by {end}").format(kind=rules.check_kind_label(item["kind"]), end=item["to"]))
    for item in figures["late_major_reports"]:
        print(
            _("Major problem reported late: {description} (found {found}, {state})").format(
                description=item["description"],
                found=item["found_at"],
                state=rules.report_state_label(item["state"]),
            )
        )
    if not figures["funds"]:
        print(_("No funds recorded."))
    return 0


def _notice(store, args: argparse.Namespace, output_folder: Callable[[Path], bool]) -> int:
    from xinjie_desktop.core.records import funds, township

    start = args.start or dt.date.today()
    end = args.end or start + dt.timedelta(days=7)
    village_id = None
    try:
        if args.village:
            with store.session() as session:
                village_id = township.find_village(session, args.village)
        view = funds.notice_view(store, village_id, start, end, args.telephone, args.place, args.round)
    except (funds.FundsError, township.VillageChoiceError) as error:
        print(error, file=sys.stderr)
        return 2
    if not output_folder(args.out):
        return 2
    try:
        print(funds.write_notice(view, args.out, dt.date.today()))
    except OSError as error:
        print(
            _("The folder {path} cannot be written to: {error}").format(path=args.out, error=error.strerror or error),
            file=sys.stderr,
        )
        return 2
    return 0

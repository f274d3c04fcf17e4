"""Entry point: ``xinjie-desktop`` opens the window; subcommands do scripted work.

Kept thin: it reads the command line, then hands over to the Qt application
(xinjie_desktop.qt.app) or to a core command.  Qt is imported only when the
window is wanted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from xinjie_desktop import __version__
from xinjie_desktop.i18n import _, set_language


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit code 2, message in the user's language
        self.print_usage(sys.stderr)
        self.exit(2, _("Error in the command line: {message}").format(message=message) + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="xinjie-desktop", description=_("Xinjie Township poverty-alleviation work tool"))
    parser.add_argument("--version", action="version", version=f"xinjie-desktop {__version__}")
    parser.add_argument("--db", type=Path, help=_("open this data file instead of the one in the user's data folder"))
    parser.add_argument("--lang", choices=["zh_CN", "en"], help=_("interface language (default: Simplified Chinese)"))
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    demo = commands.add_parser("demo-data", help=_("make a reproducible synthetic data set"))
    demo.add_argument("--db", type=Path, required=True, dest="demo_db", help=_("data file to create or fill"))
    demo.add_argument("--villages", type=int, default=4)
    demo.add_argument("--households", type=int, default=200)
    demo.add_argument("--seed", type=int, default=1)
    return parser


def _demo_data(args: argparse.Namespace) -> int:
    from xinjie_desktop.core import demo_data
    from xinjie_desktop.core.store import StoreError, open_store
    from xinjie_desktop.core.township import SetupError

    if args.villages < 1 or args.households < 0:
        print(_("--villages must be at least 1 and --households at least 0."), file=sys.stderr)
        return 2
    try:
        store = open_store(args.demo_db)
    except StoreError as error:
        print(error, file=sys.stderr)
        return 2
    try:
        count = demo_data.generate(store, args.villages, args.households, args.seed)
    except SetupError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        store.close()
    print(_("Demo data written: {villages} villages, {households} households, in {path}").format(
        villages=args.villages, households=count, path=args.demo_db))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--lang")
    known, _rest = pre.parse_known_args(argv)
    if known.lang in ("zh_CN", "en"):
        set_language(known.lang)
    args = build_parser().parse_args(argv)
    if args.command == "demo-data":
        return _demo_data(args)
    from xinjie_desktop.qt.app import run

    return run(db_path=args.db, language=args.lang)


if __name__ == "__main__":
    sys.exit(main())

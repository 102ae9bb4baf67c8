"""The command line's parser and argument types: each type checks a value while the arguments are parsed, so a bad
one is refused before anything is read or written, with one line that says what to give instead, and exit code 2.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import NoReturn

from bot.webhook import add_webhook_arguments
from flows.campaigns import InvalidRound, check_round
from flows.model import DEFAULT_TARGETS, MEMBER, OFFICER, ROLES

EPILOG = "Settings come from DATATOOL_* environment variables or a .env file; see README.md."


class Parser(argparse.ArgumentParser):
    """argparse's parser, refusing bad arguments with one line (what is wrong, and where help is) and exit code 2,
    instead of the usage summary and then the error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD, e.g. 2026-12-18") from None


MAX_ID = 2**63 - 1
"""The largest id or count a command takes: SQLite's largest integer (a larger one cannot even be looked up)."""


def positive_int(text: str) -> int:
    """A whole number from 1 to ``MAX_ID``, in ASCII digits (an id, a count, a Telegram user id)."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ID:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number up to {MAX_ID}")
    return int(text)


def percentage(text: str) -> float:
    value = text.rstrip("%")
    try:
        number = float(value)
    except ValueError:
        number = -1
    if not 0 <= number <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage between 0 and 100, e.g. 50")
    return number / 100


def round_label(text: str) -> str:
    """A round of the data tool (``flows.campaigns.check_round``: "2026", "2026-27")."""
    try:
        return check_round(text)
    except InvalidRound:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a round: use a short label of letters and digits such as 2026 or 2026-27 (up to 20 "
            "characters; space . _ / - allowed after the first)"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="datatool-bot",
        description="Run the Wales Audit Office data tool as a Telegram bot: invite council officers and elected "
        "members, follow response rates, and compile the results.",
        epilog=EPILOG,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    add_webhook_arguments(
        sub.add_parser(
            "run",
            help="run the bot against the configured Bot API (long polling, or a webhook)",
            epilog=EPILOG,
            description="Run the bot. By default it asks Telegram for updates (long polling): no open port is needed. "
            "With --webhook-url, Telegram POSTs each update to that URL instead (see docs/telegram.md).",
        )
    )

    demo = sub.add_parser("demo", help="run a complete simulated fieldwork offline, against a local Bot API emulator")
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="folder for the demo database and files")
    demo.add_argument("--seed", type=int, default=2019, help="random seed for the simulated respondents")

    campaign = sub.add_parser("campaign", help="create, list, update and close campaigns (fieldwork at one council)")
    csub = campaign.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = csub.add_parser(
        "create",
        help="create a campaign and print its id",
        description="Create a campaign (fieldwork at one council) and print its id.",
    )
    create.add_argument("--authority", required=True, help='council name or any unambiguous part of it, e.g. "flint"')
    create.add_argument("--closes", required=True, type=parse_date, help="last day of fieldwork, YYYY-MM-DD")
    create.add_argument("--opens", type=parse_date, help="first day of fieldwork, YYYY-MM-DD (default: today)")
    create.add_argument(
        "--target-officers",
        type=percentage,
        default=DEFAULT_TARGETS[OFFICER],
        metavar="PERCENT",
        help="target response rate for officers (default 60)",
    )
    create.add_argument(
        "--target-members",
        type=percentage,
        default=DEFAULT_TARGETS[MEMBER],
        metavar="PERCENT",
        help="target response rate for elected members (default 50)",
    )
    create.add_argument(
        "--reminders",
        type=Path,
        metavar="FILE",
        help="this campaign's reminder policy, a YAML file shaped like config/reminders.yaml "
        "(default: DATATOOL_REMINDER_POLICY or config/reminders.yaml)",
    )
    create.add_argument(
        "--round",
        type=round_label,
        metavar="LABEL",
        help="the round of the data tool this campaign belongs to, e.g. 2026 or 2026-27: its report "
        "is set among the other councils of the round and beside the council's previous round "
        "(default: the year fieldwork opens)",
    )
    csub.add_parser("list", help="list campaigns with dates, status and responses")
    update = csub.add_parser("update", help="change a running campaign: close date, targets, reminder policy")
    update.add_argument("campaign", type=positive_int, help="campaign id")
    update.add_argument("--closes", type=parse_date, help="new last day of fieldwork, YYYY-MM-DD (to extend it)")
    update.add_argument("--target-officers", type=percentage, metavar="PERCENT", help="new target for officers")
    update.add_argument("--target-members", type=percentage, metavar="PERCENT", help="new target for elected members")
    update.add_argument("--reminders", type=Path, metavar="FILE", help="a reminder policy YAML for this campaign")
    close = csub.add_parser("close", help="close fieldwork now")
    close.add_argument("campaign", type=positive_int, help="campaign id")

    invites = sub.add_parser("invites", help="create, list and revoke personal invitation links")
    isub = invites.add_subparsers(dest="action", required=True, metavar="ACTION")
    icreate = isub.add_parser(
        "create",
        help="create invitations: CSV reference,role,link and a QR code each",
        description="Create invitations. Writes CSV with the header reference,role,link (to --out or standard "
        "output) and, with --out, a QR code PNG per invitation for printed letters. Can be run again to add "
        "invitations to a running campaign.",
    )
    icreate.add_argument("--campaign", required=True, type=positive_int, help="campaign id (from `campaign create`)")
    icreate.add_argument("--role", required=True, choices=ROLES, help="officer or member")
    icreate.add_argument("--count", required=True, type=positive_int, help="how many invitations")
    icreate.add_argument("--out", type=Path, help="CSV file to write (default: standard output)")
    icreate.add_argument("--qr-dir", type=Path, help="folder for QR codes (default: beside --out, <name>-qr/)")
    icreate.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    ilist = isub.add_parser("list", help="list a campaign's invitations and their status (no links)")
    ilist.add_argument("--campaign", required=True, type=positive_int, help="campaign id")
    ilist.add_argument("--role", choices=ROLES, help="only this role")
    ilist.add_argument(
        "--status", choices=("not opened", "started", "submitted", "withdrawn", "revoked"), help="only this status"
    )
    revoke = isub.add_parser("revoke", help="stop an invitation's link from working")
    revoke.add_argument("reference", help="the invitation's reference, e.g. C1-M0007")

    # ---- access (issue 23 items 2 and 3; bodies in bot/access_cli.py) ----
    auditors = sub.add_parser(
        "auditors", help="who may use the auditor commands (by Telegram user id), and for which councils"
    )
    asub = auditors.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, text in (("add", "add an auditor, for every council or only some"), ("remove", "remove an auditor")):
        p = asub.add_parser(name, help=text)
        p.add_argument("user_id", type=positive_int, help="numeric Telegram user id (not the @username)")
    add = asub.choices["add"]
    add.description = (
        "Add an auditor, or change an auditor's councils. With --authority, the auditor sees only "
        "those councils (their commands, buttons, digest and final reports); without it, every council. "
        "Ids in DATATOOL_AUDITOR_IDS always see every council."
    )
    add.add_argument(
        "--authority",
        action="extend",
        nargs="+",
        metavar="NAME",
        help="a council this auditor may see (any unambiguous part of its name); repeat for more",
    )
    asub.add_parser("list", help="list auditors, where each comes from, and the councils each sees")
    audit = sub.add_parser(
        "audit-log",
        help="the access log as CSV: who received which council's data, and when",
        description="Print the access log as CSV: every release of data (chat commands, digests, reports posted, "
        "the command line's report, rates and invitation lists), auditors added and removed, withdrawals and purges "
        "(by campaign and count). With --verify, check that no entry was changed or removed since it was written: "
        "exit code 1 at the first that was.",
    )
    audit.add_argument("--campaign", type=positive_int, metavar="ID", help="only this campaign's entries")
    audit.add_argument(
        "--since", type=parse_date, metavar="DATE", help="only entries from this day on, YYYY-MM-DD (local time)"
    )
    audit.add_argument("--verify", action="store_true", help="check the whole chain of hashes (whatever is printed)")
    # ---- end of access ----

    rates_parser = sub.add_parser("rates", help="response-rate table(s) in the terminal")
    rates_parser.add_argument("--authority", help="one council (any unambiguous part of its name); default: all open")
    report_parser = sub.add_parser(
        "report",
        help="write the maturity report, charts and exports",
        description="Write the maturity summary, the full HTML report in English and Cymraeg, charts, and CSV/XLSX "
        "exports of anonymised answers for one council (--authority), or the picture across all councils "
        "(--national). A campaign still open is labelled interim.",
    )
    which = report_parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--authority", help="one council (any unambiguous part of its name)")
    which.add_argument("--national", action="store_true", help="every council's latest campaign")
    report_parser.add_argument("--out", type=Path, required=True, help="folder to write into (created if needed)")
    # ---- lifecycle: retention, backup, restore (issue 23 items 1 and 4; bodies in bot/lifecycle_cli.py) ----
    from bot.lifecycle_cli import add_lifecycle_arguments, add_retention_option

    add_retention_option(create, update)
    add_lifecycle_arguments(sub)
    # ---- end of lifecycle ----
    # ---- operations and translation (issue 23 items 5 and 6; bodies in bot/health.py, bot/translations_cli.py) ----
    add_operations_arguments(sub, create)
    # ---- end of operations and translation ----
    return parser


def add_operations_arguments(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    create: argparse.ArgumentParser,
) -> None:
    """``status`` and ``translations``, and ``--require-reviewed-welsh`` on ``run`` and ``campaign create``."""
    from bot.health import add_status_arguments
    from bot.translations_cli import add_translation_arguments

    add_status_arguments(sub)
    add_translation_arguments(sub)
    for parser in (sub.choices["run"], create):
        parser.add_argument(
            "--require-reviewed-welsh",
            action="store_true",
            help="refuse to open fieldwork while any Welsh text respondents read has not been reviewed "
            "by a qualified translator (also DATATOOL_REQUIRE_REVIEWED_WELSH=true; see "
            "`datatool-bot translations status`)",
        )

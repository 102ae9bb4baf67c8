"""The ``datatool-bot`` command line: run the bot, manage campaigns, invitations and auditors, see rates, demo."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import logging
import sys
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from config.authorities import DEFAULT_AUTHORITIES, load_authorities
from config.reminder_policy import load_reminder_policy
from config.settings import TELEGRAM_API, Settings, SettingsError, load_settings
from flows.tokens import hash_token, new_token
from reports.rates import RateTable, format_text
from storage.database import DatabaseError, connect
from flows.model import DEFAULT_TARGETS, ROLES
from storage.repositories import Campaign, CampaignRepository

log = logging.getLogger(__name__)

CSV_HEADER = ("reference", "role", "link")
MAX_INVITES_AT_ONCE = 5000
EPILOG = "Settings come from DATATOOL_* environment variables or a .env file; see README.md."


class UsageError(Exception):
    """Bad arguments: the message says what to do instead."""


class TelegramUnavailable(Exception):
    """Telegram refused the bot token or could not be reached; ``str()`` is the one line to print."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def token_rejected(settings: Settings) -> TelegramUnavailable:
    """401 (a revoked or mistyped token) or 404 (a malformed token, or a base URL that is no Bot API)."""
    if settings.telegram_base_url == TELEGRAM_API:
        return TelegramUnavailable("Telegram rejected the bot token: check DATATOOL_TELEGRAM_TOKEN", 2)
    return TelegramUnavailable(
        "Telegram rejected the bot token: check DATATOOL_TELEGRAM_TOKEN and DATATOOL_TELEGRAM_BASE_URL", 2)


def telegram_unreachable(settings: Settings) -> TelegramUnavailable:
    """No answer at all: connection refused, no route, name not found, timed out."""
    url = urlsplit(settings.telegram_base_url)
    where = f"{url.hostname}:{url.port}" if url.port else str(url.hostname)  # never user:password@
    if settings.telegram_base_url == TELEGRAM_API:
        return TelegramUnavailable(f"Telegram cannot be reached at {where}: check the network connection", 1)
    return TelegramUnavailable(f"Telegram cannot be reached at {where}: check DATATOOL_TELEGRAM_BASE_URL and that "
                               "the Bot API server there is running", 1)


@contextmanager
def talking_to_telegram(settings: Settings) -> Iterator[None]:
    """Turn python-telegram-bot's errors for a rejected token or an unreachable server (whose messages and
    tracebacks may carry the token) into :class:`TelegramUnavailable`."""
    from telegram.error import InvalidToken, NetworkError

    try:
        yield
    except InvalidToken:
        raise token_rejected(settings) from None
    except NetworkError:  # TimedOut included
        raise telegram_unreachable(settings) from None


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD, e.g. 2026-12-18") from None


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
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


def invite_link(username: str, token: str) -> str:
    return f"https://t.me/{username}?start={token}"


async def resolve_username(settings: Settings) -> str:
    """The bot's username for links: from settings, or asked from the Bot API (getMe) with the token."""
    if settings.bot_username:
        return settings.bot_username
    if settings.telegram_token is None:
        raise SettingsError(
            "DATATOOL_BOT_USERNAME is not set and there is no DATATOOL_TELEGRAM_TOKEN to look it up: set either one"
        )
    from telegram import Bot

    from bot.app import file_url

    with talking_to_telegram(settings):
        async with Bot(settings.require_token(), base_url=settings.telegram_base_url,
                       base_file_url=file_url(settings.telegram_base_url)) as bot:
            return bot.username


@asynccontextmanager
async def repository(settings: Settings) -> AsyncIterator[CampaignRepository]:
    """The campaign repository on the configured database, with the configured authorities present."""
    conn = await connect(settings.db_path)
    try:
        repo = CampaignRepository(conn)
        authorities = load_authorities(settings.authorities or DEFAULT_AUTHORITIES)
        await repo.sync_authorities([(a.name, a.name_cy) for a in authorities])
        yield repo
    finally:
        await conn.close()


async def one_authority(repo: CampaignRepository, query: str) -> str:
    names = await repo.find_authorities(query)
    if not names:
        raise UsageError(f"no authority matches {query!r}: use part of a council's name (see `campaign list`), or add it "
                         "to the authorities file (DATATOOL_AUTHORITIES)")
    if len(names) > 1:
        raise UsageError(f"{query!r} matches {len(names)} authorities ({'; '.join(names)}): give more of the name")
    return names[0]


async def campaign_by_authority(repo: CampaignRepository, settings: Settings, query: str) -> Campaign:
    name = await one_authority(repo, query)
    campaign = await repo.campaign_for(name, datetime.now(settings.zone).date())
    if campaign is None:
        raise UsageError(f"there is no campaign for {name}: create one with `datatool-bot campaign create`")
    return campaign


# ---- campaign ------------------------------------------------------------------------------------------------------


async def campaign_create(settings: Settings, args: argparse.Namespace) -> int:
    opens = args.opens or datetime.now(settings.zone).date()
    if args.closes < opens:
        raise UsageError(f"--closes {args.closes} is before --opens {opens}: fieldwork must close after it opens")
    policy = load_reminder_policy(args.reminders) if args.reminders else None
    async with repository(settings) as repo:
        authority = await one_authority(repo, args.authority)
        targets = {"officer": args.target_officers, "member": args.target_members}
        campaign_id = await repo.create_campaign(authority, opens, args.closes, datetime.now(UTC), targets,
                                                 reminder_policy=policy.model_dump_json() if policy else None)
    print(campaign_id)
    return 0


async def campaign_list(settings: Settings, args: argparse.Namespace) -> int:
    today = datetime.now(settings.zone).date()
    async with repository(settings) as repo:
        campaigns = await repo.campaigns()
        if not campaigns:
            print("No campaigns yet: create one with `datatool-bot campaign create --authority NAME --closes YYYY-MM-DD`")
            return 0
        print(f"{'id':>3}  {'authority':<40} {'opens':<10}  {'closes':<10}  {'status':<13} responded")
        for c in campaigns:
            table = RateTable.from_roles(c.authority, await repo.rates(c.id), c.targets)
            print(f"{c.id:>3}  {c.authority:<40} {c.opens_on.isoformat()}  {c.closes_on.isoformat()}  "
                  f"{c.status(today):<13} {table.total.responded}/{table.total.invited}")
    return 0


async def campaign_update(settings: Settings, args: argparse.Namespace) -> int:
    targets = {role: value for role, value in (("officer", args.target_officers), ("member", args.target_members))
               if value is not None}
    if args.closes is None and not targets and args.reminders is None:
        raise UsageError("nothing to change: give --closes, --target-officers, --target-members or --reminders")
    policy = load_reminder_policy(args.reminders) if args.reminders else None
    async with repository(settings) as repo:
        await repo.update_campaign(args.campaign, closes_on=args.closes, targets=targets,
                                   reminder_policy=policy.model_dump_json() if policy else None)
        campaign = await repo.campaign(args.campaign)
    assert campaign is not None
    print(f"Campaign {campaign.id} ({campaign.authority}): closes {campaign.closes_on.isoformat()}, targets officers "
          f"{campaign.targets['officer']:.0%}, members {campaign.targets['member']:.0%}.")
    return 0


async def campaign_close(settings: Settings, args: argparse.Namespace) -> int:
    async with repository(settings) as repo:
        campaign = await repo.campaign(args.campaign)
        if campaign is None:
            raise UsageError(f"there is no campaign {args.campaign}: `datatool-bot campaign list` shows them")
        if not await repo.close_campaign(campaign.id, "auditor", datetime.now(UTC)):
            raise UsageError(f"campaign {campaign.id} ({campaign.authority}) is already closed")
    print(f"Closed fieldwork for campaign {campaign.id} ({campaign.authority}).")
    return 0


# ---- invites ---------------------------------------------------------------------------------------------------------


async def create_invitations(
    settings: Settings, campaign_id: int, role: str, count: int, username: str
) -> list[tuple[str, str, str]]:
    async with repository(settings) as repo:
        campaign = await repo.campaign(campaign_id)
        if campaign is None:
            raise UsageError(f"there is no campaign {campaign_id}: create one with `datatool-bot campaign create`")
        if campaign.closed_at is not None:
            raise UsageError(f"campaign {campaign_id} ({campaign.authority}) is closed: invitations cannot be added")
        tokens = [new_token() for _ in range(count)]
        created = await repo.add_invitations(
            campaign_id, role, count, tokens, [hash_token(t) for t in tokens], datetime.now(UTC)
        )
    return [(inv.reference, inv.role, invite_link(username, inv.token)) for inv in created]


def write_qr_codes(rows: list[tuple[str, str, str]], folder: Path) -> None:
    """One PNG per invitation, named by reference, for printed letters."""
    import segno

    folder.mkdir(parents=True, exist_ok=True)
    for reference, _, link in rows:
        segno.make(link, error="m").save(folder / f"{reference}.png", kind="png", scale=8, border=4)


async def invites_create(settings: Settings, args: argparse.Namespace) -> int:
    if args.count > MAX_INVITES_AT_ONCE:
        raise UsageError(f"--count {args.count} is more than {MAX_INVITES_AT_ONCE} at once: run the command again")
    if args.out is not None and args.out.exists() and not args.force:
        raise UsageError(f"{args.out} already exists: choose another --out file, or add --force to overwrite it")
    if args.qr_dir is not None and args.out is None:
        raise UsageError("--qr-dir needs --out too: the CSV is what tells you which QR code belongs to whom")
    username = await resolve_username(settings)
    rows = await create_invitations(settings, args.campaign, args.role, args.count, username)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(rows)
    if args.out is None:
        sys.stdout.write(buffer.getvalue())
        return 0
    args.out.write_text(buffer.getvalue(), encoding="utf-8")
    qr_dir = args.qr_dir or args.out.with_name(args.out.stem + "-qr")
    write_qr_codes(rows, qr_dir)
    print(f"wrote {len(rows)} {args.role} invitation(s) to {args.out} and QR codes to {qr_dir}/; the links are not "
          "stored anywhere else, so keep these files safe", file=sys.stderr)
    return 0


async def invites_list(settings: Settings, args: argparse.Namespace) -> int:
    async with repository(settings) as repo:
        if await repo.campaign(args.campaign) is None:
            raise UsageError(f"there is no campaign {args.campaign}: `datatool-bot campaign list` shows them")
        found = await repo.invitations(args.campaign, args.role)
    if args.status:
        found = [i for i in found if i.status == args.status]
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(("reference", "role", "status"))
    writer.writerows((i.reference, i.role, i.status) for i in found)
    return 0


async def invites_revoke(settings: Settings, args: argparse.Namespace) -> int:
    async with repository(settings) as repo:
        outcome = await repo.revoke(args.reference, datetime.now(UTC))
    if outcome == "not found":
        raise UsageError(f"there is no invitation {args.reference}: `datatool-bot invites list --campaign ID` shows them")
    if outcome == "already revoked":
        raise UsageError(f"invitation {args.reference} was already revoked")
    print(f"Revoked {args.reference}: its link no longer works and it is not counted as invited.")
    return 0


# ---- auditors & rates ------------------------------------------------------------------------------------------------


async def auditors_add(settings: Settings, args: argparse.Namespace) -> int:
    async with repository(settings) as repo:
        added = await repo.add_auditor(args.user_id, datetime.now(UTC))
    print(f"{args.user_id} {'is now an auditor' if added else 'was already an auditor'}.")
    return 0


async def auditors_remove(settings: Settings, args: argparse.Namespace) -> int:
    async with repository(settings) as repo:
        removed = await repo.remove_auditor(args.user_id)
    if not removed:
        hint = " (it comes from DATATOOL_AUDITOR_IDS: remove it there)" if args.user_id in settings.auditor_ids else ""
        raise UsageError(f"{args.user_id} is not in the auditors list{hint}")
    print(f"{args.user_id} is no longer an auditor.")
    return 0


async def auditors_list(settings: Settings, args: argparse.Namespace) -> int:
    async with repository(settings) as repo:
        stored = await repo.auditors()
    for user_id in sorted(set(stored) | settings.auditor_ids):
        source = "settings" if user_id in settings.auditor_ids else "added"
        print(f"{user_id}\t{source}")
    return 0


async def rates(settings: Settings, args: argparse.Namespace) -> int:
    today = datetime.now(settings.zone).date()
    async with repository(settings) as repo:
        if args.authority:
            campaigns = [await campaign_by_authority(repo, settings, args.authority)]
        else:
            campaigns = [c for c in await repo.campaigns() if c.status(today) == "open"]
            if not campaigns:
                print("No campaign is open. `datatool-bot campaign list` shows them all.")
                return 0
        tables = [RateTable.from_roles(c.authority, await repo.rates(c.id), c.targets) for c in campaigns]
    print("\n\n".join(format_text(t, details=True) for t in tables))
    return 0


async def report(settings: Settings, args: argparse.Namespace) -> int:
    """Write the full report for one council, or the national picture, into --out."""
    from bot.services import load_questionnaires
    from reports.html import write_national, write_report
    from reports.load import load_survey

    questionnaires = load_questionnaires()
    today = datetime.now(settings.zone).date()
    async with repository(settings) as repo:
        if args.national:
            campaigns = {}
            for c in await repo.campaigns():  # the latest campaign of each council
                campaigns.setdefault(c.authority, c)
            if not campaigns:
                raise UsageError("there are no campaigns yet: nothing to report")
            surveys = [await load_survey(repo.conn, c, questionnaires, interim=c.status(today) != "closed")
                       for c in campaigns.values()]
        else:
            campaign = await campaign_by_authority(repo, settings, args.authority)
            data = await load_survey(repo.conn, campaign, questionnaires, interim=campaign.status(today) != "closed")
    written = await asyncio.to_thread(write_national if args.national else write_report,
                                      surveys if args.national else data, args.out)
    for path in written:
        print(path)
    return 0


# ---- parser ----------------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="datatool-bot",
        description="Run the Wales Audit Office data tool as a Telegram bot: invite council officers and elected "
        "members, follow response rates, and compile the results.",
        epilog=EPILOG,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("run", help="run the bot (long polling) against the configured Bot API", epilog=EPILOG)

    demo = sub.add_parser("demo", help="run a complete simulated fieldwork offline, against a local Bot API emulator")
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="folder for the demo database and files")
    demo.add_argument("--seed", type=int, default=2019, help="random seed for the simulated respondents")

    campaign = sub.add_parser("campaign", help="create, list, update and close campaigns (fieldwork at one council)")
    csub = campaign.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = csub.add_parser("create", help="create a campaign and print its id",
                             description="Create a campaign (fieldwork at one council) and print its id.")
    create.add_argument("--authority", required=True, help='council name or any unambiguous part of it, e.g. "flint"')
    create.add_argument("--closes", required=True, type=parse_date, help="last day of fieldwork, YYYY-MM-DD")
    create.add_argument("--opens", type=parse_date, help="first day of fieldwork, YYYY-MM-DD (default: today)")
    create.add_argument("--target-officers", type=percentage, default=DEFAULT_TARGETS["officer"], metavar="PERCENT",
                        help="target response rate for officers (default 60)")
    create.add_argument("--target-members", type=percentage, default=DEFAULT_TARGETS["member"], metavar="PERCENT",
                        help="target response rate for elected members (default 50)")
    create.add_argument("--reminders", type=Path, metavar="FILE",
                        help="this campaign's reminder policy, a YAML file shaped like config/reminders.yaml "
                        "(default: DATATOOL_REMINDER_POLICY or config/reminders.yaml)")
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
        "create", help="create invitations: CSV reference,role,link and a QR code each",
        description="Create invitations. Writes CSV with the header reference,role,link (to --out or standard "
        "output) and, with --out, a QR code PNG per invitation for printed letters. Can be run again to add "
        "invitations to a running campaign.")
    icreate.add_argument("--campaign", required=True, type=positive_int, help="campaign id (from `campaign create`)")
    icreate.add_argument("--role", required=True, choices=ROLES, help="officer or member")
    icreate.add_argument("--count", required=True, type=positive_int, help="how many invitations")
    icreate.add_argument("--out", type=Path, help="CSV file to write (default: standard output)")
    icreate.add_argument("--qr-dir", type=Path, help="folder for QR codes (default: beside --out, <name>-qr/)")
    icreate.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    ilist = isub.add_parser("list", help="list a campaign's invitations and their status (no links)")
    ilist.add_argument("--campaign", required=True, type=positive_int, help="campaign id")
    ilist.add_argument("--role", choices=ROLES, help="only this role")
    ilist.add_argument("--status", choices=("not opened", "started", "submitted", "withdrawn", "revoked"),
                       help="only this status")
    revoke = isub.add_parser("revoke", help="stop an invitation's link from working")
    revoke.add_argument("reference", help="the invitation's reference, e.g. C1-M0007")

    auditors = sub.add_parser("auditors", help="who may use the auditor commands (by Telegram user id)")
    asub = auditors.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, text in (("add", "add an auditor"), ("remove", "remove an auditor")):
        p = asub.add_parser(name, help=text)
        p.add_argument("user_id", type=positive_int, help="numeric Telegram user id (not the @username)")
    asub.add_parser("list", help="list auditors")

    rates_parser = sub.add_parser("rates", help="response-rate table(s) in the terminal")
    rates_parser.add_argument("--authority", help="one council (any unambiguous part of its name); default: all open")
    report_parser = sub.add_parser(
        "report", help="write the maturity report, charts and exports",
        description="Write the maturity summary, the full HTML report in English and Cymraeg, charts, and CSV/XLSX "
        "exports of anonymised answers for one council (--authority), or the picture across all councils "
        "(--national). A campaign still open is labelled interim.")
    which = report_parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--authority", help="one council (any unambiguous part of its name)")
    which.add_argument("--national", action="store_true", help="every council's latest campaign")
    report_parser.add_argument("--out", type=Path, required=True, help="folder to write into (created if needed)")
    return parser


HANDLERS = {
    ("campaign", "create"): campaign_create,
    ("campaign", "list"): campaign_list,
    ("campaign", "update"): campaign_update,
    ("campaign", "close"): campaign_close,
    ("invites", "create"): invites_create,
    ("invites", "list"): invites_list,
    ("invites", "revoke"): invites_revoke,
    ("auditors", "add"): auditors_add,
    ("auditors", "remove"): auditors_remove,
    ("auditors", "list"): auditors_list,
    ("rates", None): rates,
    ("report", None): report,
}


def cmd_run(settings: Settings) -> int:
    from bot.app import run_polling

    settings.require_token()
    with talking_to_telegram(settings):
        try:
            run_polling(settings)
        except KeyboardInterrupt:  # Ctrl+C while still connecting (once running, PTB handles it and returns)
            return 130
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from bot.logs import setup_logging

    args = build_parser().parse_args(argv)
    # The demo prints its own story; the bot logs at INFO when it runs for real.
    setup_logging(logging.WARNING if args.command == "demo" else logging.INFO)
    try:
        if args.command == "demo":
            from bot.demo import run_demo

            return asyncio.run(run_demo(out=args.out, seed=args.seed))
        settings = load_settings()
        if args.command == "run":
            return cmd_run(settings)
        handler = HANDLERS[(args.command, getattr(args, "action", None))]
        return asyncio.run(handler(settings, args))
    except (SettingsError, DatabaseError, UsageError, ValueError) as exc:
        print(f"datatool-bot: {exc}", file=sys.stderr)
        return 2
    except TelegramUnavailable as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

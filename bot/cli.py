"""The ``datatool-bot`` command line: run the bot, manage campaigns and invitations, run the demo."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from config.settings import Settings, SettingsError, load_settings
from flows.tokens import hash_token, new_token
from storage.database import DatabaseError, connect
from storage.repositories import ROLES, CampaignRepository

log = logging.getLogger(__name__)

CSV_HEADER = ("reference", "role", "link")
MAX_INVITES_AT_ONCE = 5000


class UsageError(Exception):
    """Bad arguments: the message says what to do instead."""


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD, e.g. 2026-12-18") from None


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


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

    async with Bot(settings.require_token(), base_url=settings.telegram_base_url,
                   base_file_url=file_url(settings.telegram_base_url)) as bot:
        return bot.username


# ---- commands -----------------------------------------------------------------------------------------------------


async def campaign_create(settings: Settings, args: argparse.Namespace) -> int:
    opens = args.opens or datetime.now(settings.zone).date()
    if args.closes < opens:
        raise UsageError(f"--closes {args.closes} is before --opens {opens}: fieldwork must close after it opens")
    conn = await connect(settings.db_path)
    try:
        campaign_id = await CampaignRepository(conn).create_campaign(args.authority.strip(), opens, args.closes, datetime.now(UTC))
    finally:
        await conn.close()
    print(campaign_id)
    return 0


async def create_invitations(
    settings: Settings, campaign_id: int, role: str, count: int, username: str
) -> list[tuple[str, str, str]]:
    conn = await connect(settings.db_path)
    try:
        repo = CampaignRepository(conn)
        campaign = await repo.campaign(campaign_id)
        if campaign is None:
            raise UsageError(f"there is no campaign {campaign_id}: create one with `datatool-bot campaign create`")
        if campaign.closed_at is not None:
            raise UsageError(f"campaign {campaign_id} ({campaign.authority}) is closed: invitations cannot be added")
        tokens = [new_token() for _ in range(count)]
        created = await repo.add_invitations(
            campaign_id, role, count, tokens, [hash_token(t) for t in tokens], datetime.now(UTC)
        )
    finally:
        await conn.close()
    return [(inv.reference, inv.role, invite_link(username, inv.token)) for inv in created]


async def invites_create(settings: Settings, args: argparse.Namespace) -> int:
    if args.count > MAX_INVITES_AT_ONCE:
        raise UsageError(f"--count {args.count} is more than {MAX_INVITES_AT_ONCE} at once: run the command again")
    if args.out is not None and args.out.exists() and not args.force:
        raise UsageError(f"{args.out} already exists: choose another --out file, or add --force to overwrite it")
    username = await resolve_username(settings)
    rows = await create_invitations(settings, args.campaign, args.role, args.count, username)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(rows)
    if args.out is None:
        sys.stdout.write(buffer.getvalue())
    else:
        args.out.write_text(buffer.getvalue(), encoding="utf-8")
        print(f"wrote {len(rows)} {args.role} invitation(s) to {args.out}; the links are not stored anywhere else",
              file=sys.stderr)
    return 0


def cmd_run(settings: Settings) -> int:
    from bot.app import run_polling

    settings.require_token()
    log.info("starting datatool-bot (database %s, Bot API %s)", settings.db_path,
             "Telegram" if "api.telegram.org" in settings.telegram_base_url else "custom base URL")
    run_polling(settings)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return asyncio.run(run_demo(out=args.out, seed=args.seed))


# ---- parser -------------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="datatool-bot",
        description="Run the Wales Audit Office data tool as a Telegram bot. Settings come from DATATOOL_* "
        "environment variables or a .env file (see README).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("run", help="run the bot (long polling) against the configured Bot API")

    demo = sub.add_parser("demo", help="run a complete simulated fieldwork offline, against a local Bot API emulator")
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="folder for the demo database and files")
    demo.add_argument("--seed", type=int, default=2019, help="random seed for the simulated respondents")

    campaign = sub.add_parser("campaign", help="create campaigns (fieldwork at one council)")
    csub = campaign.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = csub.add_parser("create", help="create a campaign and print its id")
    create.add_argument("--authority", required=True, help='council name, e.g. "Flintshire County Council"')
    create.add_argument("--closes", required=True, type=parse_date, help="last day of fieldwork, YYYY-MM-DD")
    create.add_argument("--opens", type=parse_date, help="first day of fieldwork, YYYY-MM-DD (default: today)")

    invites = sub.add_parser("invites", help="create personal invitation links")
    isub = invites.add_subparsers(dest="action", required=True, metavar="ACTION")
    icreate = isub.add_parser("create", help="create invitations and write reference,role,link as CSV")
    icreate.add_argument("--campaign", required=True, type=positive_int, help="campaign id (from `campaign create`)")
    icreate.add_argument("--role", required=True, choices=ROLES, help="officer or member")
    icreate.add_argument("--count", required=True, type=positive_int, help="how many invitations")
    icreate.add_argument("--out", type=Path, help="CSV file to write (default: standard output)")
    icreate.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from bot.logs import setup_logging

    args = build_parser().parse_args(argv)
    # The demo prints its own story; the bot logs at INFO when it runs for real.
    setup_logging(logging.WARNING if args.command == "demo" else logging.INFO)
    try:
        if args.command == "demo":
            return cmd_demo(args)
        settings = load_settings()
        if args.command == "run":
            return cmd_run(settings)
        handler = {("campaign", "create"): campaign_create, ("invites", "create"): invites_create}[
            (args.command, args.action)
        ]
        return asyncio.run(handler(settings, args))
    except (SettingsError, DatabaseError, UsageError) as exc:
        print(f"datatool-bot: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

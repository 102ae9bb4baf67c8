"""The ``datatool-bot`` command line: run the bot, manage campaigns, invitations and auditors, see rates, demo.

An adapter only: each command parses its arguments, calls the use case (``flows.campaigns``, ``flows.auditors``,
``flows.completion``, wired in ``bot.services.admin_services``) and words the outcome for the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from bot import lifecycle_cli  # retention, backup, restore (issue 23 items 1 and 4)
from bot.access_cli import audit_log, auditors_add, auditors_list, auditors_remove
from bot.arguments import build_parser
from bot.health import status_command
from bot.invite_files import (
    CannotWrite,
    as_csv,
    default_qr_dir,
    writable_outputs,
    write_qr_codes,
)
from bot.services import admin_services, load_questionnaires
from bot.translations_cli import TranslationsError, welsh_gate  # operations and translation (issue 23)
from bot.translations_cli import export_command as translations_export
from bot.translations_cli import import_command as translations_import
from bot.translations_cli import status_command as translations_status
from bot.webhook import DEFAULT_LISTEN, WebhookError, run_webhook
from config.reminder_policy import load_reminder_policy
from config.settings import TELEGRAM_API, Settings, SettingsError, load_settings
from flows.access_log import INVITES_LIST, NATIONAL_REPORT, RATES, REPORT
from flows.campaigns import (
    YEARS_AHEAD,
    AlreadyRevoked,
    AmbiguousAuthority,
    CampaignClosed,
    CampaignError,
    ClosesBeforeOpens,
    ClosesBeforeToday,
    DateOutOfRange,
    NoAuthority,
    NoCampaignFor,
    UnknownCampaign,
    UnknownInvitation,
    check_dates,
)
from flows.model import MEMBER, OFFICER
from flows.rate_texts import format_text
from storage.backup import RunLock
from storage.database import DatabaseError

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
"""Every file the command line creates — the database and its -wal and -shm, the invitation CSV and QR codes,
reports, exports — is readable by its owner only (0600; folders 0700): links and answers are in them."""
MAX_INVITES_AT_ONCE = 5000


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
        "Telegram rejected the bot token: check DATATOOL_TELEGRAM_TOKEN and DATATOOL_TELEGRAM_BASE_URL", 2
    )


def telegram_unreachable(settings: Settings) -> TelegramUnavailable:
    """No answer at all: connection refused, no route, name not found, timed out."""
    url = urlsplit(settings.telegram_base_url)
    where = f"{url.hostname}:{url.port}" if url.port else str(url.hostname)  # never user:password@
    if settings.telegram_base_url == TELEGRAM_API:
        return TelegramUnavailable(f"Telegram cannot be reached at {where}: check the network connection", 1)
    return TelegramUnavailable(
        f"Telegram cannot be reached at {where}: check DATATOOL_TELEGRAM_BASE_URL and that "
        "the Bot API server there is running",
        1,
    )


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
        async with Bot(
            settings.require_token(),
            base_url=settings.telegram_base_url,
            base_file_url=file_url(settings.telegram_base_url),
        ) as bot:
            return bot.username


# ---- refusals, in the terminal's words --------------------------------------------------------------------------

Wording = dict[type[CampaignError], Callable[[Any], str]]
WORDING: Wording = {
    NoAuthority: lambda e: (
        f"no authority matches {e.query!r}: use part of a council's name (see `campaign list`), or "
        "add it to the authorities file (DATATOOL_AUTHORITIES)"
    ),
    AmbiguousAuthority: lambda e: (
        f"{e.query!r} matches {len(e.names)} authorities ({'; '.join(e.names)}): give more of the name"
    ),
    NoCampaignFor: lambda e: f"there is no campaign for {e.authority}: create one with `datatool-bot campaign create`",
    UnknownCampaign: lambda e: f"there is no campaign {e.campaign_id}: `datatool-bot campaign list` shows them",
    UnknownInvitation: lambda e: (
        f"there is no invitation {e.reference}: `datatool-bot invites list --campaign ID` shows them"
    ),
    AlreadyRevoked: lambda e: f"invitation {e.reference} was already revoked",
    DateOutOfRange: lambda e: date_out_of_range(e),
}


def date_out_of_range(e: DateOutOfRange) -> str:
    """``--opens``/``--closes`` outside what fieldwork can be (``flows.campaigns.check_dates``)."""
    if e.field == "closes" and e.too_early:
        return f"--closes {e.value} is in the past: fieldwork closes today ({e.earliest}) or later"
    if e.too_early:
        return f"--opens {e.value} is more than {YEARS_AHEAD} years ago: give a date from {e.earliest} (YYYY-MM-DD)"
    return f"--{e.field} {e.value} is more than {YEARS_AHEAD} years ahead: give a date up to {e.latest} (YYYY-MM-DD)"


@contextmanager
def refused(wording: Wording | None = None) -> Iterator[None]:
    """Turn a use case's refusal into a :class:`UsageError` saying what to do (``wording`` overrides per command)."""
    try:
        yield
    except CampaignError as exc:
        word = (wording or {}).get(type(exc)) or WORDING.get(type(exc))
        raise UsageError(word(exc) if word else str(exc)) from None


def today(settings: Settings) -> date:
    return datetime.now(settings.zone).date()


# ---- campaign ------------------------------------------------------------------------------------------------------


CREATE_WORDING: Wording = {
    ClosesBeforeOpens: lambda e: (
        f"--closes {e.closes_on} is before --opens {e.opens_on}: fieldwork must close after it opens"
    ),
}


async def campaign_create(settings: Settings, args: argparse.Namespace) -> int:
    opens = args.opens or today(settings)
    with refused(CREATE_WORDING):
        policy = load_reminder_policy(args.reminders) if args.reminders else None
        check_dates(opens, args.closes, today(settings))  # the use case checks them again; here before the database
        welsh = welsh_gate(settings, args.require_reviewed_welsh)  # refuses here if reviewed Welsh is required
        async with admin_services(settings) as admin:
            targets = {OFFICER: args.target_officers, MEMBER: args.target_members}
            campaign_id = await admin.campaigns.create(
                args.authority,
                opens,
                args.closes,
                targets,
                reminder_policy=policy.model_dump_json() if policy else None,
                round=args.round,
            )
            campaign = await admin.campaigns.campaign(campaign_id)
            kept = await lifecycle_cli.pin_retention(admin, campaign_id, args.retention_days)  # issue 23 item 1
    print(campaign_id)  # standard output carries the id alone, for scripts; the rest goes to standard error
    print(
        f"Campaign {campaign_id} ({campaign.authority}), round {campaign.round}: fieldwork "
        f"{campaign.opens_on.isoformat()} to {campaign.closes_on.isoformat()}; respondent-level data kept {kept} days "
        "after it closes.",
        file=sys.stderr,
    )
    if welsh:
        print(f"datatool-bot: {welsh}", file=sys.stderr)
    return 0


async def campaign_list(settings: Settings, args: argparse.Namespace) -> int:
    async with admin_services(settings) as admin:
        campaigns = await admin.campaigns.campaigns()
        if not campaigns:
            print(
                "No campaigns yet: create one with `datatool-bot campaign create --authority NAME --closes YYYY-MM-DD`"
            )
            return 0
        print(f"{'id':>3}  {'authority':<40} {'round':<8} {'opens':<10}  {'closes':<10}  {'status':<13} responded")
        for c in campaigns:
            table = await admin.campaigns.table(c)
            print(
                f"{c.id:>3}  {c.authority:<40} {c.round:<8} {c.opens_on.isoformat()}  {c.closes_on.isoformat()}  "
                f"{admin.campaigns.status(c):<13} {table.total.responded}/{table.total.invited}"
            )
    return 0


UPDATE_WORDING: Wording = {
    UnknownCampaign: lambda e: f"there is no campaign {e.campaign_id}",
    CampaignClosed: lambda e: (
        f"campaign {e.campaign.id} ({e.campaign.authority}) is closed and can no longer be changed"
    ),
    ClosesBeforeOpens: lambda e: f"the close date {e.closes_on} is before the open date {e.opens_on}",
    ClosesBeforeToday: lambda e: (
        f"--closes {e.closes_on} is before today ({e.today}), which would end fieldwork "
        f"without closing it: to close campaign {e.campaign.id} now, use `datatool-bot "
        f"campaign close {e.campaign.id}`"
    ),
}


async def campaign_update(settings: Settings, args: argparse.Namespace) -> int:
    targets = {
        role: value
        for role, value in ((OFFICER, args.target_officers), (MEMBER, args.target_members))
        if value is not None
    }
    if args.closes is None and not targets and args.reminders is None and args.retention_days is None:
        raise UsageError(
            "nothing to change: give --closes, --target-officers, --target-members, --reminders or --retention-days"
        )
    if args.retention_days is not None:  # issue 23 item 1: also once fieldwork has closed
        print(await lifecycle_cli.update_retention(settings, args.campaign, args.retention_days))
        if args.closes is None and not targets and args.reminders is None:
            return 0
    policy = load_reminder_policy(args.reminders) if args.reminders else None
    with refused(UPDATE_WORDING):
        async with admin_services(settings) as admin:
            campaign = await admin.campaigns.update(
                args.campaign,
                closes_on=args.closes,
                targets=targets,
                reminder_policy=policy.model_dump_json() if policy else None,
            )
    print(
        f"Campaign {campaign.id} ({campaign.authority}), round {campaign.round}: closes "
        f"{campaign.closes_on.isoformat()}, targets officers "
        f"{campaign.targets[OFFICER]:.0%}, members {campaign.targets[MEMBER]:.0%}."
    )
    return 0


async def campaign_close(settings: Settings, args: argparse.Namespace) -> int:
    wording: Wording = {
        CampaignClosed: lambda e: f"campaign {e.campaign.id} ({e.campaign.authority}) is already closed"
    }
    with refused(wording):
        async with admin_services(settings) as admin:
            campaign = await admin.campaigns.close(args.campaign)
    print(f"Closed fieldwork for campaign {campaign.id} ({campaign.authority}).")
    return 0


# ---- invites ---------------------------------------------------------------------------------------------------------


INVITE_WORDING: Wording = {
    UnknownCampaign: lambda e: f"there is no campaign {e.campaign_id}: create one with `datatool-bot campaign create`",
    CampaignClosed: lambda e: (
        f"campaign {e.campaign.id} ({e.campaign.authority}) is closed: invitations cannot be added"
    ),
}


async def create_invitations(
    settings: Settings, campaign_id: int, role: str, count: int, username: str
) -> list[tuple[str, str, str]]:
    """(reference, role, link) of ``count`` new invitations: the only time the links exist."""
    with refused(INVITE_WORDING):
        async with admin_services(settings) as admin:
            issued = await admin.campaigns.issue_invitations(campaign_id, role, count, username)
    return [(i.reference, i.role, i.link) for i in issued]


async def invites_create(settings: Settings, args: argparse.Namespace) -> int:
    if args.count > MAX_INVITES_AT_ONCE:
        raise UsageError(f"--count {args.count} is more than {MAX_INVITES_AT_ONCE} at once: run the command again")
    if args.out is not None and args.out.is_dir():
        raise UsageError(f"--out {args.out} is a folder: give a file name, e.g. {args.out / 'invitations.csv'}")
    if args.out is not None and args.out.exists() and not args.force:
        raise UsageError(f"{args.out} already exists: choose another --out file, or add --force to overwrite it")
    if args.qr_dir is not None and args.out is None:
        raise UsageError("--qr-dir needs --out too: the CSV is what tells you which QR code belongs to whom")
    username = await resolve_username(settings)
    if args.out is None:
        sys.stdout.write(as_csv(await create_invitations(settings, args.campaign, args.role, args.count, username)))
        return 0
    qr_dir = args.qr_dir or default_qr_dir(args.out)
    with writable_outputs(args.out, qr_dir, "--qr-dir" if args.qr_dir else "the QR folder") as put_csv_in_place:
        rows = await create_invitations(settings, args.campaign, args.role, args.count, username)
        put_csv_in_place(as_csv(rows))  # first: the links are safe once the CSV is written
    try:
        write_qr_codes(rows, qr_dir)
    except OSError as exc:
        print(
            f"datatool-bot: wrote {len(rows)} {args.role} invitation(s) to {args.out}, but not all of their QR "
            f"codes to {qr_dir}/: {exc.strerror or type(exc).__name__}",
            file=sys.stderr,
        )
        return 1
    print(
        f"wrote {len(rows)} {args.role} invitation(s) to {args.out} and QR codes to {qr_dir}/; the links are not "
        "stored anywhere else, so keep these files safe",
        file=sys.stderr,
    )
    return 0


async def invites_list(settings: Settings, args: argparse.Namespace) -> int:
    with refused():
        async with admin_services(settings) as admin:
            found = await admin.campaigns.invitations(args.campaign, args.role, args.status)
            await admin.access.record(INVITES_LIST, campaign_id=args.campaign, detail=f"{len(found)} invitation(s)")
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(("reference", "role", "status"))
    writer.writerows((i.reference, i.role, i.status) for i in found)
    return 0


async def invites_revoke(settings: Settings, args: argparse.Namespace) -> int:
    with refused():
        async with admin_services(settings) as admin:
            await admin.campaigns.revoke(args.reference)
    print(f"Revoked {args.reference}: its link no longer works and it is not counted as invited.")
    return 0


# ---- rates and reports (auditors and the access log: bot/access_cli.py) ------------------------------------------


async def rates(settings: Settings, args: argparse.Namespace) -> int:
    async with admin_services(settings) as admin:
        if args.authority:
            with refused():
                campaigns = [await admin.campaigns.campaign_for(args.authority)]
        else:
            campaigns = await admin.campaigns.open_campaigns()
            if not campaigns:
                print("No campaign is open. `datatool-bot campaign list` shows them all.")
                return 0
        tables = [await admin.campaigns.table(c) for c in campaigns]
        await admin.access.record_each(RATES, [c.id for c in campaigns])
    print("\n\n".join(format_text(t, details=True) for t in tables))
    return 0


async def report(settings: Settings, args: argparse.Namespace) -> int:
    """Write the full report for one council, or the national picture, into --out."""
    questionnaires = load_questionnaires()
    async with admin_services(settings) as admin:
        completion = admin.completion(questionnaires)
        if args.national:
            latest = await admin.campaigns.latest_per_authority()
            await admin.access.record_each(NATIONAL_REPORT, [c.id for c in latest], detail=f"to {args.out}")
            written = await completion.national(args.out)
            if written is None:
                raise UsageError("there are no campaigns yet: nothing to report")
        else:
            with refused():
                campaign = await admin.campaigns.campaign_for(args.authority)
            await admin.access.record(REPORT, campaign_id=campaign.id, detail=f"to {args.out}")
            written = await completion.report(campaign, args.out)
    for path in written:
        print(path)
    return 0


# ---- parser ----------------------------------------------------------------------------------------------------------


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
    # ---- access (issue 23 items 2 and 3: bot/access_cli.py) ----
    ("audit-log", None): audit_log,
    # ---- lifecycle (issue 23 items 1 and 4: bot/lifecycle_cli.py) ----
    **lifecycle_cli.HANDLERS,
}
# ---- operations and translation (issue 23 items 5 and 6: bot/health.py, bot/translations_cli.py) ----
HANDLERS |= {
    ("status", None): status_command,
    ("translations", "export"): translations_export,
    ("translations", "import"): translations_import,
    ("translations", "status"): translations_status,
}


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    settings.require_token()
    if args.webhook_url is None and args.listen is not None:
        raise UsageError("--listen is for webhook mode: give --webhook-url too, or leave --listen out to poll")
    if args.require_reviewed_welsh or settings.require_reviewed_welsh:
        welsh_gate(settings, require=True)  # the warning alone is logged once the bot has connected
    with talking_to_telegram(settings), RunLock(settings.db_path).held("cannot start"):  # restore waits (issue 23)
        try:
            if args.webhook_url is None:
                from bot.app import run_polling

                run_polling(settings)
            else:
                run_webhook(settings, args.webhook_url, args.listen or DEFAULT_LISTEN)
        except KeyboardInterrupt:  # Ctrl+C while still connecting (once running, PTB handles it and returns)
            return 130
        except WebhookError as exc:
            print(f"datatool-bot: {exc}", file=sys.stderr)
            return exc.exit_code
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    previous = os.umask(PRIVATE_UMASK)  # for every file created from here on, by this process and its threads
    try:
        return run_command(argv)
    finally:
        os.umask(previous)  # for the caller when called in-process (tests); a process ends here anyway


def run_command(argv: Sequence[str] | None) -> int:
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
            return cmd_run(settings, args)
        handler = HANDLERS[(args.command, getattr(args, "action", None))]
        return asyncio.run(handler(settings, args))
    except (SettingsError, DatabaseError, UsageError, CampaignError, CannotWrite, ValueError, TranslationsError) as exc:
        print(f"datatool-bot: {exc}", file=sys.stderr)
        return 2
    except TelegramUnavailable as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # a file or folder that cannot be read or written: where, and why
        where = f" {exc.filename}" if exc.filename else ""
        print(f"datatool-bot: cannot use{where}: {exc.strerror or type(exc).__name__}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

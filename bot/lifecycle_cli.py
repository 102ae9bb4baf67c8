"""The command line's lifecycle commands (issue 23, items 1 and 4): ``retention``, ``backup --out FILE``,
``restore FILE``, and ``--retention-days`` on ``campaign create`` and ``campaign update``.

An adapter only: the rules are in ``flows/retention.py`` and ``flows/backups.py``, the SQL and the files in
``storage/retention.py`` and ``storage/backup.py``; this words the outcome for the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.jobs_lifecycle import ledger
from bot.services import admin_services, load_questionnaires
from config.settings import Settings
from flows.backups import NotRestorable
from flows.retention import (
    DUE,
    MAX_DAYS,
    MIN_DAYS,
    OPEN,
    PURGED,
    PURGING,
    WARNED,
    AlreadyPurged,
    LongerAfterNotice,
    Plan,
    counts_in_words,
    local_date,
    warning_from,
)
from storage.backup import backup_database, restore_database
from storage.erasures import LedgerDamaged

if TYPE_CHECKING:
    from bot.services import AdminServices


class LifecycleError(ValueError):
    """A lifecycle command refused; ``str()`` is the one line to print (exit code 2)."""


# ---- arguments ---------------------------------------------------------------------------------------------------


def retention_days(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not MIN_DAYS <= int(text) <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days from {MIN_DAYS} to {MAX_DAYS}, e.g. 365")
    return int(text)


def add_retention_option(create: argparse.ArgumentParser, update: argparse.ArgumentParser) -> None:
    create.add_argument(
        "--retention-days",
        type=retention_days,
        metavar="DAYS",
        help="days the respondent-level data is kept after fieldwork closes, then erased; the privacy "
        "notice states it (default: DATATOOL_RETENTION_DAYS, 365)",
    )
    update.add_argument(
        "--retention-days",
        type=retention_days,
        metavar="DAYS",
        help="change how long the respondent-level data is kept after fieldwork closes: shorter at "
        "any time, longer only while no respondent has read the privacy notice, which stated it",
    )


def add_lifecycle_arguments(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sub.add_parser(
        "retention",
        help="each campaign's retention: when its respondent-level data is erased, and what goes",
        description="List every campaign's retention: the period, the date its respondent-level data is erased (counted "
        "from the close of fieldwork), what goes (invitations with their hashes and references, Telegram identities, "
        "answers and free text, the respondent-level exports) and what is kept. The running bot erases it on that "
        "date, after warning the auditors in chat.",
    )
    backup = sub.add_parser(
        "backup",
        help="a consistent, checked copy of the database, taken while the bot runs",
        description="Copy the database with SQLite's online backup API (safe while `datatool-bot run` is writing), "
        "check the copy (integrity check) and write it readable by its owner only. The running bot also takes a "
        "backup every night (DATATOOL_BACKUP_DIR, DATATOOL_BACKUPS_KEPT).",
    )
    backup.add_argument("--out", type=Path, required=True, metavar="FILE", help="the backup file to write")
    backup.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    restore = sub.add_parser(
        "restore",
        help="replace the database with a backup (stop the bot first)",
        description="Replace the database with a backup: the copy is checked (integrity, a datatool-bot database, a "
        "schema this release knows; an older one is migrated), every erasure recorded since (withdrawals, purges) "
        "is applied to it again, and the current database is kept aside as <database>.before-restore-<time>. Stop "
        "`datatool-bot run` first; start it again afterwards.",
    )
    restore.add_argument("file", type=Path, metavar="FILE", help="the backup to restore")


# ---- campaign create / update --------------------------------------------------------------------------------------


async def pin_retention(admin: AdminServices, campaign_id: int, days: int | None) -> int:
    """At ``campaign create``: record the campaign's period (``--retention-days``, else the configured one), so that
    changing the setting later does not change what its respondents were told."""
    service = admin.retention()
    chosen = days or admin.settings.retention_days
    await service.set_days(campaign_id, chosen)
    return chosen


async def update_retention(settings: Settings, campaign_id: int, days: int) -> str:
    """``campaign update ID --retention-days N``: the line to print."""
    async with admin_services(settings) as admin:
        service = admin.retention()
        try:
            plan = await service.set_days(campaign_id, days)
        except LookupError:
            raise LifecycleError(
                f"there is no campaign {campaign_id}: `datatool-bot campaign list` shows them"
            ) from None
        except AlreadyPurged as exc:
            raise LifecycleError(
                f"campaign {campaign_id}'s respondent-level data was already erased "
                f"({exc.erased_at[:10]}): there is nothing left to keep"
            ) from None
        except LongerAfterNotice as exc:
            raise LifecycleError(
                f"campaign {campaign_id}'s respondents were told in the privacy notice that their data is kept "
                f"{exc.current} days after fieldwork closes: it can be shortened, never lengthened beyond that"
            ) from None
    line = f"Campaign {campaign_id}: respondent-level data kept {plan.days} days after fieldwork closes ({_until(plan, settings)})."
    if plan.state == DUE:
        line += " That is past: the running bot erases it at its next check, within ten minutes, without a warning."
    return line


def _until(plan: Plan, settings: Settings) -> str:
    if plan.expires_at is None:
        assert plan.earliest is not None
        return f"until {plan.earliest.isoformat()} at the earliest, as fieldwork is still open"
    return f"until {_moment(plan.expires_at, settings)}"


def _moment(moment: datetime, settings: Settings) -> str:
    return f"{moment.astimezone(settings.zone):%Y-%m-%d %H:%M} {settings.timezone}"


# ---- retention -------------------------------------------------------------------------------------------------------


async def retention(settings: Settings, args: argparse.Namespace) -> int:
    async with admin_services(settings) as admin:
        service = admin.retention(load_questionnaires())
        plans = await service.plans()
    print(
        f"Respondent-level data is kept {settings.retention_days} days after fieldwork closes unless a campaign says "
        f"otherwise (DATATOOL_RETENTION_DAYS); auditors are warned {settings.retention_warning_days} days before "
        f"(DATATOOL_RETENTION_WARNING_DAYS); the compiled reports are "
        f"{'kept' if settings.retention_keep_reports else 'removed too'} (DATATOOL_RETENTION_KEEP_REPORTS)."
    )
    if not plans:
        print("No campaigns yet.")
        return 0
    for plan in plans:
        print()
        print("\n".join(describe(plan, settings)))
    return 0


def describe(plan: Plan, settings: Settings) -> list[str]:
    c = plan.campaign
    period = f"{plan.days} days ({'its own' if plan.own_period else 'the configured period'})"
    head = f"campaign {c.id}  {c.authority}, round {c.round}"
    files = f"{len(plan.files)} respondent-level file(s)" + (f": {', '.join(plan.files)}" if plan.files else "")
    reports = f"{len(plan.reports)} compiled report file(s) (summary, reports, charts, aggregate tables)"
    if plan.state in (PURGED, PURGING) and plan.purge is not None:
        when = (plan.purge.erased_at or plan.purge.claimed_at)[:10]
        done = "erased" if plan.state == PURGED else "being erased (claimed; finished by the running bot)"
        lines = [f"{head}: {done} {when}, {period} after fieldwork closed"]
        if plan.purge.erased is not None:
            lines.append(f"  went:  {counts_in_words(plan.purge.erased)}; {plan.purge.files or 0} file(s)")
        lines.append(f"  left:  {reports}" if plan.keep_reports else "  left:  nothing (the reports were removed too)")
        return lines
    if plan.state == OPEN:
        assert plan.earliest is not None
        status = (
            f"fieldwork open (closes {c.closes_on.isoformat()}): kept {period}, until {plan.earliest} at the earliest"
        )
    else:
        assert plan.expires_at is not None
        closed = datetime.fromisoformat(c.closed_at or "")
        status = (
            f"fieldwork closed {_moment(closed, settings)}: kept {period}, erased {_moment(plan.expires_at, settings)}"
        )
        if plan.state == DUE:
            status += " (due: the running bot erases it at its next check)"
        elif plan.state == WARNED:
            status += " (auditors warned)"
        elif (start := warning_from(plan.expires_at, settings.retention_warning_days)) is not None:
            status += f" (auditors warned from {local_date(start, settings.zone)})"
    return [
        f"{head}: {status}",
        f"  goes:  {counts_in_words(plan.holding)}; {files}",
        f"  kept:  {reports}" if plan.keep_reports else f"  goes too: {reports}",
    ]


# ---- backup and restore ------------------------------------------------------------------------------------------


async def backup(settings: Settings, args: argparse.Namespace) -> int:
    out: Path = args.out
    if out.is_dir():
        raise LifecycleError(f"--out {out} is a folder: give a file name, e.g. {out / 'datatool-backup.db'}")
    if not out.parent.is_dir():
        raise LifecycleError(f"--out {out}: folder {out.parent} does not exist")
    if out.exists() and not args.force:
        raise LifecycleError(f"{out} already exists: choose another --out file, or add --force to overwrite it")
    info = await asyncio.to_thread(backup_database, settings.db_path, out)
    print(
        f"Backed up {settings.db_path} to {out}: {info.size} bytes, schema version {info.schema_version}, integrity "
        "check ok, readable by its owner only."
    )
    print(
        f"Keep the erasure ledger with your backups: {settings.erasure_ledger_path} (the nightly backups in "
        f"{settings.backup_folder} carry a copy)."
    )
    return 0


async def restore(settings: Settings, args: argparse.Namespace) -> int:
    try:
        restored = await restore_database(args.file, settings.db_path, ledger(settings), datetime.now(UTC))
    except (NotRestorable, LedgerDamaged) as exc:
        raise LifecycleError(str(exc)) from None
    version = restored.info.schema_version
    migrated = f", migrated to {restored.schema_version}" if restored.schema_version != version else ""
    print(f"Restored {args.file} (schema version {version}{migrated}) as {settings.db_path}.")
    if restored.aside is not None:
        print(f"The database it replaced is kept as {restored.aside}: delete it once you are sure.")
    applied = restored.reapplied
    print(
        f"Erasures recorded since the backup, applied again: {applied.withdrawals} withdrawal(s), "
        f"{len(applied.purges)} purge(s)"
        + (f" ({restored.merged} taken from the backup folder's copy of the ledger)" if restored.merged else "")
        + "."
    )
    print("Start the bot again: datatool-bot run")
    return 0


HANDLERS = {
    ("retention", None): retention,
    ("backup", None): backup,
    ("restore", None): restore,
}

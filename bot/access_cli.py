"""The command line's access commands: ``auditors add ID [--authority NAME ...]``, ``auditors remove ID``,
``auditors list``, and ``audit-log [--campaign ID] [--since DATE] [--verify]``.

Adapters only, like ``bot/cli.py`` (which dispatches to them): the use cases are ``flows.auditors.Auditors`` and
``flows.access_log.AccessLog``, wired by ``bot.services.admin_services``, whose access log writes as "command line"
with the operating-system user.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time

from bot.services import admin_services
from config.settings import Settings
from flows.auditors import describe
from flows.campaigns import AmbiguousAuthority, NoAuthority
from flows.ports.access_log import COLUMNS


class Refused(ValueError):
    """Bad arguments for an access command: the message says what to do instead (exit code 2)."""


@contextmanager
def councils_named() -> Iterator[None]:
    """A council that ``--authority`` does not name, in the terminal's words."""
    try:
        yield
    except NoAuthority as e:
        raise Refused(
            f"--authority {e.query!r} matches no council: use part of a council's name (see `campaign list`)"
        ) from None
    except AmbiguousAuthority as e:
        raise Refused(
            f"--authority {e.query!r} matches {len(e.names)} councils ({'; '.join(e.names)}): give more of the name"
        ) from None


async def auditors_add(settings: Settings, args: argparse.Namespace) -> int:
    async with admin_services(settings) as admin:
        with councils_named():
            names = [await admin.campaigns.find_authority(query) for query in args.authority or ()]
        try:
            added = await admin.auditors.add(args.user_id, names, log=admin.access)
        except ValueError as exc:  # an id from DATATOOL_AUDITOR_IDS, which sees every council
            raise Refused(str(exc)) from None
        scope = describe(await admin.auditors.scope(args.user_id))
    print(f"{args.user_id} {'is now an auditor' if added else 'was already an auditor, and now sees'}: {scope}.")
    return 0


async def auditors_remove(settings: Settings, args: argparse.Namespace) -> int:
    async with admin_services(settings) as admin:
        removed = await admin.auditors.remove(args.user_id, log=admin.access)
    if not removed:
        hint = " (it comes from DATATOOL_AUDITOR_IDS: remove it there)" if args.user_id in settings.auditor_ids else ""
        raise Refused(f"{args.user_id} is not in the auditors list{hint}")
    print(f"{args.user_id} is no longer an auditor.")
    return 0


async def auditors_list(settings: Settings, args: argparse.Namespace) -> int:
    """One line per auditor: the id, where it comes from (settings or added), the councils it sees."""
    async with admin_services(settings) as admin:
        listed = [
            (user_id, source, describe(await admin.auditors.scope(user_id)))
            for user_id, source in await admin.auditors.listing()
        ]
    for user_id, source, scope in listed:
        print(f"{user_id}\t{source}\t{scope}")
    return 0


async def audit_log(settings: Settings, args: argparse.Namespace) -> int:
    """The access log as CSV on standard output (one campaign's entries, those since a day, or all); with
    ``--verify``, the whole chain checked and the verdict on standard error: exit code 1 at the first entry that
    does not hold."""
    since = None if args.since is None else datetime.combine(args.since, time(0), settings.zone)
    async with admin_services(settings) as admin:
        entries = await admin.access.entries(args.campaign, since)
        verdict = await admin.access.verify() if args.verify else None
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(("" if value is None else value for value in entry.row()) for entry in entries)
    if verdict is None:
        return 0
    if not verdict.intact:
        print(f"datatool-bot: the access log does not verify: {verdict.reason}", file=sys.stderr)
        return 1
    print(
        f"access log verified: {verdict.entries} entries, chain intact; last hash {verdict.last_hash} (keep it "
        "elsewhere: a later check that ends on a different hash, or fewer entries, shows the newest were removed)",
        file=sys.stderr,
    )
    return 0

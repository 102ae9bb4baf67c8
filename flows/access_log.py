"""The access log: who received what, append-only and tamper-evident (issue 23, item 2).

Every release of data is written here before it goes out: /rates, /campaigns, /nonstarters and /summary in chat,
the daily digest, each item of the final report posted or re-sent (logged in the same transaction that records the
posting), the results sent back to respondents (by campaign and count), and the command line's ``report``, ``rates``
and ``invites list``; so are auditors added or removed, and erasures (withdrawals and purges, by campaign and count,
never by person).  An entry says when, to whom (an auditor's Telegram id, the auditors' group chat, or "command line"
with the operating-system user), what, and which campaign and council.  It never holds respondent data: no answers,
no invitation references, no respondent's Telegram id.

Each entry carries the hash of the one before it and its own hash over its fields and that link (SHA-256), so an
entry changed or removed after it was written breaks the chain from there on (``verify``; ``datatool-bot audit-log
--verify``).  Removing the newest entries leaves a shorter chain that still verifies: ``verify`` reports the count
and the last hash, to be kept elsewhere and compared.

Pure: time from the ``Clock`` port, storage through ``AccessLogStore`` (``storage.access_log``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from flows.ports.access_log import AccessLogStore, Entry, Release
from flows.ports.clock import Clock

GENESIS = "0" * 64
"""What the first entry links to."""
COMMAND_LINE = "command line"
A_RESPONDENT = "a respondent"
"""Who a withdrawal is recorded as: never which respondent."""
RESPONDENTS = "respondents"
"""Who the results sent back are recorded as going to: never which ones."""
SCHEDULE = "schedule"
"""Who a purge the bot runs on its own is recorded as (the retention job)."""

# What was released or done (``Release.what``).
RATES, CAMPAIGNS, NONSTARTERS, DIGEST = "rates", "campaigns", "nonstarters", "digest"
INTERIM_SUMMARY = "interim summary"
POSTED, RESENT, RESULTS = "posted", "resent", "results to respondents"
REPORT, NATIONAL_REPORT, INVITES_LIST = "report", "national report", "invites list"
AUDITOR_ADDED, AUDITOR_REMOVED = "auditor added", "auditor removed"
WITHDRAWAL, PURGE = "withdrawal", "purge"


def auditor(user_id: int) -> str:
    return f"auditor {user_id}"


def chat(chat_id: int) -> str:
    """Who a chat is in the log: an auditor's private chat (its id is the auditor's), or a group (negative ids)."""
    return f"auditors' chat {chat_id}" if chat_id < 0 else auditor(chat_id)


def moment(at: datetime) -> str:
    """How a time is written in the log (and hashed): ISO-8601 UTC to the second."""
    if at.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC datetime")
    return at.astimezone(UTC).isoformat(timespec="seconds")


def entry_hash(seq: int, release: Release, prev_hash: str) -> str:
    """SHA-256 over the entry's fields and the hash of the entry before it, in a fixed canonical form."""
    body = [
        seq,
        release.at,
        release.who,
        release.os_user,
        release.what,
        release.campaign_id,
        release.authority,
        release.detail,
        prev_hash,
    ]
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()


def chain(release: Release, previous: Entry | None) -> Entry:
    """The entry that follows ``previous`` (None: the first)."""
    seq = 1 if previous is None else previous.seq + 1
    prev_hash = GENESIS if previous is None else previous.hash
    return Entry(
        seq,
        release.at,
        release.who,
        release.os_user,
        release.what,
        release.campaign_id,
        release.authority,
        release.detail,
        prev_hash,
        entry_hash(seq, release, prev_hash),
    )


@dataclass(frozen=True)
class Verdict:
    entries: int
    last_hash: str
    broken_at: int | None = None
    """The first entry that does not hold, or None: the chain is intact."""
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(entries: Iterable[Entry]) -> Verdict:
    """Walk the chain in order: each entry's number follows the one before, its link is that entry's hash, and its own
    hash matches its fields.  The first that does not is reported, with why."""
    previous: Entry | None = None
    count = 0
    for entry in entries:
        count += 1
        expected_seq = 1 if previous is None else previous.seq + 1
        expected_link = GENESIS if previous is None else previous.hash
        release = entry.fields()
        if entry.seq != expected_seq:
            return Verdict(
                count,
                expected_link,
                entry.seq,
                f"entry {expected_seq} is missing: entry {entry.seq} follows entry {expected_seq - 1}",
            )
        if entry.prev_hash != expected_link:
            return Verdict(
                count,
                expected_link,
                entry.seq,
                f"entry {entry.seq} does not link to the entry before it: an entry was changed, removed or inserted",
            )
        if entry_hash(entry.seq, release, entry.prev_hash) != entry.hash:
            return Verdict(
                count,
                expected_link,
                entry.seq,
                f"entry {entry.seq} was changed after it was written: its hash does not match its fields",
            )
        previous = entry
    return Verdict(count, GENESIS if previous is None else previous.hash)


# ---- the port and the use cases --------------------------------------------------------------------------------------


class AccessLog:
    """Recording releases, and reading the log back.  ``who`` and ``os_user`` are the defaults of this process's
    entries: the command line passes ``COMMAND_LINE`` and the operating-system user; the bot names each recipient."""

    def __init__(self, store: AccessLogStore, clock: Clock, *, who: str = "", os_user: str = ""):
        self.store = store
        self.clock = clock
        self.who = who
        self.os_user = os_user

    def release(
        self,
        what: str,
        *,
        who: str | None = None,
        campaign_id: int | None = None,
        authority: str | None = None,
        detail: str = "",
    ) -> Release:
        """An entry stamped now, for a store to write inside its own transaction (a posting's claim)."""
        who = who or self.who
        if not who:
            raise ValueError("an access log entry needs to say who received the data")
        return Release(moment(self.clock.now()), who, what, campaign_id, authority, detail, self.os_user)

    async def record(
        self,
        what: str,
        *,
        who: str | None = None,
        campaign_id: int | None = None,
        authority: str | None = None,
        detail: str = "",
    ) -> Entry:
        """Write one entry now (before the data goes out).  ``authority`` is filled in from the campaign when not
        given.  A store that cannot write raises, and the release does not happen."""
        return await self.store.append(
            self.release(what, who=who, campaign_id=campaign_id, authority=authority, detail=detail)
        )

    async def record_each(
        self, what: str, campaign_ids: Sequence[int], *, who: str | None = None, detail: str = ""
    ) -> None:
        """One entry per campaign whose data goes out together (a digest, /rates of every open campaign)."""
        for campaign_id in campaign_ids:
            await self.record(what, who=who, campaign_id=campaign_id, detail=detail)

    async def withdrawal(self, counts: dict[int, int]) -> None:
        """A respondent withdrew: per campaign, how many invitations were erased; never who."""
        for campaign_id, count in sorted(counts.items()):
            await self.record(
                WITHDRAWAL,
                who=A_RESPONDENT,
                campaign_id=campaign_id,
                detail=f"{count} invitation(s): answers and Telegram identity erased",
            )

    async def results(self, counts: dict[int, int]) -> None:
        """The council's summary about to go to the respondents who asked for it: per campaign, how many; never who."""
        for campaign_id, count in sorted(counts.items()):
            await self.record(
                RESULTS,
                who=RESPONDENTS,
                campaign_id=campaign_id,
                detail=f"summary to {count} respondent(s) who asked for it",
            )

    async def purge(self, campaign_id: int, detail: str, *, who: str | None = None) -> Entry:
        """A campaign's respondent-level data erased at the end of its retention period (``detail``: what went and
        how much, in counts only); by this process's ``who`` (the command line), else by the schedule."""
        return await self.record(PURGE, who=who or self.who or SCHEDULE, campaign_id=campaign_id, detail=detail)

    async def entries(self, campaign_id: int | None = None, since: datetime | None = None) -> list[Entry]:
        return await self.store.entries(campaign_id, None if since is None else moment(since))

    async def verify(self) -> Verdict:
        """The whole chain checked, whatever is printed."""
        return verify(await self.store.entries())

"""Fieldwork completion: noticing it, compiling the maturity summary, and recording what was posted to whom.

Fieldwork completes when the close date passes, when every invitation is submitted, or when an auditor closes it.
The posting loop (``flows/completion.py``, driven by the job in ``bot/handlers.py``) then posts the summary message,
the charts and the report documents to the auditors; this module is its store (``PostingStore``): each
(campaign, chat, item) is claimed here as ``sending`` in a committed transaction before it goes out and settled
after, so a restart posts whatever is missing and never repeats what may have gone out.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosqlite

from flows.completion import MAX_ATTEMPTS, SUMMARY, Bundle, Item, Posting
from flows.model import Questionnaire
from flows.ports import Clock
from reports.html import write_report
from reports.load import load_survey
from reports.scoring import score
from reports.summary import render_summary
from storage.repositories import Campaign, CampaignRepository, iso, transaction, write

__all__ = ["CHART_LANGUAGE", "DOCUMENTS", "SUMMARY", "Bundle", "CompletionService", "Item", "slug"]

log = logging.getLogger(__name__)

# Documents posted after the summary and the charts, in this order (files written by reports.html.write_report).
DOCUMENTS = ("report-en.html", "report-cy.html", "answers.xlsx", "answers.csv", "questions.csv")
CHART_LANGUAGE = "en"
# Words that never tell one council from another, so never offered as its short name in a command.
GENERIC_WORDS = frozenset({"council", "county", "borough", "city", "of", "and", "the", "cyngor", "sir", "sirol",
                           "bwrdeistref"})


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class CompletionService:
    def __init__(self, conn: aiosqlite.Connection, clock: Clock, zone: ZoneInfo,
                 questionnaires: dict[str, Questionnaire], out_root: Path):
        self.conn = conn
        self.repo = CampaignRepository(conn)
        self.clock = clock
        self.zone = zone
        self.questionnaires = questionnaires
        self.out_root = out_root
        self._bundles: dict[int, Bundle] = {}
        self._compiling = asyncio.Lock()  # the closing auditor's posting and the minute's tick may ask at once

    def today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    async def close_completed(self) -> list[Campaign]:
        """Close campaigns whose close date has passed, or where everyone invited has submitted."""
        closed = []
        today = self.today()
        for campaign in await self.repo.campaigns():
            if campaign.closed_at is not None or today < campaign.opens_on:
                continue
            rates = await self.repo.rates(campaign.id)
            invited = sum(r.invited for r in rates)
            if today > campaign.closes_on:
                reason = "date"
            elif invited and sum(r.responded for r in rates) == invited:
                reason = "complete"
            else:
                continue
            if await self.repo.close_campaign(campaign.id, reason, self.clock.now()):
                log.info("campaign %s closed (%s)", campaign.id, reason)
                closed.append(campaign)
        return closed

    async def awaiting_post(self) -> list[int]:
        async with self.conn.execute(
            "SELECT id FROM campaigns WHERE closed_at IS NOT NULL AND summary_posted_at IS NULL ORDER BY id"
        ) as cur:
            return [row[0] async for row in cur]

    async def handle(self, authority: str) -> str:
        """A short word naming the council unambiguously in a command ("flint"), else its whole name."""
        for word in re.findall(r"[^\W\d_][\w'-]*", authority):
            if word.casefold() not in GENERIC_WORDS and await self.repo.find_authorities(word) == [authority]:
                return word.lower()
        return authority

    async def compile(self, campaign: Campaign, *, interim: bool) -> Bundle:
        """Write the report files for a campaign and list what to post (the summary first)."""
        data = await load_survey(self.conn, campaign, self.questionnaires, interim=interim)
        folder = self.folder(campaign, interim=interim)
        # matplotlib and the templates are CPU work: keep the event loop answering respondents meanwhile.
        files = await asyncio.to_thread(write_report, data, folder)
        names = {p.name: p for p in files}
        # An output that failed to build is missing (and logged by write_report): post the rest all the same.
        summary = names.get("summary-en.txt")
        message = (Item(SUMMARY, "message", summary.read_text(encoding="utf-8")),) if summary else ()
        charts = [Item(p.name, "photo", None, p) for p in files
                  if p.name.startswith("chart-") and p.name.endswith(f"-{CHART_LANGUAGE}.png")]
        documents = [Item(n, "document", None, names[n]) for n in DOCUMENTS if n in names]
        return Bundle(campaign.id, campaign.authority, await self.handle(campaign.authority), folder,
                      (*message, *charts, *documents))

    async def final_bundle(self, campaign_id: int) -> Bundle:
        """The final report, compiled once per process (fieldwork is closed, so it no longer changes)."""
        async with self._compiling:
            if campaign_id not in self._bundles:
                campaign = await self.repo.campaign(campaign_id)
                if campaign is None:
                    raise LookupError(f"no campaign {campaign_id}")
                self._bundles[campaign_id] = await self.compile(campaign, interim=False)
        return self._bundles[campaign_id]

    async def without_withdrawn(self, campaign_id: int) -> bool:
        """``flows.ports.ReportOutputs``: after a withdrawal, rebuild a closed campaign's stored final report (if it
        was compiled) from the database, which no longer holds the withdrawn answers.  True when an earlier copy had
        already gone out to auditors (sent, or possibly sent), which cannot be recalled."""
        campaign = await self.repo.campaign(campaign_id)
        if campaign is None or campaign.closed_at is None:
            return False
        async with self._compiling:
            if campaign_id in self._bundles or self.folder(campaign, interim=False).exists():
                self._bundles[campaign_id] = await self.compile(campaign, interim=False)
                log.info("campaign %s: stored report rebuilt after a withdrawal", campaign_id)
        return any(status in ("sending", "sent", "unknown") for _, _, status in await self.posted(campaign_id))

    def folder(self, campaign: Campaign, *, interim: bool) -> Path:
        return self.out_root / f"campaign-{campaign.id}-{slug(campaign.authority)}" / ("interim" if interim else "final")

    async def interim_summary(self, campaign: Campaign) -> str:
        data = await load_survey(self.conn, campaign, self.questionnaires, interim=True)
        return await asyncio.to_thread(lambda: render_summary(score(data), "en"))

    # ---- at-most-once posting records (flows.completion.PostingStore) --------------------------------------------

    async def claim(self, campaign_id: int, chat_id: int, item: str, now: datetime) -> int | None:
        """The attempt number when this item has not been tried in this chat yet, or failed and is due again (it is
        now committed as being sent); None otherwise."""
        async with transaction(self.conn):
            async with self.conn.execute(
                "INSERT INTO postings (campaign_id, chat_id, item, status, at, attempts) VALUES (?, ?, ?, 'sending', ?, 1)"
                " ON CONFLICT DO UPDATE SET status = 'sending', at = excluded.at, attempts = attempts + 1,"
                " not_before = NULL"
                " WHERE status = 'failed' AND attempts < ? AND not_before IS NOT NULL AND not_before <= excluded.at"
                " RETURNING attempts",
                (campaign_id, chat_id, item, iso(now), MAX_ATTEMPTS),
            ) as cur:
                row = await cur.fetchone()
        return int(row[0]) if row else None

    async def record(self, campaign_id: int, chat_id: int, item: str, status: str, now: datetime, *,
                     not_before: datetime | None = None, error: str | None = None) -> None:
        await write(
            self.conn,
            "UPDATE postings SET status = ?, at = ?, not_before = ?, error = ?"
            " WHERE campaign_id = ? AND chat_id = ? AND item = ?",
            (status, iso(now), iso(not_before) if not_before else None, error, campaign_id, chat_id, item),
        )

    async def postings(self, campaign_id: int) -> list[Posting]:
        async with self.conn.execute(
            "SELECT chat_id, item, status, attempts, not_before FROM postings WHERE campaign_id = ?"
            " ORDER BY chat_id, item", (campaign_id,)
        ) as cur:
            return [Posting(row[0], row[1], row[2], row[3], datetime.fromisoformat(row[4]) if row[4] else None)
                    async for row in cur]

    async def finished(self, campaign_id: int, now: datetime) -> None:
        await write(self.conn, "UPDATE campaigns SET summary_posted_at = ? WHERE id = ? AND summary_posted_at IS NULL",
                    (iso(now), campaign_id))

    async def recover(self) -> int:
        """Items left ``sending`` by a crash are recorded as ``unknown`` and not posted again."""
        return await write(self.conn, "UPDATE postings SET status = 'unknown', error = 'interrupted'"
                                      " WHERE status = 'sending'")

    async def posted(self, campaign_id: int) -> list[tuple[int, str, str]]:
        async with self.conn.execute(
            "SELECT chat_id, item, status FROM postings WHERE campaign_id = ? ORDER BY chat_id, item", (campaign_id,)
        ) as cur:
            return [(row[0], row[1], row[2]) async for row in cur]

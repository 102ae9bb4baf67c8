"""Fieldwork completion: noticing it, compiling the maturity summary, and recording what was posted to whom.

Fieldwork completes when the close date passes, when every invitation is submitted, or when an auditor closes it.
The bot (``bot/handlers.py``) then posts the summary message, the charts and the report documents to the
auditors.  Each (campaign, chat, item) is claimed here as ``sending`` in a committed transaction before it goes out
and marked ``sent`` after, so a restart posts whatever is missing and never repeats what went out.  An item that
could not be delivered (an auditor who has not started the bot) is tried again hourly for two days.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosqlite

from flows.model import Questionnaire
from flows.ports import Clock
from reports.html import write_report
from reports.load import load_survey
from reports.scoring import score
from reports.summary import render_summary
from storage.repositories import Campaign, CampaignRepository, iso, transaction, write

log = logging.getLogger(__name__)

SUMMARY = "summary"
# Documents posted after the summary and the charts, in this order (files written by reports.html.write_report).
DOCUMENTS = ("report-en.html", "report-cy.html", "answers.xlsx", "answers.csv", "questions.csv")
CHART_LANGUAGE = "en"
RETRY_AFTER = timedelta(hours=1)  # an undelivered item (auditor had not started the bot) is tried again hourly ...
MAX_ATTEMPTS = 48  # ... for two days


@dataclass(frozen=True)
class Item:
    key: str  # unique per campaign and chat: "summary", "chart-levels-en.png", "report-en.html", ...
    kind: str  # "message" | "photo" | "document"
    text: str | None = None  # the message, or the caption
    path: Path | None = None


@dataclass(frozen=True)
class Bundle:
    campaign: Campaign
    folder: Path
    items: tuple[Item, ...]


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

    async def awaiting_post(self) -> list[Campaign]:
        async with self.conn.execute(
            "SELECT id FROM campaigns WHERE closed_at IS NOT NULL AND summary_posted_at IS NULL ORDER BY id"
        ) as cur:
            ids = [row[0] async for row in cur]
        found = [await self.repo.campaign(i) for i in ids]
        return [c for c in found if c is not None]

    async def compile(self, campaign: Campaign, *, interim: bool) -> Bundle:
        """Write the report files for a campaign and list what to post (the summary first)."""
        data = await load_survey(self.conn, campaign, self.questionnaires, interim=interim)
        folder = self.out_root / f"campaign-{campaign.id}-{slug(campaign.authority)}" / ("interim" if interim else "final")
        # matplotlib and the templates are CPU work: keep the event loop answering respondents meanwhile.
        files = await asyncio.to_thread(write_report, data, folder)
        names = {p.name: p for p in files}
        summary = (folder / "summary-en.txt").read_text(encoding="utf-8")
        charts = [Item(p.name, "photo", None, p) for p in files
                  if p.name.startswith("chart-") and p.name.endswith(f"-{CHART_LANGUAGE}.png")]
        documents = [Item(n, "document", None, names[n]) for n in DOCUMENTS if n in names]
        return Bundle(campaign, folder, (Item(SUMMARY, "message", summary), *charts, *documents))

    async def final_bundle(self, campaign: Campaign) -> Bundle:
        """The final report, compiled once per process (fieldwork is closed, so it no longer changes)."""
        if campaign.id not in self._bundles:
            self._bundles[campaign.id] = await self.compile(campaign, interim=False)
        return self._bundles[campaign.id]

    async def interim_summary(self, campaign: Campaign) -> str:
        data = await load_survey(self.conn, campaign, self.questionnaires, interim=True)
        return await asyncio.to_thread(lambda: render_summary(score(data), "en"))

    # ---- at-most-once posting records ----------------------------------------------------------------------------

    async def claim(self, campaign_id: int, chat_id: int, item: str) -> bool:
        """True when this item has not gone to this chat yet, or failed long enough ago to try again (it is now
        being sent)."""
        now = self.clock.now()
        return await write(
            self.conn,
            "INSERT INTO postings (campaign_id, chat_id, item, status, at, attempts) VALUES (?, ?, ?, 'sending', ?, 1)"
            " ON CONFLICT DO UPDATE SET status = 'sending', at = excluded.at, attempts = attempts + 1"
            " WHERE status = 'failed' AND attempts < ? AND at <= ?",
            (campaign_id, chat_id, item, iso(now), MAX_ATTEMPTS, iso(now - RETRY_AFTER)),
        ) == 1

    async def retrying(self, campaign_id: int) -> bool:
        """Items that failed and will be tried again: the posting is not finished."""
        async with self.conn.execute(
            "SELECT 1 FROM postings WHERE campaign_id = ? AND status = 'failed' AND attempts < ? LIMIT 1",
            (campaign_id, MAX_ATTEMPTS),
        ) as cur:
            return await cur.fetchone() is not None

    async def mark(self, campaign_id: int, chat_id: int, item: str, status: str) -> None:
        await write(self.conn, "UPDATE postings SET status = ?, at = ? WHERE campaign_id = ? AND chat_id = ? AND item = ?",
                    (status, iso(self.clock.now()), campaign_id, chat_id, item))

    async def finished(self, campaign_id: int) -> None:
        async with transaction(self.conn):
            await self.conn.execute("UPDATE campaigns SET summary_posted_at = ? WHERE id = ?",
                                    (iso(self.clock.now()), campaign_id))

    async def recover(self) -> int:
        """Items left ``sending`` by a crash are recorded as ``unknown`` and not posted again."""
        return await write(self.conn, "UPDATE postings SET status = 'unknown' WHERE status = 'sending'")

    async def posted(self, campaign_id: int) -> list[tuple[int, str, str]]:
        async with self.conn.execute(
            "SELECT chat_id, item, status FROM postings WHERE campaign_id = ? ORDER BY chat_id, item", (campaign_id,)
        ) as cur:
            return [(row[0], row[1], row[2]) async for row in cur]


"""Fieldwork completion: compiling the maturity summary and posting it to the auditors, pure of Telegram and SQLite.

Fieldwork completes when the close date passes, when every invitation is submitted, or when an auditor closes it
(``flows.campaigns``).  ``CompletionService`` then has the report compiled (``ReportCompiler``: the answers loaded
from storage, the documents ``reports/`` returns written by the compiler, which answers with a manifest) and lists what to post, the summary first; it also rebuilds a stored
report after a withdrawal and gives the interim summary on request.

``PostingService`` (``flows.posting``) then gives every recipient chat every item of the final bundle (the summary
message, the charts, the report documents).  Each (campaign, chat, item) is claimed in the store as ``sending`` —
committed — before it goes out, and settled after by what became of it (``flows.delivery``):

- sent: ``sent``;
- certainly not delivered (5xx, connection refused, flood control): tried again after a back-off that starts
  within a minute (1, 5, 25 minutes, then hourly), or after the wait Telegram names, which also pauses all posting;
- refused (an auditor who has not started the bot, 403; 400): tried again every hour;
- may have been delivered (timed out after it went out, or left ``sending`` by a crash): ``unknown``, never sent
  again automatically — instead the chat is told which item may be missing and how to ask for it (``/resend``);
- after ``MAX_ATTEMPTS`` tries (two days) an item is given up.

A campaign is finished (``summary_posted_at``) only when every item to every recipient is settled: sent, unknown
and its chat told (or telling it given up), or given up.  Each campaign is posted on its own: one that fails (its
report will not compile, say) is logged by type and place and tried again next tick, and the others go on
(``flows.diagnostics.isolated``).  Time comes from the clock passed in; the store, the compiler and the poster are
Protocols declared here.

Each chat gets the bundle in its own language (``RecipientLanguages``: the one chosen there with /language): the
summary message and the charts in that language, both HTML reports with that language's first, and any notice of an
item in doubt.  The summary's key is ``summary`` in every language; a chart's key is its file name
(``chart-levels-cy.png``).  So that a chat's keys cannot change under its posting, once a chat has been given an item
that exists in one language only (a chart) its language for that campaign is the one that item was in, whatever the
chat chooses later: every key is still claimed at most once per chat, and no chat gets both languages' charts.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path

from flows.campaigns import CampaignService, UnknownCampaign
from flows.delivery import Delivery, Outcome
from flows.i18n import DEFAULT_LANGUAGE, LANGUAGES, catalogue
from flows.manifest import Entry, Manifest
from flows.ports.completion import SENDING, SENT, SUMMARY, UNKNOWN, Bundle, Item, Posting, PostingStore, ReportCompiler
from flows.records import CLOSED, Campaign
from flows.retention import DataErased
from reports.documents import ANSWERS, CHART, CSV, DOCX, HTML, QUESTIONS, REPORT, TABLES, WORD, XLSX

log = logging.getLogger(__name__)

NOTICE_PREFIX = "notice:"
"""Key of the message telling a chat that an item may be missing: ``notice:<item>`` (itself posted at most once)."""
MAX_ATTEMPTS = 48  # two days of hourly tries
REFUSED_WAIT = timedelta(hours=1)
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=25))
"""Waits after the 1st, 2nd, 3rd transient failure of an item; hourly after that."""

DOCUMENT_KINDS = (REPORT, WORD, TABLES, ANSWERS, QUESTIONS)
"""Documents posted after the summary and the charts, in this order (``reports.documents``): the report in HTML and
as the Word draft to edit, the report's tables (publishable), then each respondent's answers for the audit team only
(named "not for publication") and the description of their columns.  Of one kind, a workbook comes before a CSV file;
of a document in both languages, a chat gets its own language's first."""
FORMATS = (HTML, DOCX, XLSX, CSV)
CHART_LANGUAGE = DEFAULT_LANGUAGE
"""The language of the items a chat gets when nothing says otherwise (``Bundle.items``)."""


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# ---- ports ----------------------------------------------------------------------------------------------------------


# ---- compiling -------------------------------------------------------------------------------------------------------


def _document_order(entries: Sequence[Entry], language: str) -> list[Entry]:
    """The documents of ``DOCUMENT_KINDS`` in the order a chat in ``language`` gets them: by kind, then format, then
    its own language first."""

    def rank(entry: Entry) -> tuple[int, int, bool]:
        form = FORMATS.index(entry.media_type) if entry.media_type in FORMATS else len(FORMATS)
        return DOCUMENT_KINDS.index(entry.kind), form, entry.language not in (None, language)

    return sorted((e for e in entries if e.kind in DOCUMENT_KINDS), key=rank)


def bundle_items(manifest: Manifest, summary_text: str | None, language: str = CHART_LANGUAGE) -> tuple[Item, ...]:
    """What to post to a chat in ``language``, in order: the summary message, the charts in that language, then the
    documents (``DOCUMENT_KINDS``; of each document in both languages, that language's first).  An output that
    failed to build is simply missing: the rest is posted all the same."""
    message = (Item(SUMMARY, "message", summary_text),) if summary_text is not None else ()
    charts = [
        Item(e.name, "photo", None, e.path) for e in manifest.entries if e.kind == CHART and e.language == language
    ]
    documents = [Item(e.name, "document", None, e.path) for e in _document_order(manifest.entries, language)]
    return (*message, *charts, *documents)


class CompletionService:
    """The final report of a closed campaign (compiled once per process), the interim summary, the reports the
    command line writes, and rebuilding the stored report after a withdrawal (``flows.ports.retention.ReportOutputs``)."""

    def __init__(self, campaigns: CampaignService, store: PostingStore, compiler: ReportCompiler, out_root: Path):
        self.campaigns = campaigns
        self.store = store
        self.compiler = compiler
        self.out_root = out_root
        self._bundles: dict[int, Bundle] = {}
        self._compiling = asyncio.Lock()  # the closing auditor's posting and the minute's tick may ask at once

    async def close_completed(self) -> list[Campaign]:
        """Close campaigns whose close date has passed, or where everyone invited has submitted."""
        return await self.campaigns.close_completed()

    def folder(self, campaign: Campaign, *, interim: bool) -> Path:
        return (
            self.out_root / f"campaign-{campaign.id}-{slug(campaign.authority)}" / ("interim" if interim else "final")
        )

    async def compile(self, campaign: Campaign, *, interim: bool) -> Bundle:
        """Write the report files for a campaign and list what to post (the summary first).  A campaign whose
        respondent-level data was erased at the end of its retention period (``flows.retention``) is never compiled
        again, which would overwrite its kept reports with empty ones: its bundle is the files kept."""
        folder = self.folder(campaign, interim=interim)
        if campaign.erased_at is not None:
            manifest = await self.compiler.stored(folder) or Manifest(folder)
        else:
            manifest = await self.compiler.write_report(campaign, folder, interim=interim)
        texts = manifest.summaries()
        fallback = texts.get(DEFAULT_LANGUAGE) or next(iter(texts.values()), None)  # a summary that failed to build
        by_language = {lang: bundle_items(manifest, texts.get(lang, fallback), lang) for lang in LANGUAGES}
        return Bundle(
            campaign.id,
            campaign.authority,
            await self.campaigns.short_name(campaign.authority),
            folder,
            by_language[CHART_LANGUAGE],
            by_language,
            campaign.authority_cy,
        )

    async def final_bundle(self, campaign_id: int) -> Bundle:
        """The final report, compiled once per process (fieldwork is closed, so it no longer changes)."""
        async with self._compiling:
            if campaign_id not in self._bundles:
                try:
                    campaign = await self.campaigns.campaign(campaign_id)
                except UnknownCampaign:
                    raise LookupError(f"no campaign {campaign_id}") from None
                self._bundles[campaign_id] = await self.compile(campaign, interim=False)
        return self._bundles[campaign_id]

    async def without_withdrawn(self, campaign_id: int) -> bool:
        """``flows.ports.retention.ReportOutputs``: after a withdrawal, rebuild a closed campaign's stored final report (if it
        was compiled) from the database, which no longer holds the withdrawn answers.  True when an earlier copy had
        already gone out to auditors (sent, or possibly sent), which cannot be recalled."""
        try:
            campaign = await self.campaigns.campaign(campaign_id)
        except UnknownCampaign:
            return False
        if campaign.closed_at is None:
            return False
        async with self._compiling:
            kept = campaign_id in self._bundles or await self.compiler.stored(self.folder(campaign, interim=False))
            if kept:
                self._bundles[campaign_id] = await self.compile(campaign, interim=False)
                log.info("campaign %s: stored report rebuilt after a withdrawal", campaign_id)
        return any(p.status in (SENDING, SENT, UNKNOWN) for p in await self.store.postings(campaign_id))

    async def interim_summary(self, campaign: Campaign, language: str = DEFAULT_LANGUAGE) -> str:
        return await self.compiler.summary(campaign, interim=True, language=language)

    async def report(self, campaign: Campaign, folder: Path) -> list[Path]:
        """The full report of one campaign into ``folder``, labelled interim unless fieldwork has closed.
        ``DataErased`` once its respondent-level data was erased (its kept report is in ``self.folder``)."""
        if campaign.erased_at is not None:
            raise DataErased(campaign, self.folder(campaign, interim=False))
        written = await self.compiler.write_report(campaign, folder, interim=self.campaigns.status(campaign) != CLOSED)
        return written.paths

    async def national(self, folder: Path) -> list[Path] | None:
        """The national picture from each council's latest campaign into ``folder``; None when there is none."""
        latest = await self.campaigns.latest_per_authority()
        if not latest:
            return None
        written = await self.compiler.write_national([(c, self.campaigns.status(c) != CLOSED) for c in latest], folder)
        return written.paths


# ---- posting (the rules; ``flows.posting.PostingService`` applies them) ------------------------------------------


def wait_after(delivery: Delivery, attempt: int) -> timedelta | None:
    """How long to wait before trying an undelivered item again after attempt number ``attempt`` (1-based), or
    None: give it up."""
    if attempt >= MAX_ATTEMPTS:
        return None
    if delivery.flood:
        return timedelta(seconds=delivery.retry_after)
    if delivery.outcome is Outcome.RETRY:
        return BACKOFF[attempt - 1] if attempt <= len(BACKOFF) else REFUSED_WAIT
    return REFUSED_WAIT  # refused (403, 400): the auditor may start the bot later


def settled(
    postings: Iterable[Posting], recipients: Sequence[int], items: Sequence[Item] | Mapping[int, Sequence[Item]]
) -> bool:
    """Every item to every recipient settled (``items``: the same for every chat, or each chat's own); an item in
    doubt counts once its chat has been told (or telling it was given up)."""
    rows = {(p.chat_id, p.item): p for p in postings}
    for chat_id in recipients:
        for item in items.get(chat_id, ()) if isinstance(items, Mapping) else items:
            row = rows.get((chat_id, item.key))
            if row is None or not row.settled:
                return False
            if row.status == UNKNOWN:
                notice = rows.get((chat_id, NOTICE_PREFIX + item.key))
                if notice is None or not notice.settled:
                    return False
    return True


def notice(bundle: Bundle, item: Item, language: str = DEFAULT_LANGUAGE) -> Item:
    """The message telling a chat that ``item`` may not have reached it, and how to get it again (its key is the
    same in every language)."""
    text = catalogue().t(
        "completion_item_in_doubt",
        language,
        item=item.label_in(language),
        authority=bundle.name_in(language),
        handle=bundle.handle,
        item_key=item.key,
    )
    return Item(NOTICE_PREFIX + item.key, "message", text)


def pinned_language(bundle: Bundle, claimed: Iterable[str]) -> str | None:
    """The language a chat's posting of ``bundle`` began in, told by an item of that language only (a chart) among
    the keys already ``claimed`` for that chat (notices included); None when nothing tells."""
    keys = {key.removeprefix(NOTICE_PREFIX) for key in claimed}
    return next((lang for lang in bundle.by_language if keys & bundle.only_in(lang)), None)

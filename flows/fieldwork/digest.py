"""The daily digest: each recipient chat's open councils, in that chat's language, claimed in the database first."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from flows import diagnostics, progress
from flows.access_log import DIGEST, AccessLog, chat
from flows.auditors import Auditors
from flows.campaigns import CampaignService
from flows.fieldwork.wording import Wording
from flows.i18n import DEFAULT_LANGUAGE, LANGUAGES
from flows.ports.clock import Clock
from flows.ports.fieldwork import Digests
from flows.records import Campaign
from flows.render import Screen

log = logging.getLogger("flows.fieldwork")


class Digest:
    def __init__(
        self,
        campaigns: CampaignService,
        auditors: Auditors,
        digests: Digests,
        access: AccessLog,
        words: Wording,
        clock: Clock,
        zone: ZoneInfo,
    ):
        self.campaigns = campaigns
        self.auditors = auditors
        self.digests = digests
        self.access = access
        self.words = words
        self.clock = clock
        self.zone = zone

    async def __call__(self) -> list[tuple[int, Screen]]:
        """Today's digest for each recipient chat (the auditors' group chat, or each auditor), each in that chat's
        language and with the councils that chat may see; a chat that may see none of the open councils gets none.
        Empty when it was already sent today or nothing is open.  A council whose figures fail is left out (logged
        by type and place), not the whole digest.  The day is claimed in the database before sending, so a restart
        never sends a second digest that day; each chat's councils are written to the access log before it goes."""
        now = self.clock.now()
        today = now.astimezone(self.zone).date()
        open_campaigns = await self.campaigns.open_campaigns(today)
        if not open_campaigns:
            return []
        since = await self.digests.last_digest()
        if not await self.digests.claim_digest(today, now):
            return []
        blocks: list[tuple[Campaign, dict[str, str]]] = []  # each council's block in each language
        for campaign in sorted(open_campaigns, key=lambda c: c.authority):
            with diagnostics.isolated(log, f"digest: campaign {campaign.id} left out"):
                table = await self.campaigns.table(campaign)
                new = await self.campaigns.responded_since(campaign.id, since) if since else None
                blocks.append(
                    (campaign, {lang: progress.digest_block(campaign, table, new, today, lang) for lang in LANGUAGES})
                )
        screens: dict[tuple[str, tuple[int, ...]], Screen] = {}
        out = []
        for chat_id in await self.auditors.recipients():
            shown = [(c, block) for c, block in blocks if await self.auditors.sees(chat_id, c.authority)]
            if not shown:
                continue
            language = await self.auditors.language(chat_id)
            key = (language, tuple(c.id for c, _ in shown))
            if key not in screens:
                lines = [progress.digest_heading(today, since, self.zone, language)]
                lines += [block.get(language, block[DEFAULT_LANGUAGE]) for _, block in shown]
                screens[key] = Screen(self.words.fit(lines, language))
            await self.access.record_each(DIGEST, [c.id for c, _ in shown], who=chat(chat_id))
            out.append((chat_id, screens[key]))
        return out

"""Posting the final report to the auditors: every item of the bundle to every recipient chat, at most once, with
the retry rules of ``flows.completion`` (split from it by use case; the module's docstring there says how a posting
is claimed, settled, retried, given up and told about).

Two things are decided here besides: who is given a campaign, and what is written down about it.  A campaign's
recipients are the chats that may see its council (``Audience``: the auditors' group chat and every auditor with all
councils; an auditor limited to some councils only for those, ``flows.auditors.Auditors.sees``).  Each item a chat
may be given is written to the access log (``flows.access_log``) in the very transaction that claims it as
``sending`` (``PostingStore.claim``), so nothing goes out without its entry; a retry is claimed, and logged, again.
An item re-sent on request (/resend) is logged just before it goes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flows.access_log import POSTED, RESENT, AccessLog, chat
from flows.completion import NOTICE_PREFIX, notice, pinned_language, settled, wait_after
from flows.delivery import Delivery, Outcome
from flows.diagnostics import isolated
from flows.i18n import DEFAULT_LANGUAGE
from flows.ports.clock import Clock
from flows.ports.completion import (
    FAILED,
    SENT,
    UNKNOWN,
    Audience,
    Bundle,
    FinalReports,
    Item,
    Poster,
    Posting,
    PostingStore,
    RecipientLanguages,
)
from flows.ports.results import RespondentResults

log = logging.getLogger("flows.completion")


@dataclass(frozen=True)
class PostReport:
    sent: int = 0
    retrying: int = 0
    unknown: int = 0
    given_up: int = 0
    finished: tuple[int, ...] = ()
    paused_until: datetime | None = None


@dataclass
class _Tally:
    sent: int = 0
    retrying: int = 0
    unknown: int = 0
    given_up: int = 0


_PAUSED, _FINISHED = object(), object()
"""What posting one campaign came to (``PostingService._post_campaign``), besides None: not finished yet."""


class PostingService:
    def __init__(
        self,
        store: PostingStore,
        reports: FinalReports,
        poster: Poster,
        clock: Clock,
        languages: RecipientLanguages | None = None,
        results: RespondentResults | None = None,
        *,
        access: AccessLog | None = None,
        audience: Audience | None = None,
    ):
        self.store = store
        self.access = access
        """Where each item is written as it is claimed (and each re-sent item before it goes)."""
        self.audience = audience
        """Which recipients may be given a campaign's council; without it, every recipient is."""
        self.results = results
        """Sends the final summary to the respondents who asked for it, after each pass of the auditors' posting."""
        self.reports = reports
        self.poster = poster
        self.clock = clock
        self.languages = languages
        """Each recipient chat's language; without it every chat gets ``Bundle.items`` (English)."""
        self._paused_until: datetime | None = None

    async def language(self, chat_id: int) -> str:
        return DEFAULT_LANGUAGE if self.languages is None else await self.languages.language(chat_id)

    async def _chat_items(
        self, bundle: Bundle, chat_id: int, postings: Sequence[Posting]
    ) -> tuple[str, tuple[Item, ...]]:
        """What ``chat_id`` gets of ``bundle``, and in which language: the one its posting began in, else its own."""
        language = pinned_language(bundle, (p.item for p in postings if p.chat_id == chat_id))
        language = language or await self.language(chat_id)
        return language, bundle.items_in(language)

    async def recover(self) -> int:
        return await self.store.recover()

    async def tick(self, recipients: Sequence[int]) -> PostReport:
        """One pass: close what has completed, then post whatever is due to every recipient, tell chats about items
        in doubt, and finish the campaigns where everything is settled; then send the results to the respondents
        who asked for them (``results``; not while flood control pauses posting)."""
        now = self.clock.now()
        if self._paused_until is not None and now < self._paused_until:
            return PostReport(paused_until=self._paused_until)
        self._paused_until = None
        with isolated(log, "completion: closing completed campaigns failed"):
            await self.reports.close_completed()
        tally = _Tally()
        finished: list[int] = []
        for campaign_id in await self.store.awaiting_post():
            # One campaign's failure (its report will not compile, say) is logged, and the others go on.
            outcome = None
            with isolated(log, f"completion: campaign {campaign_id} left for the next tick"):
                outcome = await self._post_campaign(campaign_id, recipients, tally)
            if outcome is _PAUSED:
                return self._report(tally, finished)
            if outcome is _FINISHED:
                finished.append(campaign_id)
        if self.results is not None:
            with isolated(log, "completion: results to respondents failed"):
                await self.results.tick()
        return self._report(tally, finished)

    async def _post_campaign(self, campaign_id: int, recipients: Sequence[int], tally: _Tally) -> object:
        """Post one campaign's bundle to every recipient: ``_FINISHED`` when all of it is settled, ``_PAUSED`` when
        flood control says to stop posting for now, else None."""
        bundle = await self.reports.final_bundle(campaign_id)
        if self.audience is not None:  # only the chats that may see this council are owed it
            recipients = [chat_id for chat_id in recipients if await self.audience.sees(chat_id, bundle.authority)]
        before = await self.store.postings(campaign_id)
        owed: dict[int, tuple[Item, ...]] = {}
        for chat_id in recipients:
            language, items = await self._chat_items(bundle, chat_id, before)
            owed[chat_id] = items
            for item in items:
                if not await self._post(campaign_id, chat_id, item, tally):
                    return _PAUSED
            doubtful = {
                p.item for p in await self.store.postings(campaign_id) if p.chat_id == chat_id and p.status == UNKNOWN
            }
            for item in items:
                if item.key in doubtful and not await self._post(
                    campaign_id, chat_id, notice(bundle, item, language), tally
                ):
                    return _PAUSED
        if settled(await self.store.postings(campaign_id), recipients, owed):
            log.info("campaign %s: summary posted and settled, files in %s", campaign_id, bundle.folder)
            await self.store.finished(campaign_id, self.clock.now())
            return _FINISHED
        return None

    def _report(self, tally: _Tally, finished: list[int]) -> PostReport:
        return PostReport(
            tally.sent, tally.retrying, tally.unknown, tally.given_up, tuple(finished), self._paused_until
        )

    async def _post(self, campaign_id: int, chat_id: int, item: Item, tally: _Tally) -> bool:
        """Post one item if it is due; False when flood control says to stop posting for now."""
        release = None  # a notice that an item may be missing releases no data
        if self.access is not None and not item.key.startswith(NOTICE_PREFIX):
            release = self.access.release(POSTED, who=chat(chat_id), campaign_id=campaign_id, detail=item.key)
        attempt = await self.store.claim(campaign_id, chat_id, item.key, self.clock.now(), release=release)
        if attempt is None:
            return True
        delivery = await self.poster.post(chat_id, item)
        now = self.clock.now()
        if delivery.outcome is Outcome.SENT:
            tally.sent += 1
            await self.store.record(campaign_id, chat_id, item.key, SENT, now)
            return True
        if delivery.outcome is Outcome.UNKNOWN:
            tally.unknown += 1
            log.warning(
                "campaign %s: %s may or may not have reached a recipient (%s): not sent again",
                campaign_id,
                item.key,
                delivery.error,
            )
            await self.store.record(campaign_id, chat_id, item.key, UNKNOWN, now, error=delivery.error)
            return True
        wait = wait_after(delivery, attempt)
        if wait is None:
            tally.given_up += 1
            log.warning(
                "campaign %s: %s given up after %d attempts (%s)", campaign_id, item.key, attempt, delivery.error
            )
            await self.store.record(campaign_id, chat_id, item.key, FAILED, now, error=delivery.error)
            return True
        tally.retrying += 1
        await self.store.record(
            campaign_id, chat_id, item.key, FAILED, now, not_before=now + wait, error=delivery.error
        )
        if delivery.flood:
            self._paused_until = now + wait
            log.warning("flood control: posting paused for %.0f s", delivery.retry_after)
            return False
        return True

    async def resend(
        self, chat_id: int, campaign_id: int, name: str | None, language: str = DEFAULT_LANGUAGE
    ) -> list[tuple[Item, Delivery]]:
        """Post the final bundle's items in ``language`` (all, or those ``name`` means) to ``chat_id`` again, because
        an auditor asked: deliberately outside the at-most-once record (a duplicate is their choice).  Stops at flood
        control; the items not tried are left out of the result."""
        bundle = await self.reports.final_bundle(campaign_id)
        items = bundle.items_in(language) if name is None else tuple(bundle.find(name, language))
        results: list[tuple[Item, Delivery]] = []
        for item in items:
            if self.access is not None:
                await self.access.record(RESENT, who=chat(chat_id), campaign_id=campaign_id, detail=item.key)
            delivery = await self.poster.post(chat_id, item)
            results.append((item, delivery))
            if delivery.flood:
                break
        log.info(
            "campaign %s: %d item(s) re-sent on request",
            campaign_id,
            sum(d.outcome is Outcome.SENT for _, d in results),
        )
        return results

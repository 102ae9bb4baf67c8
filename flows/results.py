"""The council's results back to the respondents who asked for them (issue 13 item 4), pure of Telegram and SQLite.

At submission a respondent may ask for the council's results when they are ready (``flows.respondents.results_choice``,
the thank-you screen; stored as ``invitations.results_wanted_at``, default no).  Once fieldwork has closed and the final
report is compiled (``CompletionService.final_bundle``), each of them gets the brief summary of the final report in
their invitation's language, under a short heading: the very summary the auditors get (the summary text the compiler's
manifest carries, already under the report's small-number rules).  Interim summaries never go to respondents.

Delivery is at most once per invitation, as for reminders and postings (``flows.delivery``): the message is claimed
in the store as ``sending`` — committed — before it goes out, and settled after:

- sent: ``sent``;
- certainly not delivered and worth trying again (5xx, connection refused, flood control): ``failed`` with a
  ``not_before``: tried again after 1, 5 and 25 minutes, then hourly (the wait Telegram names after flood control,
  which also pauses this loop), for up to two days (``flows.completion.wait_after``), then given up;
- refused (403: the person blocked the bot; 400): ``failed`` without a ``not_before``: given up, never retried;
- may have been delivered (timed out after it went out, or left ``sending`` by a crash): ``unknown``, never resent.

The loop runs on the completion job's tick, after the auditors' posting (``PostingService.tick``).  A campaign whose
final report fails to compile is logged by type and place and its people wait for the next tick; everyone else is
sent theirs.  Once a message
has been claimed the respondent's choice is fixed (``RespondentStore.want_results``); withdrawal clears the choice
and the record with everything else.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from flows.access_log import AccessLog
from flows.completion import wait_after
from flows.delivery import Outcome
from flows.diagnostics import isolated
from flows.i18n import Catalogue
from flows.ports.clock import Clock
from flows.ports.completion import FAILED, SENT, SUMMARY, UNKNOWN, Bundle
from flows.ports.reminders import Messenger
from flows.ports.results import FinalBundles, ResultsStore, Wanted
from flows.screens import MAX_TEXT, Screen

log = logging.getLogger(__name__)

BATCH = 500


@dataclass(frozen=True)
class ResultsReport:
    sent: int = 0
    retrying: int = 0
    unknown: int = 0
    failed: int = 0
    paused_until: datetime | None = None


def results_text(bundle: Bundle, language: str, catalogue: Catalogue) -> str | None:
    """The brief summary of the final report in ``language`` under its heading, or None when the summary failed to
    build.  Without the heading when the two would not fit one message."""
    summary = next((i.text for i in bundle.items_in(language) if i.key == SUMMARY and i.text), None)
    if summary is None:
        return None
    text = f"{catalogue.t('results_heading', language, authority=bundle.name_in(language))}\n\n{summary}"
    return text if len(text) <= MAX_TEXT else summary


class ResultsService:
    def __init__(
        self,
        store: ResultsStore,
        reports: FinalBundles,
        messenger: Messenger,
        clock: Clock,
        catalogue: Catalogue,
        access: AccessLog | None = None,
    ):
        self.store = store
        self.reports = reports
        self.messenger = messenger
        self.clock = clock
        self.cat = catalogue
        self._paused_until: datetime | None = None
        self.access = access
        """The access log: each batch by campaign and count before it goes, never by person."""

    async def recover(self) -> int:
        return await self.store.recover()

    async def tick(self) -> ResultsReport:
        """One pass: send the results to everyone owed them now (until done, or flood control says wait)."""
        now = self.clock.now()
        if self._paused_until is not None and now < self._paused_until:
            return ResultsReport(paused_until=self._paused_until)
        self._paused_until = None
        sent = retrying = unknown = failed = 0
        seen: set[int] = set()  # asked for beyond them, so that those still owed never crowd the others out
        broken: set[int] = set()  # campaigns whose final report failed this tick: their people wait for the next
        while batch := [
            w for w in await self.store.due(self.clock.now(), len(seen) + BATCH) if w.invitation_id not in seen
        ]:
            if self.access is not None:
                await self.access.results(Counter(w.campaign_id for w in batch))
            for wanted in batch:
                seen.add(wanted.invitation_id)
                text = None if wanted.campaign_id in broken else await self._text(wanted, broken)
                if text is None:
                    continue
                attempt = await self.store.claim(wanted.invitation_id, self.clock.now())
                if attempt is None:
                    continue  # no longer wanted, or another tick took it
                delivery = await self.messenger.send(wanted.chat_id, Screen(text))
                after = self.clock.now()
                if delivery.outcome is Outcome.SENT:
                    sent += 1
                    await self.store.record(wanted.invitation_id, SENT, after)
                elif delivery.outcome is Outcome.UNKNOWN:
                    unknown += 1  # Telegram may have delivered it: sending again could make it twice
                    await self.store.record(wanted.invitation_id, UNKNOWN, after, error=delivery.error)
                elif delivery.outcome is Outcome.RETRY and (wait := wait_after(delivery, attempt)) is not None:
                    retrying += 1  # certainly not delivered
                    await self.store.record(
                        wanted.invitation_id, FAILED, after, not_before=after + wait, error=delivery.error
                    )
                    if delivery.flood:
                        self._paused_until = after + timedelta(seconds=delivery.retry_after)
                        log.warning("flood control: results to respondents paused for %.0f s", delivery.retry_after)
                        return self._report(sent, retrying, unknown, failed)
                else:  # blocked (403), refused (400), or retried for two days: given up
                    failed += 1
                    await self.store.record(wanted.invitation_id, FAILED, after, error=delivery.error)
        return self._report(sent, retrying, unknown, failed)

    async def _text(self, wanted: Wanted, broken: set[int]) -> str | None:
        """The results message for this person, or None: the campaign's summary failed to build, or its final
        report failed to compile (logged once per tick by type and place; the campaign is added to ``broken``, and
        the other campaigns' people are sent theirs)."""
        bundle = None
        with isolated(log, f"results to respondents: campaign {wanted.campaign_id} left for the next tick"):
            bundle = await self.reports.final_bundle(wanted.campaign_id)
        if bundle is None:
            broken.add(wanted.campaign_id)
            return None
        text = results_text(bundle, wanted.language, self.cat)
        if text is None:
            log.warning("campaign %s: no summary to send to respondents", wanted.campaign_id)
        return text

    def _report(self, sent: int, retrying: int, unknown: int, failed: int) -> ResultsReport:
        if sent or retrying or unknown or failed:
            log.info(
                "results to respondents: %d sent, %d to retry, %d in doubt, %d given up",
                sent,
                retrying,
                unknown,
                failed,
            )
        return ResultsReport(sent, retrying, unknown, failed, self._paused_until)

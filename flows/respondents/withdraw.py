"""Withdraw: a respondent takes back everything they gave, for every invitation bound to their Telegram account.

The answers, the submission, the reminders and the Telegram identity go in one transaction, which also records a
pending rebuild of each closed campaign's stored reports (they still hold the answers).  The reports are rebuilt
before the person is told it is done; a rebuild that a crash or a failure interrupts is finished at the next start
(``finish_pending``), so no stored report keeps withdrawn answers past a restart.
"""

from __future__ import annotations

import logging
from collections import Counter

from flows import callbacks, diagnostics, once
from flows.access_log import AccessLog
from flows.callbacks import Action
from flows.i18n import Catalogue
from flows.ports.clock import Clock
from flows.ports.respondents import WithdrawalStore
from flows.ports.retention import ReportOutputs
from flows.render import Button, Screen
from flows.replies import Reply, Who

log = logging.getLogger(__name__)

WITHDRAW_YES, WITHDRAW_NO = "yes", "no"


class Withdraw:
    def __init__(
        self,
        store: WithdrawalStore,
        clock: Clock,
        catalogue: Catalogue,
        outputs: ReportOutputs | None,
        access: AccessLog | None = None,
    ):
        self.store, self.clock, self.cat, self.outputs = store, clock, catalogue, outputs
        self.access = access
        """The access log: each withdrawal by campaign and count, never by person (none in tests that need none)."""

    def command(self, language: str) -> Reply:
        """/withdraw: asks first."""
        buttons = (
            (Button(self.cat.raw("button_withdraw_yes", language), callbacks.encode(Action.WITHDRAW, WITHDRAW_YES)),),
            (Button(self.cat.raw("button_withdraw_no", language), callbacks.encode(Action.WITHDRAW, WITHDRAW_NO)),),
        )
        return Reply(send=(Screen(self.cat.t("withdraw_confirm", language), buttons),))

    async def pressed(self, who: Who, language: str, *, confirmed: bool) -> Reply:
        """Withdraw every invitation bound to this Telegram account (one person may hold links of several
        campaigns), once the person confirmed; the reply edits the confirmation message."""
        if not confirmed:
            return Reply(edit=Screen(self.cat.t("withdraw_cancelled", language)))
        withdrawn = await self.store.withdraw_user(who.user_id, self.clock.now(), update_id=who.update_id)
        once.changed()
        if not withdrawn:
            return Reply(edit=Screen(self.cat.t("no_invitation", language)))
        for invitation in withdrawn:
            log.info("invitation %s withdrawn: answers and Telegram identity deleted", invitation.reference)
        if self.access is not None:
            try:  # the erasure is done whatever happens here: the person is told so
                await self.access.withdrawal(Counter(i.campaign_id for i in withdrawn))
            except Exception as exc:
                log.error("access log: a withdrawal was not recorded: %s", diagnostics.where(exc))
        try:
            already_sent = [await self._rebuild(c) for c in sorted({i.campaign_id for i in withdrawn if i.closed})]
        except Exception as exc:  # the answers are gone from the database; the stored files follow at the next start
            log.error("stored report not rebuilt after a withdrawal: %s", diagnostics.where(exc))
            return Reply(edit=Screen(self.cat.t("withdrawn_rebuild_pending", language)))
        key = "withdrawn_after_report" if any(already_sent) else "withdrawn"
        return Reply(edit=Screen(self.cat.t(key, language)))

    async def _rebuild(self, campaign_id: int) -> bool:
        """Rebuild one closed campaign's stored reports without withdrawn answers, then mark it done; True when an
        earlier copy had already gone out to auditors."""
        already_sent = await self.outputs.without_withdrawn(campaign_id) if self.outputs is not None else False
        await self.store.rebuilt(campaign_id)
        return already_sent

    async def finish_pending(self) -> int:
        """At start-up: rebuild the stored reports a crash left holding withdrawn answers.  Returns how many."""
        pending = await self.store.pending_rebuilds()
        for campaign_id in pending:
            await self._rebuild(campaign_id)
            log.info("campaign %s: stored report rebuilt after an interrupted withdrawal", campaign_id)
        return len(pending)

"""/close: a council's campaign closed early, after a confirmation whose button only an auditor who may see that
council can press."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from flows import callbacks
from flows.auditors import Auditors
from flows.callbacks import Action
from flows.campaigns import CampaignClosed, CampaignService, UnknownCampaign
from flows.fieldwork.finding import FindCampaign
from flows.fieldwork.names import CLOSE, AuditorCommand
from flows.fieldwork.wording import Wording
from flows.i18n import DEFAULT_LANGUAGE
from flows.records import Campaign
from flows.render import Button, Screen
from flows.replies import Reply

log = logging.getLogger("flows.fieldwork")


class Close:
    def __init__(
        self,
        campaigns: CampaignService,
        auditors: Auditors,
        find: FindCampaign,
        words: Wording,
        on_close: Callable[[Campaign], Awaitable[None]] | None = None,
    ):
        self.campaigns = campaigns
        self.auditors = auditors
        self.find = find
        self.words = words
        self.on_close = on_close

    async def confirm(self, user_id: int, query: str, language: str = DEFAULT_LANGUAGE) -> Reply:
        words = self.words
        campaign = await self.find(query, AuditorCommand.CLOSE, language, user_id)
        if isinstance(campaign, Reply):
            return campaign
        name = words.name(campaign, language)
        if campaign.closed_at is not None:
            return words.say("auditor_already_closed", language, authority=name)
        table = await self.campaigns.table(campaign)
        buttons = (
            (Button(words.t("auditor_button_close", language), callbacks.encode(Action.CONFIRM, CLOSE, campaign.id)),),
            (Button(words.t("auditor_button_cancel", language), callbacks.encode(Action.CANCEL)),),
        )
        text = words.t(
            "auditor_close_confirm",
            language,
            authority=name,
            closes=f"{campaign.closes_on:%d/%m/%Y}",
            responded=table.total.responded,
            invited=table.total.invited,
        )
        return Reply(send=(Screen(text, buttons),))

    async def pressed(self, user_id: int, campaign_id: int, language: str = DEFAULT_LANGUAGE) -> Reply:
        """The confirmation's button: the campaign is closed (``on_close`` is told), once."""
        words = self.words
        try:
            campaign = await self.campaigns.campaign(campaign_id)
            if not await self.auditors.sees(user_id, campaign.authority):
                raise UnknownCampaign(campaign.id)  # another council's: as if it did not exist
            closed = await self.campaigns.close(campaign.id)
        except UnknownCampaign:
            return Reply(toast=words.t("auditor_no_such_campaign", language))
        except CampaignClosed as already:
            return Reply(
                edit=Screen(
                    words.t("auditor_was_already_closed", language, authority=words.name(already.campaign, language))
                )
            )
        log.info("campaign %s closed early by an auditor", closed.id)
        if self.on_close is not None:
            await self.on_close(closed)
        return Reply(edit=Screen(words.t("auditor_closed", language, authority=words.name(closed, language))))

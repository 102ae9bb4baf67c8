"""The auditors' side of fieldwork in chat, one small interactor per use case: live response rates (``rates.py``),
campaigns (``campaign_list.py``), non-starters (``nonstarters.py``), closing (``close.py``), reminder rounds on
request (``remind.py``), the interim summary (``summary.py``), the final report again (``resend.py``), the daily
digest (``digest.py``) and each chat's language (``flows.chat_language``); the commands and buttons are handed to
them by ``commands.py`` and ``buttons.py``.

Only auditors (Telegram user ids from settings or ``datatool-bot auditors add``) get answers; ``is_auditor`` is
checked by the adapter before any command reaches these, and again for button presses.  An auditor limited to some
councils (``flows.auditors.Auditors.scope``) finds only those: every command about a council looks for it among
theirs (``finding.py``), so any other reads exactly as a council that does not exist ("No council matches …"), and a
button for another council's campaign as a campaign that no longer exists.  Every release of data (figures, the
references of non-starters, a summary) is written to the access log (``flows.access_log``) before it goes out.

The campaign use cases themselves are ``flows.campaigns.CampaignService``'s (the command line runs the same ones);
these word them for chat.  Figures come from SQL aggregates behind ``CampaignStore``.  Pure and clock-free like the
rest of ``flows``: storage only through the narrow Protocols of ``ports.py``, time from the ``Clock`` port.

Every text is in the language of the chat it goes to, chosen there with /language (``flows.chat_language``); the
texts are in the message catalogue (``flows/messages.yaml``, ``auditor_*``), worded by ``wording.py``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from flows.access_log import AccessLog
from flows.auditors import Auditors
from flows.campaigns import CampaignService
from flows.chat_language import ChatLanguageService
from flows.fieldwork.buttons import AuditorPress
from flows.fieldwork.campaign_list import CampaignList
from flows.fieldwork.close import Close
from flows.fieldwork.commands import AuditorCommands, AuditorHelp
from flows.fieldwork.digest import Digest
from flows.fieldwork.finding import FindCampaign
from flows.fieldwork.names import AuditorCommand
from flows.fieldwork.nonstarters import Nonstarters
from flows.fieldwork.rates import Rates
from flows.fieldwork.remind import Remind
from flows.fieldwork.resend import Resend
from flows.fieldwork.summary import InterimSummary
from flows.fieldwork.wording import Wording
from flows.i18n import Catalogue
from flows.ports.auditors import Questionnaires
from flows.ports.clock import Clock
from flows.ports.fieldwork import Digests, RatesForecast, RateViews, ReminderRounds, Reports, Resender
from flows.records import Campaign

__all__ = ["AuditorCommand", "Digests", "Fieldwork", "RateViews", "ReminderRounds", "Reports", "Resender"]


class Fieldwork:
    """The auditors' interactors, each built once with only the collaborators it needs (by the composition root,
    ``bot/services.py``).  It holds them and does nothing else."""

    def __init__(
        self,
        campaigns: CampaignService,
        auditors: Auditors,
        views: RateViews,
        digests: Digests,
        clock: Clock,
        zone: ZoneInfo,
        access: AccessLog,
        *,
        reminders: ReminderRounds,
        completion: Reports,
        cat: Catalogue,
        on_close: Callable[[Campaign], Awaitable[None]] | None = None,
        posting: Resender | None = None,
        forecasts: RatesForecast | None = None,
        questionnaires: Questionnaires | None = None,
    ):
        words = Wording(cat)
        find = FindCampaign(campaigns, auditors, words)
        self.chat_language = ChatLanguageService(auditors, cat, questionnaires)
        """The language of each chat, and /language."""
        self.rates = Rates(campaigns, auditors, find, views, access, words, clock, zone, forecasts)
        self.campaign_list = CampaignList(campaigns, auditors, access, words, clock, zone)
        self.nonstarters = Nonstarters(campaigns, find, access, words)
        self.close = Close(campaigns, auditors, find, words, on_close)
        self.remind = Remind(campaigns, auditors, find, reminders, words, clock, zone)
        self.summary = InterimSummary(find, completion, access)
        self.resend = Resend(find, completion, words, posting)
        self.digest = Digest(campaigns, auditors, digests, access, words, clock, zone)
        self.help = AuditorHelp(self.chat_language, words)
        self.command = AuditorCommands(
            self.chat_language,
            rates=self.rates,
            campaign_list=self.campaign_list,
            nonstarters=self.nonstarters,
            close=self.close,
            remind=self.remind,
            summary=self.summary,
            resend=self.resend,
        )
        self.press = AuditorPress(auditors, self.chat_language, words, close=self.close, remind=self.remind)

"""/resend council [item]: the final report's items (all, or one) posted to the asking auditor's chat again, in its
language (each item written to the access log as it goes, by ``PostingService.resend``).  Asked for explicitly, so
a duplicate of something that did arrive is the auditor's choice."""

from __future__ import annotations

from flows.delivery import Outcome
from flows.fieldwork.finding import FindCampaign
from flows.fieldwork.names import AuditorCommand
from flows.fieldwork.wording import Wording, say
from flows.i18n import DEFAULT_LANGUAGE
from flows.ports.completion import SUMMARY
from flows.ports.fieldwork import Reports, Resender
from flows.replies import Reply, Who


class Resend:
    def __init__(self, find: FindCampaign, completion: Reports, words: Wording, posting: Resender | None = None):
        self.find = find
        self.completion = completion
        self.words = words
        self.posting = posting  # posts items to Telegram; only in the running bot

    async def __call__(self, who: Who, args: list[str], language: str = DEFAULT_LANGUAGE) -> Reply:
        words = self.words
        if self.posting is None:
            return words.say("auditor_resend_offline", language)
        chat_id = who.chat_id
        name = args[-1] if len(args) > 1 and _looks_like_item(args[-1]) else None
        campaign = await self.find(" ".join(args[:-1] if name else args), AuditorCommand.RESEND, language, who.user_id)
        if isinstance(campaign, Reply):
            return campaign
        council = words.name(campaign, language)
        if campaign.closed_at is None:
            return words.say("auditor_resend_still_open", language, authority=council)
        bundle = await self.completion.final_bundle(campaign.id)
        items = bundle.items_in(language)
        if name is not None and len(bundle.find(name, language)) != 1:
            listed = ", ".join(i.key for i in items)
            return words.say("auditor_resend_no_item", language, authority=council, name=name, items=listed)
        results = await self.posting.resend(chat_id, campaign.id, name, language)
        sent = [item.label_in(language) for item, d in results if d.outcome is Outcome.SENT]
        doubtful = [item.label_in(language) for item, d in results if d.outcome is Outcome.UNKNOWN]
        missed = [item.label_in(language) for item, d in results if d.outcome not in (Outcome.SENT, Outcome.UNKNOWN)]
        missed += [
            item.label_in(language)
            for item in (items if name is None else bundle.find(name, language))
            if item.key not in {i.key for i, _ in results}
        ]
        lines = [
            words.t(
                "auditor_resend_sent",
                language,
                authority=council,
                items=", ".join(sent) if sent else words.cat.raw("auditor_resend_nothing", language),
            )
        ]
        if doubtful:
            lines.append(words.t("auditor_resend_doubtful", language, items=", ".join(doubtful)))
        if missed:
            lines.append(words.t("auditor_resend_missed", language, items=", ".join(missed)))
        return say("\n".join(lines))


def _looks_like_item(word: str) -> bool:
    """Whether the last word of /resend names a report item rather than part of a council's name."""
    w = word.casefold()
    return w == SUMMARY or "." in w or w.startswith(("chart", "report", "answers", "questions"))

"""How the auditors' use cases word their replies: catalogue texts in the chat's language, a council's name, and a
long list cut to Telegram's limit."""

from __future__ import annotations

from flows import progress
from flows.i18n import DEFAULT_LANGUAGE, Catalogue
from flows.records import Campaign
from flows.render import MAX_TEXT, Screen
from flows.replies import Reply


def say(text: str) -> Reply:
    return Reply(send=(Screen(text),))


class Wording:
    def __init__(self, cat: Catalogue):
        self.cat = cat

    def t(self, key: str, language: str, **params: object) -> str:
        """A catalogue text with ``params`` escaped."""
        return self.cat.t(key, language, **params)

    def html(self, key: str, language: str, **markup: object) -> str:
        """A catalogue text with ``markup`` filled in as it is: HTML already escaped where it came from."""
        return self.cat.raw(key, language).format(**markup)

    def say(self, key: str, language: str, **params: object) -> Reply:
        return say(self.t(key, language, **params))

    @staticmethod
    def name(campaign: Campaign, language: str) -> str:
        return progress.authority(campaign, language)

    def fit(self, lines: list[str], language: str = DEFAULT_LANGUAGE, limit: int = MAX_TEXT - 200) -> str:
        """Join lines, dropping the tail (with a note) when the message would pass Telegram's limit."""
        out: list[str] = []
        size = 0
        for i, line in enumerate(lines):
            if size + len(line) + 1 > limit:
                out.append(self.cat.t("auditor_more_lines", language, count=len(lines) - i))
                break
            out.append(line)
            size += len(line) + 1
        return "\n".join(out)

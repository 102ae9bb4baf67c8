"""What the respondent service answers with, and who it answers: the ``Reply`` a handler sends, the ``Who`` it was
sent by, the respondents' commands, and the catalogue keys of the engine's refusals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from flows.engine import Error
from flows.render import Screen
from reports.plain_text import truncate

TOAST_LIMIT = 200  # answerCallbackQuery text


class RespondentCommand(StrEnum):
    """Commands every respondent can use (registered with setMyCommands in both languages)."""

    HELP = "help"
    RESUME = "resume"
    REVIEW = "review"
    LANGUAGE = "language"
    PRIVACY = "privacy"
    WITHDRAW = "withdraw"


# Engine errors -> catalogue keys; shown above the re-sent question (typed input) or as a toast (buttons).
ERROR_MESSAGES = {
    Error.UNKNOWN_QUESTION: "stale_button",
    Error.NOT_SHOWN: "stale_button",
    Error.UNKNOWN_OPTION: "stale_button",
    Error.EXPECTED_BUTTON: "expected_button",
    Error.EXPECTED_TEXT: "expected_text",
    Error.TOO_LONG: "too_long",
    Error.EMPTY: "empty",
    Error.NOT_OPTIONAL: "stale_button",
    Error.INCOMPLETE: "incomplete",
    Error.LOCKED: "locked",
    Error.AT_START: "at_start",
    Error.UNREADABLE: "unreadable",
    Error.KEEPS_ANSWER: "keeps_answer",
}


@dataclass(frozen=True)
class Reply:
    """What the bot should do: edit the message whose button was pressed, send new messages, show a toast."""

    send: tuple[Screen, ...] = ()
    edit: Screen | None = None
    toast: str | None = None
    if_lost: str | None = None
    """The toast to show instead when the edited or sent screen may not have reached the person (Telegram failed
    or timed out): how to get it back."""


@dataclass(frozen=True)
class Who:
    """The Telegram side of a respondent, as the adapter sees it."""

    user_id: int
    chat_id: int
    language_code: str | None = None
    update_id: int | None = None
    """The Telegram update this came in (None from the command line and tests): an update that was decided once is
    not acted on again when Telegram delivers it again (``flows.once``)."""


def plain(text: str) -> str:
    """Telegram HTML as plain text (a toast takes no markup)."""
    return re.sub(r"<[^>]+>", "", text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clip(text: str, limit: int = TOAST_LIMIT) -> str:
    return truncate(text, limit)

"""Callback-data payloads of inline buttons: named prefixes, one encoder, one decoder.

Every payload is ``<prefix>:<arg>[:<arg>]`` and must fit Telegram's 64-byte limit; questionnaires are checked against
it at load time (``payloads_for``).  The decoder never trusts a payload: anything malformed comes back as ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_BYTES = 64
SEPARATOR = ":"


class Action(StrEnum):
    ANSWER = "a"  # a:<question>:<option>
    SKIP = "s"  # s:<question>            skip an optional free-text question
    BACK = "b"  # b:<question>            back from this question to the previous one
    SUBMIT = "sub"  # sub                 submit the finished questionnaire
    REVIEW = "rv"  # rv                   show the review screen
    EDIT = "e"  # e:<question>            change an answer from the review screen
    LANGUAGE = "lang"  # lang:<code>      choose the conversation language
    CONSENT = "ok"  # ok                  privacy notice read, start the questions
    PRIVACY = "pv"  # pv:full             show the full privacy notice
    WITHDRAW = "wd"  # wd:yes / wd:no     confirm or cancel withdrawal
    CONFIRM = "cf"  # cf:<kind>:<id>      auditor confirmations (close, remind)
    CANCEL = "cx"  # cx                   auditor cancels a pending confirmation
    RESUME = "go"  # go                   continue where I left off (reminders)
    SNOOZE = "zz"  # zz                   remind me tomorrow
    STOP_REMINDERS = "off"  # off         no more reminders


@dataclass(frozen=True)
class Callback:
    action: Action
    args: tuple[str, ...] = ()

    def arg(self, index: int) -> str | None:
        return self.args[index] if index < len(self.args) else None


def encode(action: Action, *args: str | int) -> str:
    payload = SEPARATOR.join([action.value, *(str(a) for a in args)])
    if len(payload.encode()) > MAX_BYTES:
        raise ValueError(f"callback payload over {MAX_BYTES} bytes: {payload!r}")
    return payload


def decode(payload: str | None) -> Callback | None:
    if not payload or len(payload.encode()) > MAX_BYTES:
        return None
    head, *args = payload.split(SEPARATOR)
    try:
        action = Action(head)
    except ValueError:
        return None
    return Callback(action, tuple(args))


def payloads_for(question_id: str, option_ids: list[str]) -> list[str]:
    """Every payload a question's keyboard can carry (used to validate questionnaires against the byte limit)."""
    payloads = [SEPARATOR.join([Action.ANSWER.value, question_id, o]) for o in option_ids]
    payloads += [SEPARATOR.join([a.value, question_id]) for a in (Action.SKIP, Action.BACK, Action.EDIT)]
    return payloads

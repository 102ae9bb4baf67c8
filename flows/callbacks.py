"""Callback-data payloads of inline buttons: named prefixes, one encoder, one decoder.

Every payload is ``<prefix>:<arg>[:<arg>][~<owner>]`` and must fit Telegram's 64-byte limit; questionnaires are
checked against it at load time (``payloads_for``).  ``owner`` is the invitation a respondent's button was shown
for: the button acts on that invitation or on none (an old message never acts on another invitation of the same
person).  The decoder never trusts a payload: anything malformed comes back as ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_BYTES = 64
SEPARATOR = ":"
OWNER_MARK = "~"
WIDEST_OWNER = 999_999_999  # payloads are checked with room for an invitation id this wide
RESULTS_YES, RESULTS_NO = "yes", "no"  # the argument of Action.RESULTS


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
    CONFIRM = "cf"  # cf:close:<id> / cf:remind:<one-time code>   auditor confirmations
    CANCEL = "cx"  # cx                   auditor cancels a pending confirmation
    RESUME = "go"  # go                   continue where I left off (reminders)
    SNOOZE = "zz"  # zz                   remind me tomorrow
    STOP_REMINDERS = "off"  # off         no more reminders
    RESULTS = "res"  # res:yes / res:no   send me the council's results when ready (after submission), or not


@dataclass(frozen=True)
class Callback:
    action: Action
    args: tuple[str, ...] = ()
    owner: int | None = None  # the invitation the button was shown for

    def arg(self, index: int) -> str | None:
        return self.args[index] if index < len(self.args) else None


def encode(action: Action, *args: str | int, owner: int | None = None) -> str:
    payload = SEPARATOR.join([action.value, *(str(a) for a in args)])
    if owner is not None:
        payload += f"{OWNER_MARK}{owner:d}"
    if len(payload.encode()) > MAX_BYTES:
        raise ValueError(f"callback payload over {MAX_BYTES} bytes: {payload!r}")
    return payload


def decode(payload: str | None) -> Callback | None:
    if not payload:
        return None
    try:
        if len(payload.encode()) > MAX_BYTES:
            return None
    except UnicodeEncodeError:  # lone surrogates: not text any client could have put on a button
        return None
    owner: int | None = None
    if OWNER_MARK in payload:
        payload, _, mark = payload.rpartition(OWNER_MARK)
        if not (mark.isascii() and mark.isdigit()) or OWNER_MARK in payload:
            return None
        owner = int(mark)
    head, *args = payload.split(SEPARATOR)
    try:
        action = Action(head)
    except ValueError:
        return None
    return Callback(action, tuple(args), owner)


def without_owner(payload: str) -> str:
    """The payload as it would read with no owner (tests and the demo find buttons by it)."""
    return payload.rpartition(OWNER_MARK)[0] if OWNER_MARK in payload else payload


def payloads_for(question_id: str, option_ids: list[str]) -> list[str]:
    """Every payload a question's keyboard can carry, at the widest owner (validates questionnaires against the
    byte limit)."""
    payloads = [SEPARATOR.join([Action.ANSWER.value, question_id, o]) for o in option_ids]
    payloads += [SEPARATOR.join([a.value, question_id]) for a in (Action.SKIP, Action.BACK, Action.EDIT)]
    return [f"{p}{OWNER_MARK}{WIDEST_OWNER}" for p in payloads]

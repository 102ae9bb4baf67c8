"""The respondent model behind the property tests (tests/test_properties.py): the world they run in, what
people type and press (hypothesis strategies), and a person's chat as they see it."""

from __future__ import annotations

import functools
import re
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from bot.emulator import parse_html
from bot.services import load_questionnaires
from config.privacy import DEFAULT_PRIVACY_NOTICE, load_privacy_notice
from flows import callbacks
from flows.callbacks import Action
from flows.i18n import catalogue
from flows.model import Questionnaire
from flows.render import Screen
from flows.replies import RespondentCommand, Who
from flows.respondents.withdraw import WITHDRAW_YES
from flows.tokens import TOKEN_PATTERN

QUESTIONNAIRES: dict[str, Questionnaire] = load_questionnaires()
CATALOGUE = catalogue()
NOTICE = load_privacy_notice(DEFAULT_PRIVACY_NOTICE)
ZONE = ZoneInfo("Europe/London")
AUTHORITY = "Flintshire County Council"
CALLBACK_BYTES, TOAST_CHARS = 64, 200
T = TypeVar("T")

ROLES = ("officer", "member")
TOKENS = [f"{role}-link-{n}-{'x' * 16}" for role in ROLES for n in (1, 2)]  # in the order invitations are seeded
QUESTION_IDS = {q.id for qn in QUESTIONNAIRES.values() for q in qn.questions}
WORDS = sorted(QUESTION_IDS | {o.id for qn in QUESTIONNAIRES.values() for q in qn.questions for o in qn.choices(q)})
OPTIONS = {qn.id: {q.id: frozenset(qn.option_ids(q)) for q in qn.questions} for qn in QUESTIONNAIRES.values()}
USER_IDS = (1001, 2002, 3003)
LANGUAGE_CODES = ("en", "cy", "en-GB", "CY", "fr", None)
UNKNOWN_COMMANDS = ("rates", "close", "remind", "summary", "campaigns", "nonstarters", "cancel", "RESUME", "helpp")

BAD_CHARACTER = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # controls but \t \n, lone surrogates

# ---- strategies ----------------------------------------------------------------------------------------------------

ANY_CHARACTER = st.characters(exclude_categories=())  # every category: controls (Cc) and lone surrogates (Cs) too
ODD_CHARACTER = st.sampled_from(
    [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))]
    + ["\u2028", "\u2029", "\ufeff", "\u200b", "\u202e", "\ud800", "\udfff", "\U0001f600", "w\u0302", " ", "\r\n"]
)


def _repeat(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


TYPED = st.one_of(
    st.text(ANY_CHARACTER, max_size=40),
    st.lists(ODD_CHARACTER, min_size=1, max_size=12).map("".join),  # mostly nothing left after cleaning
    st.builds(_repeat, st.text(ANY_CHARACTER, min_size=1, max_size=6), st.integers(1, 10_000)),  # up to 10 kB
    st.builds(  # around the 2000-character limit, which counts the cleaned text
        lambda pad, unit, n: pad + unit * n + pad,
        st.sampled_from(["", " ", "\n\n", "\x0b", "\x00\x1b"]),
        st.sampled_from(["a", "ŵ", "w\u0302", "<", "&", "\U0001f600", "a\x1b"]),
        st.integers(1990, 2010),
    ),
    st.lists(
        st.sampled_from(
            [
                "<b>",
                "</b>",
                "<i>",
                "&amp;",
                "&",
                "<",
                ">",
                '<a href="x">',
                "</a>",
                "<tg-spoiler>",
                "*bold*",
                "_",
                "`",
                "\n",
                "words",
                "&#0;",
                "&lt;",
            ]
        ),
        min_size=1,
        max_size=12,
    ).map("".join),
    # answers typed at a button question (flows/questions/typed.py), some of them not quite an option
    st.sampled_from(
        [
            "2",
            "Level 1",
            "lefel 3",
            "dau",
            "DK",
            "don't know",
            "ddim yn gwybod",
            "Strongly agree",
            "cytuno’n gryf",
            "neither",
            "4",
            "level 2 please",
            "agree strongly",
        ]
    ),
)
COMMENTS = (  # what people type as answers when they answer on: markup that must always be shown escaped
    "Budgets < needs & <b>data</b> is <i>scattered",
    "Mae angen mwy o hyfforddiant ar ddata — ŵ ŷ",
    "See <a href='x'>the plan</a> &amp; &lt;notes&gt; *bold* _it_ `code`",
    "\U0001f4ca Spreadsheets\n\tin every team",
)
START_PAYLOADS = st.one_of(st.text(ANY_CHARACTER, max_size=70), st.from_regex(TOKEN_PATTERN, fullmatch=True))
COMMANDS = st.one_of(
    st.sampled_from([c.value for c in RespondentCommand]),
    st.sampled_from([c.value for c in RespondentCommand]),
    st.sampled_from(UNKNOWN_COMMANDS),
    st.from_regex(r"[a-z0-9_]{1,32}", fullmatch=True),
)
REPLACEMENT = st.one_of(  # what a word of a real payload is replaced with, to forge a well-formed-looking one
    st.sampled_from(WORDS),  # a question or option id, perhaps of the other questionnaire or another question
    st.from_regex(r"[a-z][a-z0-9_]{0,23}", fullmatch=True),  # an unknown id
    st.integers(0, 12).map(str),  # an invitation id: the person's own, someone else's, one that does not exist
    st.sampled_from(["", "-1", "99999999999999999999", "0x1", "١", "yes", "no", "full"]),
)


def _words(payload: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9_]+|[^A-Za-z0-9_]", payload)


@st.composite
def mutated(draw: st.DrawFn, payload: str) -> str:
    """A real payload with one to three words replaced, parts dropped or doubled, or a tail cut or added."""
    parts = _words(payload)
    for _ in range(draw(st.integers(1, 3))):
        if not parts:
            break
        at = draw(st.integers(0, len(parts) - 1))
        match draw(st.sampled_from(["replace", "replace", "drop", "double", "cut", "append"])):
            case "replace":
                parts[at] = draw(REPLACEMENT)
            case "drop":
                del parts[at]
            case "double":
                parts.insert(at, parts[at])
            case "cut":
                parts = parts[:at]
            case "append":
                parts.append(draw(st.text(ANY_CHARACTER, min_size=1, max_size=4) | st.sampled_from([":", "~", "~1"])))
    return "".join(parts)


# ---- the model -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One screen as a person saw it: a version of one message in their chat."""

    seq: int  # the step it was shown at
    message: int  # index of the message in the person's chat
    screen: Screen
    kind: str  # question | review | language | notice | withdraw | info
    question: str | None  # for question screens
    owners: frozenset[int]  # invitations it was rendered for (the service read their answers to render it)

    @property
    def payloads(self) -> list[str]:
        return [b.data for row in self.screen.buttons for b in row]


@dataclass
class Person:
    who: Who
    own: str  # the token of their own invitation
    chat: list[Shown] = field(default_factory=list)  # the current version of each message
    history: list[Shown] = field(default_factory=list)  # every version of every message
    shown: dict[int, set[str]] = field(default_factory=dict)  # invitation -> question ids shown

    def latest_with_buttons(self) -> Shown | None:
        return next((m for m in reversed(self.chat) if m.screen.buttons), None)

    def where(self, invitation: int) -> set[tuple[str, str | None]]:
        """The questions (and review) of this invitation that some message of the chat shows now."""
        return {(m.kind, m.question) for m in self.chat if m.kind in ("question", "review") and invitation in m.owners}


@functools.lru_cache(maxsize=8192)
def classify(screen: Screen) -> tuple[str, str | None]:
    """What a screen is, read from its buttons' callback data (decoded, never parsed by hand)."""
    decoded = [cb for row in screen.buttons for b in row if (cb := callbacks.decode(b.data)) is not None]
    actions = {cb.action for cb in decoded}

    def question_of(*wanted: Action) -> str | None:
        return next((a for cb in decoded if cb.action in wanted for a in cb.args if a in QUESTION_IDS), None)

    if Action.ANSWER in actions:
        return "question", question_of(Action.ANSWER)
    if Action.SUBMIT in actions or Action.EDIT in actions:
        return "review", None
    if Action.BACK in actions or Action.SKIP in actions:
        return "question", question_of(Action.BACK, Action.SKIP)  # a text question: Back (and Skip)
    for action, kind in ((Action.LANGUAGE, "language"), (Action.CONSENT, "notice"), (Action.WITHDRAW, "withdraw")):
        if action in actions:
            return kind, None
    return "info", None


@functools.lru_cache(maxsize=4096)
def visible_text(html: str) -> str:
    """The text Telegram would show (screens repeat a lot, so parsing is remembered)."""
    return parse_html(html)[0]  # raises on markup Telegram would refuse


def done(coro: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine of the in-memory store, which never waits for anything."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    raise AssertionError("the in-memory store suspended")  # pragma: no cover


def is_withdraw_yes(payload: str | None) -> bool:
    cb = callbacks.decode(payload)
    return cb is not None and cb.action is Action.WITHDRAW and cb.arg(0) == WITHDRAW_YES

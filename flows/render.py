"""Rendering engine prompts as neutral screens (``flows.screens``): HTML text plus rows of buttons.

Nothing here knows Telegram's classes; ``bot/`` turns a ``Screen`` into a message with an inline keyboard.  Every
text taken from a questionnaire or a respondent is escaped; texts never exceed Telegram's 4096-character limit.
The parts of a question screen that differ by question type (the lines under the question, the answer buttons and
their arrangement, how an answer reads back) are drawn by the type (``flows.questions``); this module puts the
progress line, the question, the navigation row and the review screen around them.
"""

from __future__ import annotations

from flows import callbacks
from flows.callbacks import Action
from flows.engine import DonePrompt, Prompt, QuestionPrompt, ReviewPrompt
from flows.i18n import Catalogue
from flows.model import Question, Questionnaire
from flows.screens import CHECK, MAX_TEXT, Button, Screen, esc, fit

__all__ = ["CHECK", "MAX_TEXT", "WARN", "Button", "Renderer", "Screen", "council_line", "esc", "fit"]

REVIEW_ANSWER_CHARS = 60
WARN = "⚠ "
COUNCIL_MARK = "🏛 "


def council_line(council: str) -> str:
    """The line naming the council above every screen of a person who holds invitations of several councils."""
    return f"{COUNCIL_MARK}<b>{esc(council)}</b>"


class Renderer:
    def __init__(
        self,
        qn: Questionnaire,
        catalogue: Catalogue,
        language: str,
        owner: int | None = None,
        *,
        council: str | None = None,
    ):
        """``owner``: the invitation the screens are for; every button carries it (``flows.callbacks``).
        ``council``: named above every screen (a person answering for several councils), or None."""
        self.qn = qn
        self.cat = catalogue
        self.lang = language
        self.owner = owner
        self.council = council

    def data(self, action: Action, *args: str | int) -> str:
        return callbacks.encode(action, *args, owner=self.owner)

    def t(self, key: str, **params: object) -> str:
        return self.cat.t(key, self.lang, **params)

    def raw(self, key: str) -> str:
        return self.cat.raw(key, self.lang)

    def answer_label(self, question: Question, value: str | None) -> str:
        """How a stored answer reads back to the respondent (plain text, unescaped)."""
        if value is None:
            return self.raw("skipped")
        return self.qn.kind(question).answer_label(value, self.lang)

    def screen(self, prompt: Prompt, *, authority: str, notice: str | None = None) -> Screen:
        """``notice``: an HTML line shown above the prompt (an error or confirmation)."""
        match prompt:
            case QuestionPrompt():
                screen = self.question(prompt)
            case ReviewPrompt():
                screen = self.review(prompt)
            case DonePrompt():
                screen = self.thanks(authority)
        if notice:
            screen = Screen(f"{notice}\n\n{screen.text}", screen.buttons)
        if self.council:
            screen = Screen(f"{council_line(self.council)}\n\n{screen.text}", screen.buttons)
        assert len(screen.text) <= MAX_TEXT, "rendered screen exceeds Telegram's limit"
        return screen

    def thanks(self, authority: str, wanted: bool | None = None) -> Screen:
        """The thank-you screen after Submit, asking whether to send the council's results when ready; ``wanted``:
        the choice already made (marked on its button), None when none was."""
        rows = tuple(
            (Button((CHECK if wanted is choice else "") + self.raw(key), self.data(Action.RESULTS, arg)),)
            for choice, key, arg in (
                (True, "button_results_yes", callbacks.RESULTS_YES),
                (False, "button_results_no", callbacks.RESULTS_NO),
            )
        )
        return Screen(f"{self.t('thank_you', authority=authority)}\n\n{self.t('results_offer')}", rows)

    def question(self, prompt: QuestionPrompt) -> Screen:
        q, p, lang = prompt.question, prompt.progress, self.lang
        section = p.section.title.get(lang)
        if p.seconds_left == 0:  # revisiting an answer once everything is answered
            key = "progress_all_answered"
        elif p.answered >= p.total - 1 and not prompt.answered:
            key = "progress_last"
        else:
            key = "progress"
        line = self.t(key, position=p.position, total=p.total, section=section, minutes=p.minutes_left)
        parts = [f"<i>{line}</i>", f"<b>{esc(q.text.get(lang))}</b>"]
        if q.help:
            parts.append(esc(q.help.get(lang)))
        kind = self.qn.kind(q)
        parts.extend(kind.body(self, prompt.current, prompt.answered))
        rows = list(kind.keyboard(self, prompt.current))
        nav = [Button(self.raw("button_back"), self.data(Action.BACK, q.id))]
        if q.optional and prompt.current is None:  # never offered over a typed answer, which Skip would wipe
            nav.append(Button(self.raw("button_skip"), self.data(Action.SKIP, q.id)))
        rows.append(tuple(nav))
        return Screen("\n\n".join(parts), tuple(rows))

    def review(self, prompt: ReviewPrompt) -> Screen:
        lang = self.lang
        missing = {q.id for q in prompt.missing}
        lines = [self.t("review_title")]
        per_item = max(20, (MAX_TEXT - 800) // max(1, len(prompt.items)) - 40)
        for number, (q, value) in enumerate(prompt.items, start=1):
            title = self.qn.kind(q).review_title(lang)
            if q.id in missing:
                answer = WARN + self.cat.raw("not_answered", lang)
            else:
                answer = fit(self.answer_label(q, value), min(REVIEW_ANSWER_CHARS, per_item))
            lines.append(f"{number}. {esc(fit(title, per_item))}: <b>{esc(answer)}</b>")
        lines.append(self.t("review_missing", count=len(missing)) if missing else self.t("review_ready"))
        edit_buttons = [
            Button(f"{WARN if q.id in missing else ''}{n}", self.data(Action.EDIT, q.id))
            for n, (q, _) in enumerate(prompt.items, start=1)
        ]
        rows = [tuple(edit_buttons[i : i + 6]) for i in range(0, len(edit_buttons), 6)]
        last = prompt.items[-1][0].id if prompt.items else None
        final = [Button(self.cat.raw("button_back", lang), self.data(Action.BACK, last))] if last else []
        if missing:
            first = next(iter(prompt.missing))
            final.append(Button(self.cat.raw("button_continue", lang), self.data(Action.EDIT, first.id)))
        else:
            final.append(Button(self.cat.raw("button_submit", lang), self.data(Action.SUBMIT)))
        rows.append(tuple(final))
        return Screen("\n".join(lines), tuple(rows))

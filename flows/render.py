"""Rendering engine prompts as neutral screens: HTML text plus rows of buttons (label, callback payload).

Nothing here knows Telegram's classes; ``bot/`` turns a ``Screen`` into a message with an inline keyboard.  Every
text taken from a questionnaire or a respondent is escaped; texts never exceed Telegram's 4096-character limit.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from flows import callbacks
from flows.callbacks import Action
from flows.engine import DonePrompt, Prompt, QuestionPrompt, ReviewPrompt
from flows.i18n import Catalogue
from flows.model import DONT_KNOW, Question, Questionnaire, QuestionType

MAX_TEXT = 4096
REVIEW_ANSWER_CHARS = 60
CHECK = "✓ "
WARN = "⚠ "


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Screen:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def fit(text: str, limit: int = MAX_TEXT) -> str:
    """Trim plain text to ``limit`` characters with an ellipsis (used only for echoing respondents' own text)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class Renderer:
    def __init__(self, qn: Questionnaire, catalogue: Catalogue, language: str, owner: int | None = None):
        """``owner``: the invitation the screens are for; every button carries it (``flows.callbacks``)."""
        self.qn = qn
        self.cat = catalogue
        self.lang = language
        self.owner = owner

    def data(self, action: Action, *args: str | int) -> str:
        return callbacks.encode(action, *args, owner=self.owner)

    def t(self, key: str, **params: object) -> str:
        return self.cat.t(key, self.lang, **params)

    def answer_label(self, question: Question, value: str | None) -> str:
        """How a stored answer reads back to the respondent (plain text, unescaped)."""
        if value is None:
            return self.cat.raw("skipped", self.lang)
        if question.type is QuestionType.TEXT:
            return value
        for option in self.qn.choices(question):
            if option.id == value:
                return option.label.get(self.lang)
        return value

    def screen(self, prompt: Prompt, *, authority: str, notice: str | None = None) -> Screen:
        """``notice``: an HTML line shown above the prompt (an error or confirmation)."""
        match prompt:
            case QuestionPrompt():
                screen = self.question(prompt)
            case ReviewPrompt():
                screen = self.review(prompt)
            case DonePrompt():
                screen = Screen(self.t("thank_you", authority=authority))
        if notice:
            screen = Screen(f"{notice}\n\n{screen.text}", screen.buttons)
        assert len(screen.text) <= MAX_TEXT, "rendered screen exceeds Telegram's limit"
        return screen

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
        rows: list[tuple[Button, ...]] = []
        choices = self.qn.choices(q)
        if q.type is QuestionType.TEXT:
            parts.append(self.t("type_answer_optional" if q.optional else "type_answer", limit=q.max_length))
            if prompt.answered:
                current = self.answer_label(q, prompt.current)
                parts.append(self.t("your_answer", answer=fit(current, 500)))
        else:
            details = [
                f"<b>{esc(o.label.get(lang))}</b> — {esc(o.detail.get(lang))}" for o in choices if o.detail is not None
            ]
            if details:
                parts.append("\n\n".join(details))
            labels = [(CHECK if o.id == prompt.current else "") + o.label.get(lang) for o in choices]
            buttons = [Button(label, self.data(Action.ANSWER, q.id, o.id)) for label, o in zip(labels, choices)]
            rows.extend(self._arrange(buttons, [o.id for o in choices], choices_with_detail=bool(details)))
        nav = [Button(self.cat.raw("button_back", lang), self.data(Action.BACK, q.id))]
        if q.type is QuestionType.TEXT and q.optional:
            nav.append(Button(self.cat.raw("button_skip", lang), self.data(Action.SKIP, q.id)))
        rows.append(tuple(nav))
        return Screen("\n\n".join(parts), tuple(rows))

    @staticmethod
    def _arrange(buttons: list[Button], option_ids: list[str], *, choices_with_detail: bool) -> list[tuple[Button, ...]]:
        """Level buttons are short: one row of three (Don't know below); scale points one per row."""
        if choices_with_detail:
            levels = tuple(b for b, o in zip(buttons, option_ids) if o != DONT_KNOW)
            rest = [(b,) for b, o in zip(buttons, option_ids) if o == DONT_KNOW]
            return [levels, *rest]
        return [(b,) for b in buttons]

    def review(self, prompt: ReviewPrompt) -> Screen:
        lang = self.lang
        missing = {q.id for q in prompt.missing}
        lines = [self.t("review_title")]
        per_item = max(20, (MAX_TEXT - 800) // max(1, len(prompt.items)) - 40)
        for number, (q, value) in enumerate(prompt.items, start=1):
            title = self.qn.section_of(q.id).title.get(lang) if q.type is QuestionType.CHOICE else q.text.get(lang)
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

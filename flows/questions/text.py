"""``type: text`` — the respondent's own words.

Declares: ``max_length`` (1 to 3500 characters, default 2000), ``optional`` (then the question has a Skip button and
a skipped answer counts as answered).  No options, scale or "Don't know".

- Typed text is cleaned before it is judged or stored (``reports.plain_text.clean_text``: control characters dropped,
  NFC-normalised), then stripped; text that is not valid Unicode, empty, or longer than ``max_length`` is refused.
  A button (other than Back and Skip) is refused with a request to type.
- Screen: how to answer (and the limit) under the question, and the answer given so far.
- Reports: not counted (``categories`` is None); shown as comments, scrubbed of obvious personal data.
"""

from __future__ import annotations

from flows.questions.base import Answer, QuestionKind, QuestionLike, Refusal, View
from flows.screens import fit
from reports.plain_text import UnreadableText, clean_cell, clean_text

ECHO_CHARS = 500
"""How much of the answer given so far is echoed under the question."""


class TextQuestion(QuestionKind):
    name = "text"
    seconds = 60
    free_text = True

    @classmethod
    def check_declaration(cls, question: QuestionLike) -> list[str]:
        if question.options or question.scale or question.dont_know:
            return ["a text question has no options, scale or don't know"]
        return []

    def parse_button(self, option_id: str) -> Answer | Refusal:
        return Refusal.EXPECTED_TEXT

    def parse_text(self, text: str, language: str) -> Answer | Refusal:
        try:
            cleaned = clean_text(text).strip()
        except UnreadableText:
            return Refusal.UNREADABLE
        if not cleaned:
            return Refusal.EMPTY
        if len(cleaned) > self.question.max_length:
            return Refusal.TOO_LONG
        return cleaned

    def stored(self, value: str) -> str | None:
        """Cleaned (``reports.plain_text.clean_cell``) so text stored before typed answers were cleaned on the way in can
        neither break an output nor hide personal data from the scrubbing of comments."""
        return str(clean_cell(value)).strip() or None

    def body(self, view: View, current: str | None, answered: bool) -> list[str]:
        q = self.question
        parts = [view.t("type_answer_optional" if q.optional else "type_answer", limit=q.max_length)]
        if answered:
            parts.append(view.t("your_answer", answer=fit(view.answer_label(q, current), ECHO_CHARS)))
        return parts

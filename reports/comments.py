"""Free-text comments for the full report: grouped by theme, anonymised, and only where the disclosure test of
``reports.disclosure`` allows.

- Comments are grouped under the section (theme or characteristic) their ``show_if`` question belongs to; each
  question of the comments section makes a group of its own; groups follow the questionnaires' section order.
- Free-text comments of a group with fewer than 5 respondents are left out altogether (``disclosure.passes``).
- A follow-up (a question with ``show_if``, asked only of those who gave certain answers) is answered only by
  those who gave them, so its comments count them: a group's comments to a follow-up are listed only where the
  group's published breakdown of the gating question is shown in full and they are 5 or more
  (``disclosure.follow_up_shown``); four comments beside a median would say that four members disagreed.
- Comments carry the role in the view-model (the HTML report does not show it unless asked: the method notes
  say "never attributed") and nothing else; their order is by text, so it tells nothing about who wrote
  them; email addresses, phone numbers, National Insurance numbers and @usernames are replaced by "[removed]"
  (``scrub``, which the exports use too).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flows.model import Question, Questionnaire, SectionKind, Text
from reports.disclosure import follow_up_shown, passes
from reports.model import Breakdown, Comment, CommentGroup, Response, SurveyData, SurveyReport, answer_value

REMOVED = "[removed]"

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_PHONE = re.compile(r"(?<![\w+])(?:\+|\(\+?)?\d[\d \t\-().]{7,}\d(?!\w)")
_NI_NUMBER = re.compile(r"\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b")


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    starts = text.lstrip("(").lstrip()
    if 10 <= digits <= 15 and (starts.startswith("+") or starts.startswith("0")):
        return REMOVED
    return text


def scrub(text: str) -> str:
    """Replace obvious personal data (email addresses, phone numbers, National Insurance numbers, @usernames)
    with "[removed]"."""
    text = _EMAIL.sub(REMOVED, text)
    text = _NI_NUMBER.sub(REMOVED, text)
    text = _PHONE.sub(_phone, text)
    return _HANDLE.sub(REMOVED, text)


def _comment_key(qn: Questionnaire, question: Question) -> str:
    """Comments are grouped under the section (theme or characteristic) their show_if question belongs to; the
    questions of the comments section each make a group of their own."""
    if question.show_if is not None:
        return qn.section_of(question.show_if.question).id
    section = qn.section_of(question.id)
    return question.id if section.kind is SectionKind.COMMENTS else section.id


def group_comments(
    data: SurveyData,
    roles: Sequence[str],
    by_role: Mapping[str, Sequence[Response]],
    published: Mapping[tuple[str, str], Breakdown],
) -> tuple[tuple[CommentGroup, ...], tuple[str, ...]]:
    """The comment groups of one council's report, and the roles whose comments were left out (fewer than 5
    respondents).  ``published``: (role, question id) -> the breakdown the report publishes of that group's answers
    to the question, which decides the comments to a follow-up asked after it."""
    order: list[str] = []
    titles: dict[str, Text] = {}
    questions: dict[str, list[Text]] = {}
    found: dict[str, list[Comment]] = {}
    withheld = tuple(r for r in roles if not passes(len(by_role[r])))
    for r in roles:
        qn = data.questionnaires[r]
        for q in qn.questions:
            if not qn.kind(q).free_text:
                continue
            key = _comment_key(qn, q)
            if key not in titles:
                order.append(key)
                section = qn.section_of(q.id)
                titles[key] = q.text if section.kind is SectionKind.COMMENTS and key == q.id else (
                    qn.section_of(q.show_if.question).title if q.show_if else section.title
                )
                questions[key] = []
                found[key] = []
            if q.text not in questions[key]:
                questions[key].append(q.text)
            if r in withheld:
                continue
            values = [v for resp in by_role[r] if (v := answer_value(qn, q, resp.answers))]
            if q.show_if is not None and not follow_up_shown(published.get((r, q.show_if.question)), len(values)):
                continue
            found[key].extend(Comment(scrub(v), r, q.id) for v in values)
    # Keep the questionnaires' section order across roles: characteristics, themes, then the comments section.
    rank = {}
    for r in roles:
        for i, s in enumerate(data.questionnaires[r].sections):
            rank.setdefault(s.id, (i, 0))
            for j, q in enumerate(s.questions):
                rank.setdefault(q.id, (i, j + 1))
    order.sort(key=lambda k: rank.get(k, (10_000, 0)))
    groups = tuple(
        CommentGroup(
            key=k,
            title=titles[k],
            questions=tuple(questions[k]),
            comments=tuple(sorted(found[k], key=lambda c: (c.text.casefold(), c.text, c.role or "", c.question_id))),
        )
        for k in order
    )
    return groups, withheld


# ---- the codebook (built from config/codebook.yaml by config/codebook.py; reports/ reads no file) ----------------


@dataclass(frozen=True)
class Code:
    """One code of the codebook: a barrier or theme comments mention, with its label and keywords per language."""

    id: str
    label: Text
    keywords: Mapping[str, tuple[str, ...]]  # language -> keywords ("silo*": a stem; "data sharing": a phrase)


@dataclass(frozen=True)
class Codebook:
    codes: tuple[Code, ...]


# ---- the comments of one subject as the templates and the Word draft show them (one language) ------------------


@dataclass(frozen=True)
class QuoteLine:
    text: str
    language: str  # the language it was written in (its lang attribute)
    mark: str | None  # "in Welsh" / "yn Saesneg" where it is not the report's language
    said_by: str | None  # "said by 11" for identical comments collapsed (never a number under 5)


@dataclass(frozen=True)
class CodeLine:
    code: str
    label: str
    counts: tuple[tuple[str, str], ...]  # (group, "12" | "fewer than 5" | withheld), each group then the total
    quotes: tuple[QuoteLine, ...]  # up to 3


@dataclass(frozen=True)
class CommentBlock:
    subject_id: str  # the characteristic's or theme's section id, or the question id of a general question
    kind: str  # "characteristic" | "theme" | "general"
    heading: str
    questions: tuple[str, ...]  # "Question asked: ..."
    asked: tuple[str, ...]  # follow-ups: whom they were asked ("Asked of those who chose Level 1 ...")
    summary: str | None  # how many people commented
    columns: tuple[str, ...]  # the groups of ``CodeLine.counts``
    codes: tuple[CodeLine, ...]  # most mentioned first
    uncoded: tuple[QuoteLine, ...]  # comments no code matched, after the codes

    @property
    def empty(self) -> bool:
        return not self.codes and not self.uncoded


def comment_blocks(report: SurveyReport, language: str) -> list[CommentBlock]:
    """The comments of each characteristic, theme and general question in ``language``, in the report's order
    (contract stub: every comment uncoded)."""
    from reports.summary import texts

    t = texts(language)
    blocks = []
    for g in report.comments:
        blocks.append(CommentBlock(
            subject_id=g.key, kind="general", heading=t("cm_heading"),
            questions=tuple(t("cm_question", question=q.get(language)) for q in g.questions), asked=(),
            summary=None, columns=(), codes=(),
            uncoded=tuple(QuoteLine(c.text, language, None, None) for c in g.comments),
        ))
    return blocks

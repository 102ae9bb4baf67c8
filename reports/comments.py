"""Free-text comments for the full report: grouped by subject and by the codebook, anonymised, and only where the
disclosure test of ``reports.disclosure`` allows.

Which comments may appear at all (``group_comments``)
    - Comments are grouped under the subject (characteristic or theme) their ``show_if`` question belongs to; each
      question of the comments section makes a group of its own; groups follow the questionnaires' section order.
    - Free-text comments of a group with fewer than 5 respondents are left out altogether (``disclosure.passes``).
    - A follow-up (a question with ``show_if``, asked only of those who gave certain answers) is answered only by
      those who gave them, so its comments count them: a group's comments to a follow-up are listed only where the
      group's published breakdown of the gating question is shown in full and they are 5 or more
      (``disclosure.follow_up_shown``); four comments beside a median would say that four members disagreed.  The
      group says whom the follow-up was asked (``Asked``: "asked of those who chose Level 1 for Leadership").
    - Email addresses, phone numbers, National Insurance numbers and @usernames are replaced by "[removed]"
      (``scrub``, which the exports use too).  Comments are never attributed.

How they are organised (``CodedGroup``, on ``SurveyReport.comments``)
    - Each comment is matched against the codebook (``SurveyData.codebook``, from ``config/codebook.yaml``; matching
      in ``reports.coding``): a comment can carry several codes.  Per code, the number of people who mentioned it,
      per group and in total, and up to three representative quotes: those said by the most people, then with the
      most keyword hits for the code, then complete sentences, then the shortest (then alphabetical: deterministic).
      Codes are listed most mentioned first; comments matching no code follow, uncoded.
    - Identical comments (``reports.coding.same_key``: the same apart from case, accents, spacing and closing
      punctuation) are shown once, with the number of people who wrote them.
    - Every count is of people and follows the one rule (``disclosure.passes``): none, or 5 or more.  A count of 1 to 4
      is withheld ("fewer than 5"), and when one group's count for a code is withheld the other groups' counts for it
      are withheld too (the total is kept), so no group's can be worked out from the total; an identical comment
      written by 2 to 4 people is "said by fewer than 5".
    - Each comment's language is read from its words (``reports.coding.language_of``; the respondent's chosen language
      where the words do not tell), so each version of the report can mark comments written in the other language.

``comment_blocks`` turns the groups into plain lines in one language, for the HTML template (``comments.html.j2``)
and the Word draft.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reports.coding import Code, Codebook, Matcher, complete_sentence, language_of, same_key
from reports.disclosure import follow_up_shown, passes
from reports.inputs import Form, FormQuestion, Response, SurveyData
from reports.model import TOTAL, Breakdown, Comment, CommentGroup, Reason, SurveyReport
from reports.summary import ReportTexts, texts
from reports.vocabulary import SectionKind
from reports.wording import Text, Wording

__all__ = [
    "Asked",
    "Code",
    "CodeLine",
    "CodeResult",
    "Codebook",
    "CodedGroup",
    "CommentBlock",
    "Count",
    "QuoteLine",
    "Said",
    "comment_blocks",
    "comments_withheld_note",
    "group_comments",
    "scrub",
]

REMOVED = "[removed]"
MAX_QUOTES = 3

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


# ---- the view-model (what scoring puts on SurveyReport.comments) ----------------------------------------------------


@dataclass(frozen=True)
class Count:
    """How many people of one group (or the total) a count covers; None when withheld, and why."""

    group: str  # a role, or "total"
    n: int | None
    reason: Reason  # SHOWN, FEWER_THAN_5 (1 to 4), or PROTECTS_OTHER (another group's count is withheld)


@dataclass(frozen=True)
class Said:
    """One comment as shown: identical comments once."""

    text: str  # scrubbed
    language: str  # the language it is written in
    said_by: int | None  # people who wrote it: 1, or 5 or more; None for 2 to 4 ("said by fewer than 5")


@dataclass(frozen=True)
class CodeResult:
    code: str
    label: Wording
    counts: tuple[Count, ...]  # people who mentioned it: each group whose comments are listed, then the total
    quotes: tuple[Said, ...]  # up to MAX_QUOTES, the most representative first


@dataclass(frozen=True)
class Asked:
    """Whom a follow-up question was asked: those of ``roles`` who gave one of ``answers`` to the gating question."""

    question_id: str
    roles: tuple[str, ...]
    answers: tuple[Wording, ...]  # the gating question's labels of the answers that ask it
    subject: Wording  # the characteristic's title (levels) or the statement's wording
    levels: bool


@dataclass(frozen=True)
class CodedGroup(CommentGroup):
    """A ``CommentGroup`` organised by the codebook (``comments`` keeps every comment, in order of its text)."""

    kind: str = "general"  # "characteristic" | "theme" | "general" (a question of the comments section)
    roles: tuple[str, ...] = ()  # the groups whose comments are listed
    commenters: tuple[Count, ...] = ()  # people who commented: per group in ``roles``, then the total
    codes: tuple[CodeResult, ...] = ()  # codes mentioned, most mentioned first
    uncoded: tuple[Said, ...] = ()  # comments no code matched, said by the most first, then alphabetical
    asked: tuple[Asked, ...] = ()  # the follow-up questions of the group


# ---- grouping -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    person: tuple[str, int]  # role, position among the role's responses
    text: str
    language: str


def _comment_key(qn: Form, question: FormQuestion) -> str:
    """Comments are grouped under the section (theme or characteristic) their show_if question belongs to; the
    questions of the comments section each make a group of its own."""
    if question.show_if is not None:
        return qn.section_of(question.show_if.question).id
    section = qn.section_of(question.id)
    return question.id if section.kind is SectionKind.COMMENTS else section.id


def _counts(people: Mapping[str, int], roles: Sequence[str]) -> tuple[Count, ...]:
    """Each group's count and the total's, under the one rule: a count of 1 to 4 is withheld, and then every other
    group's too (the total stays), so none can be worked out as the total less the others."""
    small = any(not passes(people.get(r, 0)) for r in roles)
    found = []
    for r in roles:
        n = people.get(r, 0)
        if not passes(n):
            found.append(Count(r, None, Reason.FEWER_THAN_5))
        else:
            found.append(Count(r, None, Reason.PROTECTS_OTHER) if small else Count(r, n, Reason.SHOWN))
    total = sum(people.get(r, 0) for r in roles)
    found.append(Count(TOTAL, total, Reason.SHOWN) if passes(total) else Count(TOTAL, None, Reason.FEWER_THAN_5))
    return tuple(found)


def _people(entries: Sequence[_Entry]) -> Counter[str]:
    return Counter(role for role, _ in {e.person for e in entries})


def _collapse(entries: Sequence[_Entry]) -> list[tuple[Said, int]]:
    """Identical comments once: each with the number of people who wrote it (raw, for ordering only)."""
    by_key: dict[str, list[_Entry]] = {}
    for e in entries:
        by_key.setdefault(same_key(e.text), []).append(e)
    found = []
    for same in by_key.values():
        forms = Counter(e.text for e in same)
        text = min(forms, key=lambda f: (-forms[f], f))
        languages = Counter(e.language for e in same)
        language = min(languages, key=lambda lang: (-languages[lang], lang))
        people = len({e.person for e in same})
        found.append((Said(text, language, people if people == 1 or passes(people) else None), people))
    return found


def _quotes(said: Sequence[tuple[Said, int]], hits: Mapping[str, int]) -> tuple[Said, ...]:
    """The most representative comments for one code: said by the most people, the most keyword hits, a complete
    sentence, the shortest, then alphabetical."""
    ranked = sorted(
        said, key=lambda s: (-s[1], -hits[s[0].text], not complete_sentence(s[0].text), len(s[0].text), s[0].text)
    )
    return tuple(s for s, _ in ranked[:MAX_QUOTES])


def _organise(
    entries: Sequence[_Entry], roles: Sequence[str], codebook: Codebook | None, matcher: Matcher | None
) -> tuple[tuple[CodeResult, ...], tuple[Said, ...]]:
    """The codes a group's comments mention (counts and quotes) and its uncoded comments."""
    said = _collapse(entries)
    shown_as = {same_key(s.text): s.text for s, _ in said}  # identical comments: the text they are shown as
    coded = {s.text: matcher.codes(s.text) if matcher else {} for s, _ in said}
    ranked = []
    for index, code in enumerate(codebook.codes if codebook else ()):
        mentioned = [e for e in entries if code.id in coded[shown_as[same_key(e.text)]]]
        if not mentioned:
            continue
        counts = _counts(_people(mentioned), roles)
        hits = {text: codes.get(code.id, 0) for text, codes in coded.items()}
        quotes = _quotes([s for s in said if code.id in coded[s[0].text]], hits)
        total = counts[-1].n
        ranked.append(((total is None, -(total or 0), index), CodeResult(code.id, code.label, counts, quotes)))
    uncoded = sorted(
        ((s, n) for s, n in said if not coded[s.text]), key=lambda s: (-s[1], s[0].text.casefold(), s[0].text)
    )
    return tuple(r for _, r in sorted(ranked, key=lambda r: r[0])), tuple(s for s, _ in uncoded)


def _asked(qn: Form, question: FormQuestion, role: str) -> Asked | None:
    if question.show_if is None:
        return None
    gate = qn.question(question.show_if.question)
    assert gate is not None  # the questionnaire's validation checks show_if
    categories = gate.categories
    labels = dict(zip(categories, categories.labels, strict=True)) if categories is not None else {}
    answers = tuple(labels.get(a, Text(en=a, cy=a)) for a in question.show_if.any_of)
    levels = bool(categories is not None and categories.numbered)
    subject = qn.section_of(gate.id).title if levels else gate.text
    return Asked(question.id, (role,), answers, subject, levels)


def group_comments(
    data: SurveyData,
    roles: Sequence[str],
    by_role: Mapping[str, Sequence[Response]],
    published: Mapping[tuple[str, str], Breakdown],
) -> tuple[tuple[CodedGroup, ...], tuple[str, ...]]:
    """The comment groups of one council's report, and the roles whose comments were left out (fewer than 5
    respondents).  ``published``: (role, question id) -> the breakdown the report publishes of that group's answers
    to the question, which decides the comments to a follow-up asked after it."""
    order: list[str] = []
    titles: dict[str, Wording] = {}
    kinds: dict[str, str] = {}
    questions: dict[str, list[Wording]] = {}
    found: dict[str, list[Comment]] = {}
    entries: dict[str, list[_Entry]] = {}
    listed: dict[str, list[str]] = {}  # key -> the roles whose comments are listed
    asked: dict[str, list[Asked]] = {}
    withheld = tuple(r for r in roles if not passes(len(by_role[r])))
    for r in roles:
        qn = data.questionnaires[r]
        for q in qn.questions:
            if not q.free_text:
                continue
            key = _comment_key(qn, q)
            if key not in titles:
                order.append(key)
                section = qn.section_of(q.show_if.question) if q.show_if else qn.section_of(q.id)
                general = section.kind is SectionKind.COMMENTS and key == q.id
                titles[key] = q.text if general else section.title
                kinds[key] = "general" if general else section.kind.value
                questions[key], found[key], entries[key], listed[key], asked[key] = [], [], [], [], []
            if q.text not in questions[key]:
                questions[key].append(q.text)
            if (note := _asked(qn, q, r)) is not None:
                same = next((a for a in asked[key] if a.question_id == q.id and a.answers == note.answers), None)
                if same is None:
                    asked[key].append(note)
                else:
                    asked[key][asked[key].index(same)] = Asked(
                        q.id, (*same.roles, r), same.answers, same.subject, same.levels
                    )
            if r in withheld:
                continue
            values = [(i, v) for i, resp in enumerate(by_role[r]) if (v := resp.answers.get(q.id))]
            if q.show_if is not None and not follow_up_shown(published.get((r, q.show_if.question)), len(values)):
                continue
            if r not in listed[key]:
                listed[key].append(r)
            for i, value in values:
                text = scrub(value)
                found[key].append(Comment(text, r, q.id))
                entries[key].append(_Entry((r, i), text, language_of(text, by_role[r][i].language)))
    # Keep the questionnaires' section order across roles: characteristics, themes, then the comments section.
    rank = {}
    for r in roles:
        for i, s in enumerate(data.questionnaires[r].sections):
            rank.setdefault(s.id, (i, 0))
            for j, q in enumerate(s.questions):
                rank.setdefault(q.id, (i, j + 1))
    order.sort(key=lambda k: rank.get(k, (10_000, 0)))
    codebook = data.codebook
    matcher = codebook.matcher() if codebook is not None else None
    groups = []
    for k in order:
        shown_roles = tuple(r for r in roles if r in listed[k])
        codes, uncoded = _organise(entries[k], shown_roles, codebook, matcher)
        groups.append(
            CodedGroup(
                key=k,
                title=titles[k],
                questions=tuple(questions[k]),
                comments=tuple(
                    sorted(found[k], key=lambda c: (c.text.casefold(), c.text, c.role or "", c.question_id))
                ),
                kind=kinds[k],
                roles=shown_roles,
                commenters=_counts(_people(entries[k]), shown_roles) if shown_roles else (),
                codes=codes,
                uncoded=uncoded,
                asked=tuple(asked[k]),
            )
        )
    return tuple(groups), withheld


# ---- the comments of one subject in one language (the HTML template, the Word draft) -----------------------------


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
    counts: tuple[tuple[str, str], ...]  # (group, "12" | "fewer than 5" | withheld): per column of the block
    quotes: tuple[QuoteLine, ...]  # up to 3


@dataclass(frozen=True)
class CommentBlock:
    subject_id: str  # the characteristic's or theme's section id, or the question id of a general question
    kind: str  # "characteristic" | "theme" | "general"
    heading: str
    questions: tuple[str, ...]  # "Question asked: ..."
    asked: tuple[str, ...]  # follow-ups: whom they were asked ("Asked of those who chose Level 1 for Leadership.")
    summary: str | None  # how many people commented (None: no comments)
    columns: tuple[str, ...]  # the groups of the counts: each group whose comments are listed, then the total
    commenters: tuple[tuple[str, str], ...]  # (group, people who commented), per column
    codes: tuple[CodeLine, ...]  # most mentioned first
    uncoded: tuple[QuoteLine, ...]  # comments no code matched, after the codes
    caption: str = ""  # the counts table's caption
    note: str | None = None  # below the table: why a count is withheld, where one is

    @property
    def empty(self) -> bool:
        return not self.codes and not self.uncoded


def _cells(t: ReportTexts, counts: Sequence[Count], roles: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """(column, value) per group whose comments are listed, and the total where there are several."""
    wanted = [*roles, TOTAL] if len(roles) > 1 else list(roles)
    by_group = {c.group: c for c in counts}
    return tuple((t.group(g), _value(t, by_group[g])) for g in wanted)


def _value(t: ReportTexts, count: Count) -> str:
    if count.n is not None:
        return str(count.n)
    return t("fewer_than_5" if count.reason is Reason.FEWER_THAN_5 else "cm_withheld")


def _quote(t: ReportTexts, s: Said, language: str) -> QuoteLine:
    mark = None if s.language == language else t(f"cm_written_{s.language}")
    if s.said_by is None:
        said_by: str | None = t("cm_said_by_few")
    else:
        said_by = t("cm_said_by", n=s.said_by) if s.said_by > 1 else None
    return QuoteLine(s.text, s.language, mark, said_by)


def _either(t: ReportTexts, items: Sequence[str], joiner: str) -> str:
    """ "A", "A or B", "A, B or C" (``joiner``: cm_or or cm_and)."""
    return items[0] if len(items) == 1 else t(joiner, first=", ".join(items[:-1]), last=items[-1])


def _asked_line(t: ReportTexts, a: Asked, roles: Sequence[str], language: str) -> str:
    """ "Asked of those who chose Level 1 for Leadership." / "Asked of officers who answered "Disagree" or ..." """
    answers = _either(
        t,
        [label.get(language) if a.levels else t("cm_quoted", text=label.get(language)) for label in a.answers],
        "cm_or",
    )
    subject = a.subject.get(language).rstrip(". ")
    kind = "level" if a.levels else "statement"
    if set(roles) <= set(a.roles):
        return t(f"cm_asked_{kind}_all", answers=answers, subject=subject)
    who = _either(t, [t(f"cm_who_{r}") for r in a.roles], "cm_and")
    return t(f"cm_asked_{kind}_group", who=who, answers=answers, subject=subject)


def comment_blocks(report: SurveyReport, language: str) -> list[CommentBlock]:
    """The comments of each characteristic, theme and general question in ``language``, in the report's order."""
    t = texts(language)
    blocks = []
    for g in report.comments:
        if not isinstance(g, CodedGroup):  # pragma: no cover - scoring builds CodedGroup only
            continue
        total = next((c for c in g.commenters if c.group == TOTAL), None)
        if total is None or total.n == 0:
            summary = None
        else:
            summary = t("cm_commented", n=total.n) if total.n is not None else t("cm_commented_few")
        general = g.kind == "general"
        blocks.append(
            CommentBlock(
                subject_id=g.key,
                kind=g.kind,
                heading=g.title.get(language) if general else t("cm_heading"),
                questions=() if general else tuple(t("cm_question", question=q.get(language)) for q in g.questions),
                asked=tuple(_asked_line(t, a, report.roles, language) for a in g.asked),
                summary=summary,
                columns=tuple(label for label, _ in _cells(t, g.commenters, g.roles)) if g.commenters else (),
                commenters=_cells(t, g.commenters, g.roles) if g.commenters else (),
                codes=tuple(
                    CodeLine(
                        c.code,
                        c.label.get(language),
                        _cells(t, c.counts, g.roles),
                        tuple(_quote(t, s, language) for s in c.quotes),
                    )
                    for c in g.codes
                ),
                uncoded=tuple(_quote(t, s, language) for s in g.uncoded),
                caption=t("cm_caption_general") if general else t("cm_caption", subject=g.title.get(language)),
                note=t("cm_withheld_note")
                if any(c.reason is Reason.PROTECTS_OTHER for r in g.codes for c in r.counts)
                else None,
            )
        )
    return blocks


def comments_withheld_note(report: SurveyReport, language: str) -> str | None:
    """ "Comments from Elected Members are not shown: fewer than 5 responded." (None when every group's are.)"""
    if not report.comments_withheld:
        return None
    t = texts(language)
    return t("comments_withheld", groups=", ".join(t.group(r) for r in report.comments_withheld))

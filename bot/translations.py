"""The translator's workflow, pure: every Welsh text, its review state, and the checks a reviewed text must pass.

A **text** (``Unit``) is one bilingual pair of a YAML source (``bot.yaml_texts``), named ``<source>#<path>``
(``flows/messages.yaml#welcome``), with who reads it (``respondent``, ``auditor``, ``report``) and how it is written
(Telegram HTML, or plain text that every output escapes).

**Review state.**  All the shipped Welsh was machine-written, so every text starts as ``needs-review-translation``.
A qualified translator's review is recorded (``Review``) against the SHA-256 of the English it was reviewed against
and of the Welsh reviewed: the text is ``final`` only while both still match.  When the English changes, or someone
edits the Welsh outside the workflow, the text is back to needs-review at once, with nobody having to remember it.

**Checks.**  Welsh that comes back from a translator is refused, with one line naming the text, when it would break
something: ``{placeholders}`` other than the English's, HTML Telegram would refuse or tags other than the English's
(or tags at all in a plain text, where they would be shown as typed), a list with another number of lines, or words
the glossary (``config/glossary_cy.yaml``) rejects, or the English using a glossary term whose Welsh term is missing.

Nothing here reads files or the clock: the adapter (``bot/translations_cli.py``) passes in texts and today's date.
"""

from __future__ import annotations

import hashlib
import html
import re
import string
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from bot.yaml_texts import Pair
from flows.i18n import ENGLISH, WELSH
from flows.telegram_html import TelegramHtmlError, parse_html

NEEDS_REVIEW = "needs-review-translation"
FINAL = "final"
STATES = (NEEDS_REVIEW, FINAL)
REVIEWED = frozenset({"final", "signed-off"})
"""XLIFF 1.2 target states that mean a qualified translator has reviewed the text (any other: not yet)."""
Audience = Literal["respondent", "auditor", "report"]
AUDIENCES: tuple[Audience, ...] = ("respondent", "auditor", "report")
Markup = Literal["telegram-html", "plain"]

WHERE_SHOWN: dict[str, str] = {
    "respondent": "Shown to respondents (council officers and elected members) in their Telegram chat.",
    "auditor": "Shown to auditors in Telegram (their commands, /rates, the daily digest).",
    "report": "Printed in the published report (HTML, Word and charts) and the auditors' summary.",
}


def sha256(value: str | tuple[str, ...]) -> str:
    return hashlib.sha256(as_text(value).encode("utf-8")).hexdigest()


def as_text(value: str | tuple[str, ...]) -> str:
    """A text as the translator sees it: a list is one item a line."""
    return "\n".join(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class Unit:
    key: str
    source: str
    """The source file, as named in the project (``flows/messages.yaml``)."""
    pair: Pair
    audience: Audience
    markup: Markup

    @property
    def en(self) -> str | tuple[str, ...]:
        return self.pair.en

    @property
    def cy(self) -> str | tuple[str, ...]:
        return self.pair.cy

    def note(self, status: Status | None = None) -> str:
        """What a translator needs beside the text: where it is shown, its markup and placeholders, and why it needs
        review."""
        parts = [WHERE_SHOWN[self.audience]]
        if self.markup == "telegram-html":
            tags = sorted(set(_tags(as_text(self.en))))
            parts.append(
                "Telegram HTML: keep the tags " + " ".join(f"<{t}>" for t in tags) + "; write a literal < as "
                "&lt; and & as &amp;."
                if tags
                else "Telegram HTML: write a literal < as &lt; and & as &amp;."
            )
        else:
            parts.append("Plain text: no HTML tags (they would be shown as typed).")
        if fields := sorted(set(placeholders(as_text(self.en)))):
            parts.append("Placeholders, filled in by the bot: keep each exactly as written: " + ", ".join(fields) + ".")
        if isinstance(self.en, tuple):
            parts.append(f"A list: one item a line, {len(self.en)} lines, in the English's order.")
        if status is not None and status.state != FINAL:
            parts.append(f"Review: {status.reason}.")
        return " ".join(parts)


@dataclass(frozen=True)
class Review:
    """A translator's review of one text: which English and which Welsh, and when."""

    en_sha256: str
    cy_sha256: str
    reviewed_on: date
    state: str = FINAL


@dataclass(frozen=True)
class Status:
    state: str
    reason: str


def status(unit: Unit, reviews: dict[str, Review]) -> Status:
    review = reviews.get(unit.key)
    if review is None or review.state != FINAL:
        return Status(NEEDS_REVIEW, "machine-written, not reviewed by a translator yet")
    if review.en_sha256 != sha256(unit.en):
        return Status(NEEDS_REVIEW, f"the English changed after the Welsh was reviewed on {review.reviewed_on}")
    if review.cy_sha256 != sha256(unit.cy):
        return Status(NEEDS_REVIEW, f"the Welsh was edited after it was reviewed on {review.reviewed_on}")
    return Status(FINAL, f"reviewed on {review.reviewed_on}")


def counts(units: list[Unit], reviews: dict[str, Review]) -> dict[Audience, Counter[str]]:
    """How many texts each audience reads, by state."""
    found: dict[Audience, Counter[str]] = {audience: Counter() for audience in AUDIENCES}
    for unit in units:
        found[unit.audience][status(unit, reviews).state] += 1
    return found


def unreviewed(units: list[Unit], reviews: dict[str, Review], audience: Audience = "respondent") -> list[Unit]:
    return [u for u in units if u.audience == audience and status(u, reviews).state != FINAL]


# ---- checks -----------------------------------------------------------------------------------------------------


_FIELD = re.compile(r"\{[^{}]*\}")
_TAG = re.compile(r"<\s*([a-zA-Z][\w-]*)")
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def placeholders(text: str) -> list[str]:
    """The ``{name}`` fields of a text (``{{`` and ``}}`` are literal braces)."""
    return _FIELD.findall(text.replace("{{", "").replace("}}", ""))


def _tags(text: str) -> list[str]:
    return [t.lower() for t in _TAG.findall(text)]


def _hrefs(text: str) -> list[str]:
    return sorted(a or b for a, b in _HREF.findall(text))


@dataclass(frozen=True)
class Term:
    en: str
    en_forms: tuple[str, ...]
    cy: str
    forms: tuple[str, ...]
    rejected: tuple[str, ...]


@dataclass(frozen=True)
class Glossary:
    """``config/glossary_cy.yaml``: each English term's one Welsh term, the forms it takes, the variants refused."""

    terms: tuple[Term, ...] = ()

    @classmethod
    def from_data(cls, data: object) -> Glossary:
        entries = data.get("terms", []) if isinstance(data, dict) else []
        terms = []
        for entry in entries if isinstance(entries, list) else []:
            if (
                not isinstance(entry, dict)
                or not isinstance(entry.get(ENGLISH), str)
                or not isinstance(entry.get(WELSH), str)
            ):
                continue

            def words(name: str, default: list[str], entry: dict = entry) -> tuple[str, ...]:
                return tuple(str(w) for w in entry.get(name) or default)

            terms.append(
                Term(
                    entry[ENGLISH],
                    words("en_forms", [entry[ENGLISH]]),
                    entry[WELSH],
                    words("forms", [entry[WELSH]]),
                    words("rejected", []),
                )
            )
        return cls(tuple(terms))


def _plain_words(text: str) -> str:
    """Text without tags or {placeholders}, entities decoded, curly apostrophes straightened (as the glossary's
    own test reads texts)."""
    return html.unescape(re.sub(r"<[^>]+>|\{[a-z_]+\}", " ", text)).replace("’", "'")


def _uses(text: str, phrase: str) -> bool:
    """A whole-word, case-blind match of ``phrase`` in ``text``."""
    pattern = rf"(?<![\w']){re.escape(phrase.replace('’', chr(39)))}(?![\w'])"
    return re.search(pattern, _plain_words(text), re.IGNORECASE) is not None


def glossary_problems(english: str, welsh: str, glossary: Glossary) -> list[str]:
    found = []
    for term in glossary.terms:
        for rejected in term.rejected:
            if _uses(welsh, rejected):
                found.append(f"uses {rejected!r}, which the glossary rejects: write {term.cy!r} for {term.en!r}")
        if any(_uses(english, form) for form in term.en_forms) and not any(_uses(welsh, f) for f in term.forms):
            found.append(
                f"does not use the glossary's {term.cy!r} (or a form of it: {', '.join(term.forms)}), "
                f"though the English says {term.en!r}"
            )
    return found


def problems(unit: Unit, welsh: str | tuple[str, ...], glossary: Glossary) -> list[str]:
    """Why ``welsh`` cannot stand as this text's Welsh (empty when it can)."""
    english_text, welsh_text = as_text(unit.en), as_text(welsh)
    found: list[str] = []
    if not welsh_text.strip() or (isinstance(welsh, tuple) and not all(item.strip() for item in welsh)):
        return ["has no Welsh (an empty text or line)"]
    if isinstance(unit.en, tuple) and isinstance(welsh, tuple) and len(welsh) != len(unit.en):
        found.append(f"is a list of {len(unit.en)} lines in English but {len(welsh)} in Welsh: one item a line")
    wanted, given = Counter(placeholders(english_text)), Counter(placeholders(welsh_text))
    if wanted != given:
        missing, extra = sorted((wanted - given).elements()), sorted((given - wanted).elements())
        what = [f"missing {', '.join(missing)}"] if missing else []
        what += [f"not in the English: {', '.join(extra)}"] if extra else []
        found.append(f"has other placeholders than the English ({'; '.join(what)}): keep each {{name}} exactly")
    elif _formats(english_text) and not _formats(welsh_text):
        found.append("has a single { or } (write {{ or }} for a literal brace)")
    if unit.markup == "telegram-html":
        try:
            parse_html(welsh_text)
        except TelegramHtmlError as exc:
            found.append(
                f"is HTML Telegram would refuse ({re.sub(r' at byte offset [0-9]+', '', str(exc))}): write "
                "a literal < as &lt; and & as &amp;"
            )
        else:
            if Counter(_tags(english_text)) != Counter(_tags(welsh_text)):
                found.append(
                    f"has the tags {_tag_list(welsh_text)} where the English has {_tag_list(english_text)}: "
                    "keep the same tags"
                )
            elif _hrefs(english_text) != _hrefs(welsh_text):
                found.append("links to other addresses than the English does (href)")
    elif _tags(welsh_text) and not _tags(english_text):
        found.append(f"is plain text, but has the tags {_tag_list(welsh_text)}, which would be shown as typed")
    found += glossary_problems(english_text, welsh_text, glossary)
    return found


def _tag_list(text: str) -> str:
    tags = _tags(text)
    return " ".join(f"<{t}>" for t in sorted(tags)) if tags else "none"


def _formats(text: str) -> bool:
    try:
        list(string.Formatter().parse(text))
    except ValueError:
        return False
    return True


# ---- importing a translator's file ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Incoming:
    """One text as it came back in the translator's file."""

    key: str
    english: str
    welsh: str
    state: str | None


@dataclass
class ImportPlan:
    """What an import would do: the Welsh to write per source, the reviews afterwards, and what stops it."""

    changes: dict[str, list[tuple[Pair, str | tuple[str, ...]]]] = field(default_factory=dict)
    reviews: dict[str, Review] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    changed: int = 0
    reviewed: int = 0
    back_to_review: int = 0


def _welsh_value(unit: Unit, text: str) -> str | tuple[str, ...]:
    """The translator's text in the source's shape: a list split into its lines; the final line breaks as the
    current Welsh has them (a literal block ends with one, which translation tools may drop).  Spaces are kept:
    " and " joins words."""
    text = text.replace("\r\n", "\n")
    if isinstance(unit.en, tuple):
        return tuple(text.rstrip("\n").split("\n"))
    current = as_text(unit.cy)
    return text.rstrip("\n") + current[len(current.rstrip("\n")) :]


def plan_import(
    units: dict[str, Unit],
    incoming: list[Incoming],
    reviews: dict[str, Review],
    glossary: Glossary,
    today: date,
    *,
    skip_changed_english: bool = False,
) -> ImportPlan:
    """Decide an import: for each text in the file, its new Welsh (checked) and its state as the file says it
    (``final``/``signed-off``: reviewed against the current English; anything else: needs review).  Texts not in
    the file keep their Welsh and their state."""
    plan = ImportPlan(reviews=dict(reviews))
    seen: set[str] = set()
    for item in incoming:
        unit = units.get(item.key)
        if unit is None:
            plan.problems.append(f"{item.key}: no such text in this version of datatool-bot (export the file again)")
            continue
        if item.key in seen:
            plan.problems.append(f"{item.key}: in the file twice")
            continue
        seen.add(item.key)
        if item.english.strip() != as_text(unit.en).strip():
            message = f"{item.key}: the English has changed since the file was exported"
            if skip_changed_english:
                plan.skipped.append(message)
            else:
                plan.problems.append(message + ": export again (or import with --skip-changed-english)")
            continue
        welsh = _welsh_value(unit, item.welsh)
        final = (item.state or "").strip() in REVIEWED
        if welsh != unit.cy or final:
            plan.problems += [f"{item.key}: the Welsh {why}" for why in problems(unit, welsh, glossary)]
        if welsh != unit.cy:
            plan.changes.setdefault(unit.source, []).append((unit.pair, welsh))
            plan.changed += 1
        before = status(unit, reviews).state
        if final:
            plan.reviews[unit.key] = Review(sha256(unit.en), sha256(welsh), today)
            plan.reviewed += before != FINAL or welsh != unit.cy
        else:
            plan.reviews.pop(unit.key, None)
            plan.back_to_review += before == FINAL
    return plan


# ---- the review file (config/translation_review.yaml) ----------------------------------------------------------------

REVIEW_HEADER = """\
# Which Welsh texts a qualified translator has reviewed, and against which English.
#
# Written by `datatool-bot translations import`: do not edit it by hand.  Each entry is a text's key (source file #
# path in it), the SHA-256 of the English it was reviewed against and of the Welsh that was reviewed, and the date.
# A text is final only while both hashes match its current English and Welsh: when either changes, the text needs
# review again.  A text not listed here has not been reviewed: all the shipped Welsh was machine-written.
"""


def parse_reviews(data: object) -> dict[str, Review]:
    """The reviews of the file's parsed YAML (``ValueError`` naming the entry that is not one)."""
    if data is None:
        return {}
    entries = data.get("reviews") if isinstance(data, dict) else None
    if entries is None:
        return {}
    if not isinstance(entries, dict):
        raise ValueError("'reviews' must be a mapping of text keys")
    found = {}
    for key, entry in entries.items():
        try:
            found[str(key)] = Review(
                str(entry["en_sha256"]),
                str(entry["cy_sha256"]),
                entry["reviewed_on"]
                if isinstance(entry["reviewed_on"], date)
                else date.fromisoformat(str(entry["reviewed_on"])),
                str(entry.get("state", FINAL)),
            )
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"the entry for {key} needs en_sha256, cy_sha256 and reviewed_on (YYYY-MM-DD)") from None
    return found


def render_reviews(reviews: dict[str, Review]) -> str:
    if not reviews:
        return REVIEW_HEADER + "reviews: {}\n"
    lines = [REVIEW_HEADER.rstrip("\n"), "reviews:"]
    for key in sorted(reviews):
        r = reviews[key]
        lines += [
            f"  {_quoted(key)}:",
            f"    state: {r.state}",
            f"    en_sha256: {r.en_sha256}",
            f"    cy_sha256: {r.cy_sha256}",
            f"    reviewed_on: {r.reviewed_on.isoformat()}",
        ]
    return "\n".join(lines) + "\n"


def _quoted(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'

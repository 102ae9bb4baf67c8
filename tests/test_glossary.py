"""Cymraeg of the same standard (issue 22 item 7).

- One Welsh term per concept: ``config/glossary_cy.yaml`` gives each English term its one Welsh term; every Welsh text
  of the project (flows/messages.yaml, the questionnaires, reports/i18n_*.yaml, the Welsh texts of config/*.yaml) uses
  it wherever its English text uses the English term, and none uses a rejected variant ("ymyl gwall" and
  "lwfans gwallau" stood beside "lwfans gwall" for margin of error; "adnodd data" beside "offeryn data").
- Mutations: each council's Welsh name carries its mutated forms (config/authorities.yaml), checked against the forms
  the reference glossary attests; the Welsh report never writes a council's name unmutated after "yn", "o", "i" and
  the other words that mutate it.
- No English in the Welsh report except respondents' own words (marked with their language) and the codes the
  glossary defines.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest
import yaml

from config.authorities import AuthoritiesError, Authority, load_authorities
from reports.html import render_report
from reports.publisher import ASPIRATE_TRIGGERS, SOFT_TRIGGERS, WelshName, welsh_after
from reports.scoring import score
from tests.test_report_outputs import flintshire_charts
from tests.test_report_structure import full_data

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "config" / "glossary_cy.yaml"
SKIPPED_KEYS = {"typed", "keywords"}
"""Lists of words a respondent may type, or that find a comment's code: variants there are the point."""


def welsh_files() -> list[Path]:
    files = [
        ROOT / "flows" / "messages.yaml",
        *sorted((ROOT / "config" / "questionnaires").glob("*.yaml")),
        *sorted((ROOT / "reports").glob("i18n_*.yaml")),
        *sorted((ROOT / "config").glob("*.yaml")),
    ]
    return [f for f in files if f != GLOSSARY]


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    return None


def pairs(node: object, where: str) -> Iterator[tuple[str, str, str]]:
    """(where, English, Welsh) for every mapping that holds both an ``en`` and a ``cy`` text, anywhere in a file."""
    if isinstance(node, dict):
        english, welsh = _text(node.get("en")), _text(node.get("cy"))
        if english is not None and welsh is not None:
            yield where, english, welsh
        for key, value in node.items():
            if key not in SKIPPED_KEYS:
                yield from pairs(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from pairs(value, f"{where}[{i}]")


@cache
def all_pairs() -> tuple[tuple[str, str, str], ...]:
    found = []
    for path in welsh_files():
        found += pairs(yaml.safe_load(path.read_text(encoding="utf-8")), str(path.relative_to(ROOT)))
    return tuple(found)


@cache
def glossary() -> dict:
    return yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))


@cache
def plain(text: str) -> str:
    """Text without Telegram HTML tags or {placeholders}, curly apostrophes straightened."""
    text = re.sub(r"<[^>]+>|\{[a-z_]+\}", " ", text)
    return html.unescape(text).replace("’", "'")


def uses(text: str, phrase: str, *, exact_capitals: bool = False) -> bool:
    """Whether ``text`` uses ``phrase`` as whole words, whatever their case (with ``exact_capitals``, a phrase
    written with a capital only as written: "Don't know", the answer, is not "I don't know")."""
    flags = 0 if exact_capitals and phrase[:1].isupper() else re.IGNORECASE
    return re.search(rf"(?<![\w']){re.escape(phrase.replace('’', chr(39)))}(?![\w'])", plain(text), flags) is not None


def test_the_glossary_is_one_term_per_concept():
    terms = glossary()["terms"]
    assert len({t["en"].casefold() for t in terms}) == len(terms)
    for term in terms:
        assert term["cy"] in term["forms"], term["en"]
        assert not {f.casefold() for f in term["forms"]} & {r.casefold() for r in term["rejected"]}, term["en"]
        assert term["en_forms"] and term["rejected"], term["en"]
    margin = next(t for t in terms if t["en"] == "margin of error")
    assert margin["cy"] == "lwfans gwall" and {"ymyl gwall", "lwfans gwallau"} <= set(margin["rejected"])


def test_the_texts_are_found():
    found = all_pairs()
    files = {where.split(".yaml")[0] for where, _, _ in found}
    assert {
        "flows/messages",
        "config/questionnaires/officer",
        "reports/i18n_reports",
        "config/privacy",
        "config/publisher",
    } <= files
    assert len(found) > 500


def test_no_welsh_text_uses_a_rejected_variant():
    bad = [
        f"{where}: {rejected!r}"
        for where, _, welsh in all_pairs()
        for term in glossary()["terms"]
        for rejected in term["rejected"]
        if uses(welsh, rejected)
    ]
    assert bad == [], "\n".join(bad)


def test_every_welsh_text_uses_the_glossary_term_where_its_english_uses_the_english_one():
    missing = []
    for where, english, welsh in all_pairs():
        for term in glossary()["terms"]:
            if any(uses(english, form, exact_capitals=True) for form in term["en_forms"]) and not any(
                uses(welsh, form) for form in term["forms"]
            ):
                missing.append(f"{where}: {term['en']!r} -> {term['cy']!r}: {plain(welsh)[:120]!r}")
    assert missing == [], f"{len(missing)} Welsh texts do not use the glossary's term:\n" + "\n".join(missing)


def test_a_rejected_variant_and_a_missing_term_are_caught():
    terms = glossary()["terms"]
    margin = next(t for t in terms if t["en"] == "margin of error")
    assert any(uses("Mae'r ymyl gwall yn 12 pwynt", r) for r in margin["rejected"])
    assert any(uses("Mae'r lwfans gwall yn 12 pwynt", f) for f in margin["forms"])
    assert not any(uses("Mae'r ymyl gwall yn 12 pwynt", f) for f in margin["forms"])
    assert not uses("Ddim yn gwybod", "Dim yn gwybod")  # a whole-word match


# ---- mutations ----------------------------------------------------------------------------------------------------

ATTESTED = {
    # glossary-cy.md: the councils' names after "yn", "o", "i", "gan", "gyda", "â", as their own pages write them.
    "Pembrokeshire County Council": ("yn", "yng Nghyngor Sir Penfro"),
    "Bridgend County Borough Council": ("yn", "yng Nghyngor Bwrdeistref Sirol Pen-y-bont ar Ogwr"),
    "Isle of Anglesey County Council": ("o", "o Gyngor Sir Ynys Môn"),
    "Newport City Council": ("i", "i Gyngor Dinas Casnewydd"),
    "Carmarthenshire County Council": ("gan", "gan Gyngor Sir Caerfyrddin"),
    "Powys County Council": ("gyda", "gyda Chyngor Sir Powys"),
    "Flintshire County Council": ("â", "â Chyngor Sir y Fflint"),
    "Swansea Council": ("gan", "gan Ddinas a Sir Abertawe"),
}


def forms(authority: Authority) -> WelshName:
    assert authority.name_cy and authority.cy_forms, authority.name
    f = authority.cy_forms
    return WelshName(authority.name_cy, f.soft, f.nasal, f.aspirate, f.yn)


def test_every_council_carries_its_mutated_forms():
    authorities = {a.name: a for a in load_authorities()}
    assert len(authorities) == 22 and all(a.cy_forms for a in authorities.values())
    for name, (word, phrase) in ATTESTED.items():
        assert forms(authorities[name]).after(word) == phrase
    assert forms(authorities["Swansea Council"]).yn == "yn Ninas a Sir Abertawe"
    assert forms(authorities["Flintshire County Council"]).yn == "yng Nghyngor Sir y Fflint"
    # The forms given are the ones the rules give: a typing slip in the file would show here.
    for a in authorities.values():
        assert forms(a) == WelshName.of(a.name_cy or ""), a.name


def test_a_form_that_is_not_of_the_name_is_refused(tmp_path: Path):
    bad = tmp_path / "authorities.yaml"
    bad.write_text(
        "- name: Flintshire County Council\n  name_cy: Cyngor Sir y Fflint\n  cy_forms:\n"
        "    yn: yn Cyngor Sir y Fflint\n    soft: Gyngor Sir y Fflint\n    nasal: Nghyngor Sir y Fflint\n"
        "    aspirate: Chyngor Sir y Fflint\n",
        encoding="utf-8",
    )
    with pytest.raises(AuthoritiesError, match="cy_forms.yn"):
        load_authorities(bad)
    bad.write_text(
        "- name: Flintshire County Council\n  name_cy: Cyngor Sir y Fflint\n  cy_forms:\n"
        "    yn: yng Nghyngor Sir y Fflint\n    soft: Gyngor Sir Fflint\n    nasal: Nghyngor Sir y Fflint\n"
        "    aspirate: Chyngor Sir y Fflint\n",
        encoding="utf-8",
    )
    with pytest.raises(AuthoritiesError, match="cy_forms.soft"):
        load_authorities(bad)


def unmutated(page: str, authority: Authority) -> list[str]:
    """Where a generated Welsh text writes the council's name unmutated after a word that mutates it."""
    words = sorted({"yn", *SOFT_TRIGGERS, *ASPIRATE_TRIGGERS}, key=len, reverse=True)
    name = re.escape(authority.name_cy or "")
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    pattern = rf"(?<![\w'])(?:{'|'.join(map(re.escape, words))}) {name}"
    return [
        m.group(0)
        for m in re.finditer(pattern, text, re.IGNORECASE)
        if (authority.name_cy or "")[:1].casefold() in "cptgbdm" or "ll" == (authority.name_cy or "")[:2]
    ]


@pytest.mark.parametrize(
    "council",
    ["Flintshire County Council", "Swansea Council", "Powys County Council", "Blaenau Gwent County Borough Council"],
)
def test_the_welsh_report_mutates_the_council_name(council):
    authority = next(a for a in load_authorities() if a.name == council)
    data = full_data(authority=council, authority_cy=authority.name_cy, authority_forms=forms(authority))
    report = score(data)
    page = render_report(report, "cy", with_charts=False)
    assert authority.name_cy in page
    assert unmutated(page, authority) == []
    # The sentence a finding or a heading builds comes out mutated, and would have been caught unmutated.
    assert welsh_after(report, "yn") == forms(authority).yn
    assert unmutated(f"<p>Barn yr ymatebwyr yn {authority.name_cy}</p>", authority) != []


# ---- no English in the Welsh report ---------------------------------------------------------------------------------


class _Words(HTMLParser):
    """The words of a page a reader meets, outside anything marked as in another language (respondents' words) and
    outside style."""

    VOID: ClassVar[frozenset[str]] = frozenset(
        {
            "br",
            "meta",
            "link",
            "img",
            "input",
            "hr",
            "wbr",
            "source",
            "area",
            "base",
            "col",
            "embed",
            "param",
            "track",
            "path",
            "use",
            "rect",
            "circle",
            "line",
            "polyline",
            "polygon",
            "stop",
        }
    )

    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.stack: list[tuple[str, bool]] = []
        self.words: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        lang = dict(attrs).get("lang")
        foreign = (self.stack[-1][1] if self.stack else False) or (lang is not None and lang != self.language)
        self.stack.append((tag, foreign or tag in ("style", "script")))

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not (self.stack and self.stack[-1][1]):
            self.words += re.findall(r"[^\W\d_][\w'’-]*", data)


def english_only_words() -> set[str]:
    """Words of the project's English texts that none of its Welsh texts uses: English, not shared names."""
    english, welsh = set(), set()
    for _, en, cy in all_pairs():
        english |= {w.casefold() for w in re.findall(r"[^\W\d_][\w'-]*", plain(en))}
        welsh |= {w.casefold() for w in re.findall(r"[^\W\d_][\w'-]*", plain(cy))}
    return english - welsh - {c.casefold() for c in glossary()["codes"]}


def test_the_welsh_report_holds_no_english_but_marked_words():
    data = full_data(demonstration=True)
    page = render_report(score(data), "cy", charts=flintshire_charts("cy"))  # the charts' words too
    parser = _Words("cy")
    parser.feed(page)
    english = english_only_words()
    found = sorted({w for w in parser.words if w.casefold() in english})
    assert found == [], f"English in the Welsh report: {found}"
    # The measure finds English: the English report is full of it.
    parser = _Words("cy")
    parser.feed(render_report(score(data), "en", with_charts=False).replace('lang="en"', 'lang="cy"'))
    assert len({w for w in parser.words if w.casefold() in english}) > 100


def test_respondents_words_are_marked_with_their_language():
    """What lets the test above leave respondents' own words out: each quote carries its language."""
    page = render_report(score(full_data()), "cy", with_charts=False)
    quotes = re.findall(r"<blockquote\b[^>]*>", page)
    assert quotes and all(re.search(r'\blang="(en|cy)"', q) for q in quotes)
    assert any('lang="en"' in q for q in quotes)  # the constructed comments are in English

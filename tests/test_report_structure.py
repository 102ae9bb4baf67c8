"""The report's order and furniture (issue 22 item 3, and the HTML side of item 8): the council's own results first
(the publisher block, the response-rate table, the key findings, the seven characteristics, the four themes), then
the comparisons and good practice, the background (why making better use of data matters, the seven
characteristics' three levels, the national report), and the statistics in the annexes at the end; the publisher
from configuration, per audit body; a demonstration says so at the top and the foot; both languages carry the same
sections and notes.  (How far down a phone the results start is measured in a browser: tests/test_report_browser.py.)
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import Path

import pytest

from bot.compiler import Compiler
from config.authorities import load_authorities
from config.publisher import PublisherError, load_publisher
from reports.html import render_report
from reports.publisher import Publisher, WelshName
from reports.scoring import score
from reports.summary import LANGUAGES
from tests.test_report_outputs import flintshire
from tests.test_scoring import QN

ORDER = [
    "responses",
    "key-findings",
    "characteristics",
    "themes",
    "comments",
    "position",
    "change",
    "good-practice",
    "background",
    "method",
    "response-outcomes",
    "targets",
    "early-late",
]
"""The report's sections, in order: the council's own, the comparisons, the background, the annexes."""


def publisher() -> Publisher:
    return Publisher(**load_publisher().fields())


def flintshire_forms() -> WelshName:
    (flint,) = [a for a in load_authorities() if a.name == "Flintshire County Council"]
    assert flint.name_cy and flint.cy_forms
    f = flint.cy_forms
    return WelshName(flint.name_cy, f.soft, f.nasal, f.aspirate, f.yn)


def full_data(**changes):
    """Flintshire as the bot compiles it, set among four other councils and beside its previous round, with early and
    late respondents: every section of the report shows."""
    others = [flintshire(authority=name) for name in ("Council A", "Council B", "Council C", "Council D")]
    data = replace(
        flintshire(),
        round="2026",
        peers=others,
        previous=replace(flintshire(), round="2025"),
        publisher=publisher(),
        authority_forms=flintshire_forms(),
    )
    data = replace(data, responses=[replace(r, reminders_before=i % 3) for i, r in enumerate(data.responses)])
    return replace(data, **changes)


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    report = score(full_data())
    return {language: render_report(report, language, with_charts=False) for language in LANGUAGES}


def sections(page: str) -> list[str]:
    return [s for s in re.findall(r'<section id="([^"]+)"', page) if s in ORDER]


def text(page: str) -> str:
    """The page's words: no style, no tags."""
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_council_first_and_the_annexes_last(pages, language):
    page = pages[language]
    assert sections(page) == ORDER
    # The publisher block heads the page, before the rates; the contents list follows the order.
    assert page.index('<dl class="publisher">') < page.index("<nav") < page.index('<section id="responses">')
    nav = page[page.index("<nav") : page.index("</nav>")]
    assert re.findall(r'href="#([^"]+)"', nav) == ORDER
    # The annexes are numbered in order, the early/late comparison (reports.early_late's own heading) the last.
    annex = "Annex" if language == "en" else "Atodiad"
    headings = re.findall(rf"<h2>({annex} \d+): ", page)
    assert headings == [f"{annex} {n}" for n in (1, 2, 3, 4)]
    assert re.search(rf'<section id="early-late">\s*<h2>{annex} 4: ', page)
    # The old disclaimer under "Summary of key issues" is gone: the key findings hold the issues.
    assert "Summary of key issues" not in page and "Crynodeb o'r materion allweddol" not in page


def test_the_order_without_comparisons_or_comments():
    report = score(replace(flintshire(), publisher=publisher()))
    page = render_report(report, "en", full=False, with_charts=False)
    assert sections(page) == [
        "responses",
        "key-findings",
        "characteristics",
        "themes",
        "good-practice",
        "background",
        "method",
        "response-outcomes",
        "targets",
    ]
    nav = page[page.index("<nav") : page.index("</nav>")]
    assert re.findall(r'href="#([^"]+)"', nav) == sections(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_publisher_block_comes_from_configuration(pages, language):
    block = text(pages[language].split('<dl class="publisher">', 1)[1].split("</dl>", 1)[0])
    if language == "en":
        assert "Round 2026" in block and "Fieldwork 1 December 2026 to 15 January 2027" in block
        assert "Publisher Audit Wales" in block and "info@audit.wales · 029 2032 0500" in block
    else:
        assert "Rownd 2026" in block and "Gwaith maes 1 Rhagfyr 2026 i 15 Ionawr 2027" in block
        assert "Cyhoeddwr Archwilio Cymru" in block and "post@archwilio.cymru" in block
    footer = text(pages[language].split("<footer>", 1)[1])
    assert (
        "1 Capital Quarter, Tyndall Street, Cardiff CF10 4BZ"
        if language == "en"
        else "1 Cwr y Ddinas, Stryd Tyndall, Caerdydd CF10 4BZ"
    ) in footer


def test_another_audit_body_publishes_under_its_own_name():
    other = Publisher(
        audit_body={"en": "Audit Body X", "cy": "Corff Archwilio X"},
        national_report={"en": "Data in councils", "cy": "Data mewn cynghorau"},
        contact={"en": ("Audit Body X, 1 High Street",), "cy": ("Corff Archwilio X, 1 Stryd Fawr",)},
        contact_short={"en": "x@example.org", "cy": "x@example.org"},
        context={"en": ("Our own context.",), "cy": ("Ein cyd-destun ein hunain.",)},
    )
    page = render_report(score(replace(flintshire(), publisher=other)), "en", with_charts=False)
    ours = text(
        page.split('<section id="responses">')[0]
        + page.split('<section id="background">')[1].split('<section id="method">')[0]
        + page.split("<footer>")[1]
    )  # the good-practice examples cite their source
    assert "Publisher Audit Body X" in ours and "Audit Body X, 1 High Street" in ours
    assert "Our national report is Data in councils." in ours and "Our own context." in ours
    assert "Audit Wales" not in ours and "Maturity of Local Government" not in ours
    welsh = text(render_report(score(replace(flintshire(), publisher=other)), "cy", with_charts=False))
    assert "Cyhoeddwr Corff Archwilio X" in welsh and "Ein hadroddiad cenedlaethol yw Data mewn cynghorau." in welsh
    # Without a publisher (a report rendered on its own) nothing is made up.
    bare = render_report(score(flintshire()), "en", with_charts=False)
    assert "Publisher" not in text(bare.split("</dl>", 1)[0]) and "<address>" not in bare


def test_the_publisher_file_is_checked(tmp_path: Path):
    shipped = load_publisher()
    assert shipped.audit_body.en == "Audit Wales" and shipped.audit_body.cy == "Archwilio Cymru"
    assert shipped.national_report.en == "The Maturity of Local Government in Use of Data"
    broken = tmp_path / "publisher.yaml"
    broken.write_text("audit_body: {en: Audit Wales}\n", encoding="utf-8")
    with pytest.raises(PublisherError) as caught:
        load_publisher(broken)
    assert str(caught.value).startswith(f"{broken}: audit_body.cy: ") and "\n" not in str(caught.value)
    with pytest.raises(PublisherError, match="cannot read"):
        load_publisher(tmp_path / "missing.yaml")
    blank = (
        (Path(__file__).parents[1] / "config" / "publisher.yaml")
        .read_text(encoding="utf-8")
        .replace("cy: Archwilio Cymru", "cy: '  '")
    )
    broken.write_text(blank, encoding="utf-8")
    with pytest.raises(PublisherError, match="audit_body.cy: .*empty"):
        load_publisher(broken)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_background_has_why_data_matters_and_the_three_levels(pages, language):
    page = pages[language]
    background = page[page.index('<section id="background">') : page.index('<section id="method">')]
    words = text(background)
    p = publisher()
    for paragraph in (*p.lines("context", language), *p.lines("benefits", language)):
        assert paragraph in words
    assert p.text("national_report", language) in words and p.text("national_report_where", language) in words
    # The seven characteristics with their Level 1-3 descriptors, from the questionnaire, once each in the page.
    for section in QN["officer"].sections:
        if section.kind.value == "characteristic":
            assert f'id="levels-{section.id}"' in background
            assert f'href="#levels-{section.id}"' in page  # each characteristic's results link to its levels
            for option in section.questions[0].options:
                detail = str(html.escape(option.detail.get(language), quote=True)).replace("&#x27;", "&#39;")
                assert page.count(detail) == 1 or text(page).count(option.detail.get(language)) == 1


JARGON = {
    "en": (
        "RR1",
        "RR2",
        "COOP",
        "AAPOR",
        "1.96",
        "√",
        "finite population",
        "effective number",
        "worst-case",
        "Σ",
        "nearest-rank",
    ),
    "cy": (
        "RR1",
        "RR2",
        "COOP",
        "AAPOR",
        "1.96",
        "√",
        "poblogaeth feidraidd",
        "nifer effeithiol",
        "gwaethaf posibl",
        "Σ",
    ),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_statistics_jargon_stays_in_the_annexes(pages, language):
    page = pages[language]
    before, annexes = page.split('<section id="method">', 1)
    # Left for the comparisons (reports/i18n_comparisons.yaml): the note under the change since the previous round
    # explains its test ("finite population corrected"); it belongs in the method annex.
    change = re.search(r'<section id="change">.*?</section>', before, flags=re.DOTALL)
    if change:
        before = before.replace(
            change.group(0), re.sub(r'<p class="note">.*?</p>', "", change.group(0), flags=re.DOTALL)
        )
    found = [word for word in JARGON[language] if word in text(before)]
    assert found == [], f"jargon before the annexes: {found}"
    assert all(word in text(annexes) for word in ("RR1", "COOP", "AAPOR", "1.96"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_demonstration_says_so_at_the_top_the_foot_and_on_every_printed_page(language):
    demo = render_report(score(full_data(demonstration=True)), language, with_charts=False)
    real = render_report(score(full_data()), language, with_charts=False)
    banner = "Demonstration with invented data" if language == "en" else "Arddangosiad gyda data wedi'u dyfeisio"
    body = demo.split("<main>", 1)[1]
    assert body.lstrip().startswith('<p class="demo" role="note">')  # the first thing read
    assert banner in html.unescape(body.split("<header>", 1)[0])
    assert banner in html.unescape(demo.split("<footer>", 1)[1])
    assert re.search(r"<title>(DEMONSTRATION|ARDDANGOSIAD)", demo)
    assert '<p class="demo-mark" aria-hidden="true">' in demo and "position: fixed" in demo  # each printed page
    assert 'class="demo' not in real and banner not in html.unescape(real) and "DEMONSTRATION" not in real


def notes_by_section(page: str) -> list[tuple[str, int]]:
    """Each section or article (by id, in order) and the notes it holds up to the next one."""
    parts = re.split(r'<(?:section|article) id="([^"]+)"', page)
    return [(parts[i], parts[i + 1].count('class="note"')) for i in range(1, len(parts), 2)]


def test_both_languages_carry_the_same_sections_and_notes(pages):
    en, cy = pages["en"], pages["cy"]
    assert re.findall(r'\bid="([^"]+)"', en) == re.findall(r'\bid="([^"]+)"', cy)
    assert notes_by_section(en) == notes_by_section(cy)
    # The translation note is in both (it was in the Welsh version only).
    assert "working translation" in en and "Cyfieithiad gwaith" in cy
    assert [len(re.findall(tag, en)) for tag in ("<h2", "<h3", "<h4", "<li", "<table")] == [
        len(re.findall(tag, cy)) for tag in ("<h2", "<h3", "<h4", "<li", "<table")
    ]


def test_the_compiler_gives_the_report_its_publisher_and_welsh_name():
    compiler = Compiler(None, QN)  # type: ignore[arg-type]  # published() reads no survey
    data = compiler.published(flintshire())
    assert data.publisher == publisher() and data.authority_forms == flintshire_forms()
    assert data.authority_forms.yn == "yng Nghyngor Sir y Fflint"
    assert compiler.published(flintshire(authority="Council A")).authority_forms is None  # not in the list
    report = score(data)
    assert report.publisher == data.publisher and report.authority_forms == data.authority_forms


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_method_explains_the_findings_and_the_council_findings_have_a_place(pages, language):
    """The sentences say "beyond the margin of error" and nothing more: the method annex says once what that means;
    the findings about the council as a whole (its place among the councils, no change) open the characteristics."""
    from reports.findings import council_findings
    from reports.texts import texts

    t = texts(language)
    page = pages[language]
    method = page[page.index('<section id="method">') : page.index('<section id="response-outcomes">')]
    assert t("fnd_method_heading") in method
    report = score(full_data())
    characteristics = page[page.index('<section id="characteristics">') : page.index('<article id="kc-')]
    found = council_findings(report)
    assert found, "the full data has peers and a previous round: at least one finding about the council"
    for finding in found:
        assert finding.text[language] in text(characteristics)

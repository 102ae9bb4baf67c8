"""The Word drafts (issue 22 item 8): ``report-en.docx`` and ``report-cy.docx`` beside the HTML, opened with
python-docx as Word would read them.

- Headings are Word's heading styles, in order: one Title, then Heading 1, 2, 3 ... never skipping a level, so the
  navigation pane and Word's accessibility checker work; their texts are the HTML report's headings, in its order.
- Tables are real Word tables, one per table of the HTML report, with the same cells; their header rows are marked
  to repeat on every page (``w:tblHeader``) and each carries its caption as its title (``w:tblCaption``).
- Every chart of the HTML is a picture with the chart's alt text as its description (``wp:docPr/@descr``).
- The findings (``reports.findings``) and the comments (``reports.comments``) are there, in the HTML's order.
- The document's title and language are set (``cy-GB`` for the Welsh one, whose text is the Welsh report's).
- A report of invented data says so on every page (each section's header) and in the body; a real one does not.
"""

from __future__ import annotations

import io
import itertools
import random
import re
from functools import cache
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm

from bot.compiler import write_report
from config.publisher import load_publisher
from flows.report_input import survey_data
from reports import findings
from reports.charts import report_charts
from reports.comments import comment_blocks
from reports.docx import CHARACTER_MM, column_widths, render_docx
from reports.html import render_report
from reports.html_tree import read_page
from reports.inputs import Response, SurveyData
from reports.publisher import Publisher
from reports.scoring import score
from reports.texts import texts
from tests.test_scoring import QN

LANGUAGES = ("en", "cy")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
PUBLISHER = Publisher(**load_publisher().fields())  # config/publisher.yaml: Audit Wales / Archwilio Cymru
WELSH_COMMENT = "Mae'r timau'n cadw eu taenlenni eu hunain"
ENGLISH_COMMENT = "Services keep their own spreadsheets"


def council(*, demonstration: bool = False) -> SurveyData:
    """24 of 40 officers and 12 of 30 members, officers placing the council higher than members; a few answer in
    Welsh, and comments come in both languages."""
    rng = random.Random(22)
    responses = []
    for role, n, weights in (("officer", 24, (1, 5, 3, 1)), ("member", 12, (6, 3, 1, 1))):
        qn = QN[role]
        for i in range(n):
            answers: dict[str, str | None] = {}
            for q in qn.questions:
                if q.show_if is not None:
                    continue
                if q.type == "choice":
                    answers[q.id] = rng.choices(["l1", "l2", "l3", "dk"], weights)[0]
                elif q.type == "scale":
                    answers[q.id] = rng.choices(["sa", "a", "n", "d", "sd", "dk"], (3, 5, 2, 1, 1, 1))[0]
            welsh = i % 4 == 0
            answers["barriers"] = (WELSH_COMMENT if welsh else ENGLISH_COMMENT) + f" ({role} {i})"
            responses.append(Response(role, answers, "cy" if welsh else "en"))
    return survey_data(
        authority="Flintshire County Council",
        authority_cy="Cyngor Sir y Fflint",
        invited={"officer": 40, "member": 30},
        responses=responses,
        questionnaires=QN,
        demonstration=demonstration,
        publisher=PUBLISHER,
    )


@cache
def written(demonstration: bool) -> dict[str, bytes]:
    """Every output of ``write_report`` (once per session and flag), by file name."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="word-report-"))
    return {p.name: p.read_bytes() for p in write_report(council(demonstration=demonstration), folder).paths}


def word(language: str, demonstration: bool = False):
    return Document(io.BytesIO(written(demonstration)[f"report-{language}.docx"]))


def page(language: str, demonstration: bool = False) -> str:
    return written(demonstration)[f"report-{language}.html"].decode()


def html_headings(language: str) -> list[tuple[int, str]]:
    tree = read_page(page(language))
    body = next(tree.elements("main"), None) or tree
    found = []

    def walk(node) -> None:
        for child in node.children:
            if isinstance(child, str) or child.tag in ("nav", "svg", "table"):
                continue
            if child.tag in HEADINGS:
                found.append((int(child.tag[1]), " ".join(child.text().split())))
            else:
                walk(child)

    walk(body)
    return found


def word_headings(document) -> list[tuple[str, str]]:
    return [
        (p.style.name, p.text)
        for p in document.paragraphs
        if p.style.name == "Title" or p.style.name.startswith("Heading")
    ]


def body_text(document) -> str:
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_both_word_drafts_are_written_beside_the_html():
    names = set(written(False))
    assert {"report-en.docx", "report-cy.docx", "report-en.html", "report-cy.html"} <= names
    for language in LANGUAGES:
        assert word(language).paragraphs  # python-docx opens it


@pytest.mark.parametrize("language", LANGUAGES)
def test_headings_are_word_heading_styles_in_order_and_are_the_htmls(language: str):
    document = word(language)
    headings = word_headings(document)
    styles = [style for style, _ in headings]
    assert styles.count("Title") == 1 and styles[0] == "Title"
    levels = [int(style.split()[1]) for style in styles[1:]]
    assert levels[0] == 1 and max(levels) >= 3
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels  # never a skipped level
    assert [text for _, text in headings] == [text for _, text in html_headings(language)]
    for style in set(styles):  # Word's own built-in heading styles, which the navigation pane lists
        assert document.styles[style].builtin


@pytest.mark.parametrize("language", LANGUAGES)
def test_tables_are_word_tables_with_header_rows_repeated_and_the_htmls_cells(language: str):
    document = word(language)
    tree = read_page(page(language))
    html_tables = list((next(tree.elements("main"), None) or tree).elements("table"))
    assert len(document.tables) == len(html_tables) >= 10
    for table, html_table in zip(document.tables, html_tables, strict=True):
        first = table.rows[0]._tr
        assert first.trPr is not None and first.trPr.find(qn("w:tblHeader")) is not None  # repeats on every page
        assert all(run.bold for cell in table.rows[0].cells for p in cell.paragraphs for run in p.runs)
        caption = table._tbl.tblPr.find(qn("w:tblCaption"))
        html_caption = next(html_table.elements("caption"))
        assert caption is not None and caption.get(qn("w:val")) == " ".join(html_caption.text().split())
        html_cells = [
            " ".join(c.text().split())
            for tr in html_table.elements("tr")
            for c in tr.children
            if not isinstance(c, str) and c.tag in ("th", "td")
        ]
        word_cells = []
        for row in table.rows:  # a merged cell (a withheld group's reason across the columns) counts once
            seen = []
            for cell in row.cells:
                if not any(cell._tc is s for s in seen):
                    seen.append(cell._tc)
                    word_cells.append(cell.text)
        assert word_cells == html_cells


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_chart_is_a_picture_with_alt_text(language: str):
    document = word(language)
    charts = {c.name: c for c in report_charts(score(council()), language)}
    drawn = {
        re.sub(r"^chart-|(-wide)?-title$", "", svg.attrs["aria-labelledby"])
        for svg in read_page(page(language)).elements("svg")
    }  # a phone's drawing and a desk's: one chart
    pictures = document.inline_shapes
    assert len(pictures) == len(drawn) == len(charts) >= 6 and drawn == set(charts)
    described = [(p._inline.docPr.get("title"), p._inline.docPr.get("descr")) for p in pictures]
    assert all(title and descr for title, descr in described)
    assert sorted(described) == sorted((c.title, c.alt) for c in charts.values())


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_findings_and_comments_are_the_htmls(language: str):
    report = score(council())
    document = word(language)
    paragraphs = [p.text for p in document.paragraphs]
    found = findings.find(report)
    assert findings.key_findings(report), "the constructed council has findings"
    html = page(language)
    in_order = [f.text[language] for f in found if f.text[language] in paragraphs]
    assert {f.text[language] for f in found} <= set(paragraphs)
    # The key findings lead, in the HTML's order (strongest first).
    keys = [f.text[language] for f in findings.key_findings(report)]
    start = paragraphs.index(keys[0])
    assert paragraphs[start : start + len(keys)] == keys
    assert all(
        html.find(a.replace("'", "&#39;")) <= html.find(b.replace("'", "&#39;")) for a, b in itertools.pairwise(keys)
    )
    assert in_order  # every finding found as a paragraph of its own
    quotes = [p for p in document.paragraphs if p.style.name == "Quote"]
    quoted = {q.text for b in comment_blocks(report, language) for q in b.uncoded}
    quoted |= {q.text for b in comment_blocks(report, language) for c in b.codes for q in c.quotes}
    assert quoted and quoted <= {p.text for p in quotes}


def run_languages(document) -> dict[str, set[str]]:
    """Quoted text -> the languages its runs are marked with (none: the document's)."""
    marked: dict[str, set[str]] = {}
    for p in document.paragraphs:
        for run in p.runs:
            lang = run._r.rPr.find(qn("w:lang")) if run._r.rPr is not None else None
            marked.setdefault(run.text, set()).add(lang.get(qn("w:val")) if lang is not None else "")
    return marked


def document_language(document) -> str:
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    return defaults.find(qn("w:lang")).get(qn("w:val"))


def test_the_welsh_draft_is_welsh_and_the_english_one_english():
    english, welsh = word("en"), word("cy")
    assert english.core_properties.language == document_language(english) == "en-GB"
    assert welsh.core_properties.language == document_language(welsh) == "cy-GB"
    for language, document in (("en", english), ("cy", welsh)):
        tree = read_page(page(language))
        title = next(t for h in tree.elements("head") for t in h.elements("title"))
        assert document.core_properties.title == " ".join(title.text().split())
        assert texts(language)("report_title") in document.core_properties.title
    english_headings = {text for _, text in word_headings(english)}
    welsh_headings = {text for _, text in word_headings(welsh)}
    assert texts("cy")("characteristics_heading") in welsh_headings
    assert not {texts("en")(k) for k in ("characteristics_heading", "rates_heading", "method_heading")} & welsh_headings
    assert texts("en")("characteristics_heading") in english_headings
    # Comments written in the other language are marked as such, for spell-checkers and screen readers.
    english_runs, welsh_runs = run_languages(english), run_languages(welsh)
    assert any(WELSH_COMMENT in text and "cy-GB" in langs for text, langs in english_runs.items())
    assert any(ENGLISH_COMMENT in text and "en-GB" in langs for text, langs in welsh_runs.items())
    assert all("cy-GB" not in langs for text, langs in english_runs.items() if ENGLISH_COMMENT in text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_demonstration_says_so_on_every_page_and_a_real_report_does_not(language: str):
    mark = texts(language)("demonstration")
    demo = word(language, demonstration=True)
    assert demo.sections and all(mark in s.header.paragraphs[0].text for s in demo.sections)
    assert all(run.bold for s in demo.sections for run in s.header.paragraphs[0].runs)
    real = word(language)
    assert not any(p.text.strip() for s in real.sections for p in s.header.paragraphs)
    assert mark not in body_text(real) and mark.split(":")[0] not in body_text(real)


def test_render_docx_draws_no_chart_it_is_not_given():
    # A chart that failed to draw is missing from the HTML and the draft alike; the rest of the draft is whole.
    report = score(council())
    charts = report_charts(report, "en")[:2]
    document = Document(io.BytesIO(render_docx(report, "en", charts, render_report(report, "en", charts=charts))))
    assert len(document.inline_shapes) == 2
    assert word_headings(document) == word_headings(word("en"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_links_within_the_report_lead_to_their_place_in_the_draft(language: str):
    body = word(language).element.body
    starts = list(body.iter(qn("w:bookmarkStart")))
    names = [b.get(qn("w:name")) for b in starts]
    assert len(set(names)) == len(names) == len({b.get(qn("w:id")) for b in starts})
    assert all(re.fullmatch(r"[A-Za-z]\w{0,39}", name) for name in names)
    anchors = [h.get(qn("w:anchor")) for h in body.iter(qn("w:hyperlink")) if h.get(qn("w:anchor"))]
    tree = read_page(page(language))
    main = next(tree.elements("main"), None) or tree

    def links(node) -> list[str]:  # the page's links to a place in it, the contents list (nav) left out
        found = []
        for child in node.children:
            if isinstance(child, str) or child.tag == "nav":
                continue
            if child.tag == "a" and child.attrs.get("href", "").startswith("#"):
                found.append(child.attrs["href"])
            found += links(child)
        return found

    assert anchors and len(anchors) == len(links(main)) and set(anchors) <= set(names)
    # "What Level 1, 2 and 3 mean" under each characteristic leads to its descriptors in the annex.
    linked = {
        h.get(qn("w:anchor")): "".join(t.text or "" for t in h.iter(qn("w:t"))) for h in body.iter(qn("w:hyperlink"))
    }
    assert any(anchor.startswith("r_levels") and text for anchor, text in linked.items())


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_publisher_block_opens_the_draft_and_the_audit_body_is_its_author(language: str):
    document = word(language)
    audit_body = PUBLISHER.text("audit_body", language)
    assert document.core_properties.author == audit_body
    opening = [p.text for p in document.paragraphs[:20]]
    title = next(i for i, p in enumerate(document.paragraphs) if p.style.name == "Title")
    first_heading = next(i for i, p in enumerate(document.paragraphs) if p.style.name == "Heading 1")
    assert audit_body in "\n".join(opening[:first_heading]) and title < first_heading
    assert any(
        ("Flintshire County Council" if language == "en" else "Cyngor Sir y Fflint") in text
        for text in opening[title:first_heading]
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_chart_fits_on_a_page(language: str):
    document = word(language)
    section = document.sections[0]
    across = section.page_width - section.left_margin - section.right_margin
    down = section.page_height - section.top_margin - section.bottom_margin
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)  # A4
    for picture in document.inline_shapes:
        assert 0 < picture.width <= across and 0 < picture.height <= down - Mm(30)


def test_columns_are_wide_enough_for_their_longest_word_and_share_the_rest():
    rows = [
        [("Grŵp", 1), ("Wedi ateb", 1), ("Ddim yn gwybod", 1), ("Lefel ganolrifol", 1)],
        [("Aelodau Etholedig", 1), ("12", 1), ("3", 1), ("Lefel 2", 1)],
        [("Cyfanswm (wedi'i bwysoli)", 1), ("heb ei ddangos tra bo grŵp yn rhy fach", 3)],
    ]
    widths = column_widths(rows, 4, 166, 8)
    assert abs(sum(widths) - 166) < 1e-6
    longest = ["Etholedig", "ateb", "gwybod", "ganolrifol"]
    assert all(w >= len(word) * 8 * CHARACTER_MM for w, word in zip(widths, longest, strict=True))
    assert widths[0] > widths[2]  # more text, more room
    # Too many long words for the page: shared in proportion, the whole width and no more.
    crowded = column_widths([[("x" * 40, 1)] * 10], 10, 166, 9)
    assert abs(sum(crowded) - 166) < 1e-6 and len(set(crowded)) == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_table_spans_the_text_width_with_room_for_its_words(language: str):
    document = word(language)
    section = document.sections[0]
    across = section.page_width - section.left_margin - section.right_margin
    fonts = list(document.styles.element.iter(qn("w:rFonts")))
    assert fonts and all(f.get(qn("w:ascii")) == "Arial" and f.get(qn("w:asciiTheme")) is None for f in fonts)
    for table in document.tables:
        assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        widths = [column.width for column in table.columns]
        assert all(widths) and abs(sum(widths) - across) < Mm(2)
        for row in table.rows[1:]:  # a row header such as "Elected Members" is never broken inside a word
            cell = row.cells[0]
            size = cell.paragraphs[0].runs[0].font.size.pt if cell.paragraphs[0].runs else 9
            word_mm = max((len(w) for w in cell.text.split()), default=0) * size * CHARACTER_MM
            assert widths[0] >= Mm(word_mm), (cell.text, widths[0])

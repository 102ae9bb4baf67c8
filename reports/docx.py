"""The report as an editable Word draft (``report-en.docx``, ``report-cy.docx``): the document an auditor finishes
and publishes.

The draft is made from the HTML report of the same language (``reports.html.render_report``, handed in as
``page``), so it has the same sections in the same order, the same findings, tables, comments and notes, worded
the same, and nothing the HTML withholds: no second copy of the report's structure to drift from the first.  Each
element becomes its Word counterpart:

- ``h1`` the document's Title, ``h2``-``h6`` Word's Heading 1-5 styles (so the navigation pane and the
  accessibility checker find them; a level is never skipped, as the checker requires);
- tables real Word tables ("Table Grid") with their caption above them and as the table's title (``tblCaption``),
  header rows marked to repeat on every page (``w:tblHeader``) and set in bold, cells spanning columns merged;
- each chart (an inline ``<svg>`` in the HTML, named ``chart-<name>``; the page has one for a phone and one for a
  desk, Word gets it once) the chart's PNG from ``charts``, with its alt text as the picture's description and its
  title as its title (``wp:docPr`` ``descr`` and ``title``);
- lists Word's List Bullet and List Number styles, quoted comments the Quote style in the language they were
  written in (``lang``), notes in italics; the contents list (``nav``) is left out: Word builds its own from the
  headings;
- links within the page (``#levels-leadership``) Word links to a bookmark where that element begins, web and mail
  links Word links too.

The document's title and language (``en-GB`` / ``cy-GB``, in the core properties and as the language of every
style) are set, and so are its page size (A4), its font (Arial, in every style) and fixed dates, so the same report gives the same file.  A report of
invented data (``SurveyReport.demonstration``) or an interim one says so in the header of every page too.  Nothing
here reads or writes a file: ``render_docx`` returns the bytes, ``bot/compiler.py`` writes them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time

from reports.charts import Chart
from reports.html_tree import INLINE, SKIPPED, Node, Run, plain, read_page, runs
from reports.model import SurveyReport
from reports.texts import texts
from reports.vocabulary import ENGLISH, WELSH

WORD_LANGUAGE = {ENGLISH: "en-GB", WELSH: "cy-GB"}
PAGE_WIDTH_MM, PAGE_HEIGHT_MM, MARGIN_MM = 210, 297, 22
TEXT_WIDTH_MM = PAGE_WIDTH_MM - 2 * MARGIN_MM
PICTURE_HEIGHT_MM = PAGE_HEIGHT_MM - 2 * MARGIN_MM - 40  # a chart fits on a page, below the header and a heading
FONT = "Arial"  # every style's: the same letters wherever the draft is opened (LibreOffice: Liberation Sans)
TABLE_FONT_PT = 9
WIDE_TABLE = 7  # columns: a wider table is set a point smaller
CHARACTER_MM = 0.22  # the width of an average character of Arial bold at 1 pt, with room to spare, in mm
CELL_PADDING_MM = 4  # a "Table Grid" cell's margins, left and right
NOTE_CLASSES = {"note", "muted"}
BANNER_CLASSES = {"interim", "demonstration"}


# ---- writing Word ---------------------------------------------------------------------------------------------------


def _set_language(element: object, tag: str, language: str) -> None:
    """Give ``element`` (a ``w:rPr``) the language ``language`` (``en-GB``)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for old in element.findall(qn("w:lang")):  # type: ignore[attr-defined]
        element.remove(old)  # type: ignore[attr-defined]
    lang = OxmlElement(tag)
    lang.set(qn("w:val"), language)
    lang.set(qn("w:eastAsia"), language)
    lang.set(qn("w:bidi"), language)
    element.append(lang)  # type: ignore[attr-defined]


def bookmark_names(tree: Node) -> dict[str, str]:
    """Each id in the page (outside what the draft leaves out) -> its Word bookmark name: letters, digits and "_",
    at most 40 characters, unique."""
    names: dict[str, str] = {}

    def walk(node: Node) -> None:
        if node.tag in SKIPPED:
            return
        if (ident := node.attrs.get("id")) and ident not in names:
            name = ("r_" + re.sub(r"\W", "_", ident))[:36]
            while name in names.values():
                name = f"{name[:32]}_{len(names)}"
            names[ident] = name
        for child in node.children:
            if isinstance(child, Node):
                walk(child)

    walk(tree)
    return names


class _Writer:
    def __init__(self, document: object, charts: Sequence[Chart], language: str, bookmarks: dict[str, str]):
        self.doc = document
        self.charts = {c.name: c for c in charts}
        self.language = language
        self.bookmarks = bookmarks  # id in the page -> bookmark name
        self.pending: list[str] = []  # bookmarks for the next paragraph: the elements it begins
        self.level = 0  # the last heading's level (0: none yet)
        self.placed: set[str] = set()  # the charts already in the document

    # blocks

    def block(self, node: Node) -> None:
        tag = node.tag
        if tag in SKIPPED:
            return
        if (ident := node.attrs.get("id")) in self.bookmarks:
            self.pending.append(self.bookmarks[ident])
        if tag == "h1":
            self.paragraph(runs([node]), "Title")
        elif re.fullmatch(r"h[2-6]", tag):
            self.heading(node, int(tag[1]) - 1)
        elif tag == "p":
            self.p(node)
        elif tag in ("ul", "ol"):
            for item in node.elements("li"):
                self.list_item(item, "List Number" if tag == "ol" else "List Bullet")
        elif tag == "table":
            self.table(node)
        elif tag == "svg":
            self.picture(node)
        elif tag == "blockquote":
            self.quote(node)
        elif tag in ("dt", "summary", "caption"):
            self.paragraph(runs([node], bold=True))
        else:
            self.container(node.children)

    def container(self, children: Sequence[Node | str]) -> None:
        """Blocks in order; loose inline content between them becomes a paragraph of its own."""
        pending: list[Node | str] = []
        for child in children:
            if isinstance(child, str) or child.tag in INLINE:
                pending.append(child)
                continue
            self.paragraph(runs(pending))
            pending = []
            self.block(child)
        self.paragraph(runs(pending))

    def heading(self, node: Node, level: int) -> None:
        level = min(level, self.level + 1)  # never skip a level
        self.level = level
        self.paragraph(runs([node]), f"Heading {level}")

    def p(self, node: Node) -> None:
        classes = node.classes
        if classes & BANNER_CLASSES:
            self.paragraph(runs([node], bold=True))
        elif classes & NOTE_CLASSES:
            self.paragraph(runs([node], italic=True))
        elif "authority" in classes:
            self.paragraph(runs([node]), "Subtitle")
        elif any(isinstance(c, Node) and c.tag not in INLINE for c in node.children):
            self.container(node.children)
        else:
            self.paragraph(runs([node]))

    def list_item(self, item: Node, style: str) -> None:
        """The item's first line in the list style (its text, or its first paragraph); what follows in it (a
        summary, a source, a list inside it) after that, as blocks of their own."""
        children = list(item.children)
        lead = 0
        while lead < len(children) and (isinstance(children[lead], str) or children[lead].tag in INLINE):
            lead += 1
        first = runs(children[:lead])
        rest = children[lead:]
        if not any(r.text.strip() for r in first) and rest and isinstance(rest[0], Node) and rest[0].tag == "p":
            first, rest = runs([rest[0]], italic="note" in rest[0].classes), rest[1:]
        self.paragraph(first, style)
        self.container(rest)

    def quote(self, node: Node) -> None:
        language = node.attrs.get("lang")
        parts = [c for c in node.children if isinstance(c, Node) and c.tag == "p"] or [node]
        for part in parts:
            self.paragraph(runs([part], language=language, keep_lines=True), "Quote")

    def paragraph(self, content: list[Run], style: str | None = None) -> object | None:
        if not any(r.text.strip() for r in content):
            return None
        paragraph = self.doc.add_paragraph(style=style)  # type: ignore[attr-defined]
        self.mark(paragraph)
        self.fill(paragraph, content)
        return paragraph

    def mark(self, paragraph: object) -> None:
        """Bookmark ``paragraph`` with the ids of the elements it begins, so links to them work."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        for name in self.pending:
            number = str(list(self.bookmarks.values()).index(name))
            start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
            start.set(qn("w:id"), number)
            start.set(qn("w:name"), name)
            end.set(qn("w:id"), number)
            paragraph._p.append(start)  # type: ignore[attr-defined]
            paragraph._p.append(end)  # type: ignore[attr-defined]
        self.pending = []

    def _link(self, paragraph: object, href: str | None) -> object | None:
        """A ``w:hyperlink`` in ``paragraph`` to ``href``: a bookmark of this document (``#id``) or a web or mail
        address; None for anything else (a link to something the draft leaves out stays plain text)."""
        from docx.opc.constants import RELATIONSHIP_TYPE
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        if not href:
            return None
        link = OxmlElement("w:hyperlink")
        if href.startswith("#") and href[1:] in self.bookmarks:
            link.set(qn("w:anchor"), self.bookmarks[href[1:]])
        elif re.match(r"(https?:|mailto:)", href):
            part = paragraph.part  # type: ignore[attr-defined]
            link.set(qn("r:id"), part.relate_to(href, RELATIONSHIP_TYPE.HYPERLINK, is_external=True))
        else:
            return None
        link.set(qn("w:history"), "1")
        paragraph._p.append(link)  # type: ignore[attr-defined]
        return link

    def fill(self, paragraph: object, content: list[Run], bold: bool = False) -> None:
        from docx.enum.text import WD_BREAK
        from docx.shared import RGBColor

        link, href = None, None
        for r in content:
            run = paragraph.add_run()  # type: ignore[attr-defined]
            if r.link != href:
                link, href = self._link(paragraph, r.link), r.link
            if link is not None:
                link.append(run._r)  # type: ignore[attr-defined]
                run.underline = True
                run.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
            if r.text == "\n":
                run.add_break(WD_BREAK.LINE)
                continue
            run.text = r.text
            run.bold = True if (r.bold or bold) else None
            run.italic = True if r.italic else None
            if r.language and r.language != self.language:  # a comment written in the other language
                _set_language(run._r.get_or_add_rPr(), "w:lang", WORD_LANGUAGE.get(r.language, r.language))

    # tables and pictures

    def table(self, node: Node) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Mm, Pt

        caption = next(node.elements("caption"), None)
        head = {id(tr) for section in node.elements("thead") for tr in section.elements("tr")}
        rows: list[tuple[list[Node], bool]] = []
        leading = True  # header rows: those of the thead (or, without one, the first rows of column headers only)
        for tr in node.elements("tr"):
            cells = [c for c in tr.children if isinstance(c, Node) and c.tag in ("th", "td")]
            leading = leading and (
                id(tr) in head
                if head
                else bool(cells) and all(c.tag == "th" and c.attrs.get("scope") != "row" for c in cells)
            )
            rows.append((cells, leading))
        width = max((sum(int(c.attrs.get("colspan") or 1) for c in cells) for cells, _ in rows), default=0)
        if not rows or not width:
            return
        if caption is not None:
            self.paragraph(runs([caption]), "Caption")
        table = self.doc.add_table(rows=len(rows), cols=width)  # type: ignore[attr-defined]
        table.style = "Table Grid"
        size = TABLE_FONT_PT if width <= WIDE_TABLE else TABLE_FONT_PT - 1
        placed = [list(zip(cells, _spans(cells, width), strict=True)) for cells, _ in rows]
        widths = column_widths([[(plain(c), span) for c, span in row] for row in placed], width, TEXT_WIDTH_MM, size)
        for column, mm in zip(table.columns, widths, strict=True):
            column.width = Mm(mm)
        table.autofit = False  # these widths, as they are: the text's width in all
        table_width = table._tbl.tblPr.find(qn("w:tblW"))
        table_width.set(qn("w:type"), "dxa")
        table_width.set(qn("w:w"), str(round(sum(widths) * 1440 / 25.4)))
        for (_, header), cells, row in zip(rows, placed, table.rows, strict=True):
            column = 0
            for cell, span in cells:
                if span < 1:
                    break
                target = row.cells[column]
                if span > 1:
                    target = target.merge(row.cells[column + span - 1])
                target.width = Mm(sum(widths[column : column + span]))
                paragraph = target.paragraphs[0]
                self.mark(paragraph)
                self.fill(paragraph, runs([cell], bold=cell.tag == "th", italic="withheld" in cell.classes))
                for run in paragraph.runs:
                    run.font.size = Pt(size)
                column += span
            if header:  # repeated at the top of every page the table runs onto
                row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        if caption is not None:  # the table's title for screen readers (Word's Alt Text)
            element = OxmlElement("w:tblCaption")
            element.set(qn("w:val"), plain(caption))
            table._tbl.tblPr.append(element)

    def picture(self, svg: Node) -> None:
        from docx.shared import Mm

        name = re.sub(r"^chart-|(-wide)?-title$", "", svg.attrs.get("aria-labelledby", ""))
        chart = self.charts.get(name)
        if chart is None or name in self.placed:  # the page draws a chart for a phone and for a desk: Word once
            return
        self.placed.add(name)
        paragraph = self.doc.add_paragraph()  # type: ignore[attr-defined]
        self.mark(paragraph)
        width, height = int.from_bytes(chart.png[16:20], "big"), int.from_bytes(chart.png[20:24], "big")  # IHDR
        across = min(TEXT_WIDTH_MM, PICTURE_HEIGHT_MM * width / height) if width and height else TEXT_WIDTH_MM
        shape = paragraph.add_run().add_picture(io.BytesIO(chart.png), width=Mm(across))  # fits on one page
        properties = shape._inline.docPr
        properties.set("descr", chart.alt)
        properties.set("title", chart.title)


def _spans(cells: Sequence[Node], width: int) -> list[int]:
    """How many columns each cell spans (``colspan``), cut at the table's width."""
    spans, used = [], 0
    for cell in cells:
        span = max(0, min(int(cell.attrs.get("colspan") or 1), width - used))
        spans.append(span)
        used += span
    return spans


def column_widths(rows: Sequence[Sequence[tuple[str, int]]], columns: int, total: float, size: float) -> list[float]:
    """The width of each column in mm, ``total`` in all: each at least its longest word at ``size`` points (so no
    word is broken across lines while the words fit), and what is left shared by how much more text each holds.
    ``rows``: each row's cells as (text, columns spanned); a spanning cell asks nothing of its columns."""
    longest, longer = [1] * columns, [1] * columns
    for row in rows:
        column = 0
        for text, span in row:
            if span == 1 and column < columns:
                longest[column] = max([longest[column], *(len(word) for word in text.split())])
                longer[column] = max(longer[column], min(len(text), 40))
            column += span
    char = size * CHARACTER_MM
    need = [n * char + CELL_PADDING_MM for n in longest]
    if sum(need) >= total:
        return [n * total / sum(need) for n in need]
    want = [max(0.0, n * char + CELL_PADDING_MM - base) for n, base in zip(longer, need, strict=True)]
    spare = total - sum(need)
    if sum(want) > spare:
        return [base + spare * w / sum(want) for base, w in zip(need, want, strict=True)]
    even = (spare - sum(want)) / columns
    return [base + w + even for base, w in zip(need, want, strict=True)]


def _set_up(document: object, report: SurveyReport, language: str, title: str) -> None:
    """Page size, the document's language and properties, and the banner on every page's header."""
    from docx.oxml.ns import qn
    from docx.shared import Mm

    for section in document.sections:  # type: ignore[attr-defined]
        section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
        section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Mm(MARGIN_MM)
    word_language = WORD_LANGUAGE.get(language, language)
    for fonts in document.styles.element.iter(qn("w:rFonts")):  # type: ignore[attr-defined]
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(theme), None)  # a theme font would win over the one named
        for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(script), FONT)
    defaults = document.styles.element.find(qn("w:docDefaults"))  # type: ignore[attr-defined]
    _set_language(defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")), "w:lang", word_language)
    t = texts(language)
    properties = document.core_properties  # type: ignore[attr-defined]
    publisher = getattr(report, "publisher", None)
    author = publisher.text("audit_body", language) if publisher is not None else "datatool-bot"
    day = report.closes_on or date(2000, 1, 1)
    stamp = datetime.combine(day, time(0), UTC)
    properties.title, properties.language, properties.author = title, word_language, author
    properties.last_modified_by, properties.subject = author, report.authority_name(language)
    properties.keywords, properties.comments = t("report_title"), ""
    properties.created = properties.modified = stamp
    properties.last_printed, properties.revision = stamp, 1
    banners = [t("demonstration")] if report.demonstration else []
    banners += [f"{t('interim')}: {t('interim_note')}"] if report.interim else []
    if banners:
        for section in document.sections:  # type: ignore[attr-defined]
            header = section.header.paragraphs[0]
            header.text = " ".join(banners)
            for run in header.runs:
                run.bold = True


def render_docx(report: SurveyReport, language: str, charts: Sequence[Chart], page: str) -> bytes:
    """The Word draft of ``report`` in ``language`` as the bytes of a .docx file: ``page`` (the HTML report of that
    language, ``reports.html.render_report``) in Word's own terms, ``charts`` (those drawn into it) as pictures."""
    from docx import Document

    tree = read_page(page)
    head_title = next((" ".join(t.text().split()) for h in tree.elements("head") for t in h.elements("title")), "")
    document = Document()
    _set_up(document, report, language, head_title or texts(language)("report_title"))
    body = next(tree.elements("main"), None) or next(tree.elements("body"), None) or tree
    _Writer(document, charts, language, bookmark_names(body)).container(body.children)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()

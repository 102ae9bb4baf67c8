"""The report read on a phone, in a real browser: headless Chromium at 390 × 844 CSS pixels (device scale 3).

The council's report in English and in Cymraeg and the national view, rendered from constructed data with their
charts, are opened as files and checked as a reader on a phone meets them:

- nothing scrolls sideways, and no element reaches past the screen's edge (what an element's clipping ancestor hides
  does not count), with every "Chart as a table" opened; also at other widths, where the wide tables restack or not;
- axe-core (tags wcag2a, wcag2aa, wcag21a, wcag21aa, wcag22aa) finds no violation (before the tables restacked it
  found 25 scrolling regions a keyboard cannot reach);
- every chart (``svg[role=img]``) has an accessible name in the browser's own accessibility tree and is followed by
  its figures as a table; the tables are still tables there when restacked, each value labelled by its column;
- restacked, no value runs on under its label: each labelled cell's label (its ``::before`` box, measured by the
  browser through the DevTools protocol) and value (its text's line boxes) are measured, and every line of the value
  lies beside the label or wholly below it (with the label floated, 121 of 687 cells of the Welsh report ran on
  under it: "Ddim yn cytuno nac / yn anghytuno" read "not agreeing");
- chart text is at least 12 px on the phone (the report's smallest text), and on a desk the charts span the text's
  width (they were capped at 30rem) without growing their text past 1.5 times the phone's;
- the council's own results come first: the response-rate table starts within the first two screens of a phone and
  the key findings within the first four (they began 86 screens down).

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright's Python package (no browser download: the
executable is given); axe-core's script is the copy bundled in the ``axe-playwright-python`` package, both from the
``test`` extra, injected with ``page.evaluate`` (the report's Content-Security-Policy forbids scripts in the page;
evaluation from the driver is not the page's own script).  Where Chromium or the packages are missing the tests are
skipped and say why; in CI (``CI=true``) they fail instead, so a run without a browser cannot pass.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from config.authorities import load_authorities
from config.publisher import load_publisher
from reports.html import render_national, render_report
from reports.national import national
from reports.publisher import Publisher, WelshName
from reports.scoring import score
from tests.test_report_outputs import flintshire, flintshire_charts
from tests.test_scoring import council

CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
OTHER_WIDTHS = (320, 640, 700, 960, 1024, 1440)  # around both breakpoints (40em and 60em) and beyond the column


def unavailable(reason: str) -> None:
    """Skip with the reason; in CI fail, so that CI cannot pass without having looked at the report in a browser."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser checks must run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def axe_script() -> str:
    try:
        from axe_playwright_python.base import AXE_FILE_PATH
    except ImportError:
        unavailable("axe-playwright-python is not installed: pip install -e '.[test]' (make test does)")
    return AXE_FILE_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        unavailable(
            f"Chromium not found at {CHROMIUM}: install the Debian packages chromium and chromium-driver (.ci/run does)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed: pip install -e '.[test]' (make test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """The three pages as files: the council's report in both languages and the national view, with their charts."""
    folder = tmp_path_factory.mktemp("pages")
    # The council among four others of its round and beside its previous round: every section of the report shows.
    others = [flintshire(authority=name) for name in ("Council A", "Council B", "Council C", "Council D")]
    data = replace(flintshire(), round="2026", peers=others, previous=replace(flintshire(), round="2025"))
    # Every third respondent answered before any reminder, the others after the 1st or the 2nd: the early/late section
    # shows too (officers 11 early / 21 late, members 3 / 6: the Total only, with its sizes).
    data = replace(data, responses=[replace(r, reminders_before=i % 3) for i, r in enumerate(data.responses)])
    # As the bot compiles it: the publisher and the Welsh name's forms from configuration, and (the demo's) the
    # demonstration banner.
    forms = next(a.cy_forms for a in load_authorities() if a.name == data.authority)
    assert forms is not None
    data = replace(
        data,
        publisher=Publisher(**load_publisher().fields()),
        authority_forms=WelshName(data.authority_cy or "", forms.soft, forms.nasal, forms.aspirate, forms.yn),
        demonstration=True,
    )
    report = score(data)
    assert report.comparison is not None and report.comparison.position is not None
    assert report.early_late is not None
    assert report.comparison.change is not None
    view = national(
        [
            replace(
                council("Council A", (10, "l2"), (8, "l3")),
                round="2026",
                previous=replace(council("Council A", (10, "l1"), (8, "l1")), round="2025"),
            ),
            council('Council <B> & "Co"', (10, "l1"), (4, "l3")),
            council("=Council C", (3, "l3"), (1, "l3")),
        ]
    )
    rendered = {
        "report-en": render_report(report, "en", charts=flintshire_charts("en")),
        "report-cy": render_report(report, "cy", charts=flintshire_charts("cy")),
        "national-cy": render_national(view, "cy"),
    }
    for name, html in rendered.items():  # the comparisons are on the pages the browser checks
        wanted = (
            ['id="national-change"']
            if name.startswith("national")
            else ['id="position"', 'id="change"', 'id="good-practice"', 'id="early-late"']
        )
        assert all(w in html for w in wanted), name
    paths = {}
    for name, html in rendered.items():
        paths[name] = folder / f"{name}.html"
        paths[name].write_text(html, encoding="utf-8")
    return paths


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


OVERFLOW = """() => {
    // Elements reaching past the viewport's edges, as far as they can be seen: an ancestor that clips (overflow
    // other than visible, a clip-path: the hidden header row of a restacked table) cuts what it holds.
    const width = document.documentElement.clientWidth, found = [];
    for (const element of document.body.querySelectorAll("*")) {
        if (element.closest("svg") !== null && element.tagName.toLowerCase() !== "svg") continue;  // an svg clips
        const box = element.getBoundingClientRect();
        if (box.width === 0 && box.height === 0) continue;
        let left = box.left, right = box.right;
        for (let a = element.parentElement; a !== null && a !== document.body; a = a.parentElement) {
            const style = getComputedStyle(a);
            if (style.overflowX !== "visible" || style.clipPath !== "none") {
                const clip = a.getBoundingClientRect();
                left = Math.max(left, clip.left);
                right = Math.min(right, clip.right);
            }
        }
        if (right > width + 0.5 || left < -0.5) {
            found.push(`${element.tagName.toLowerCase()}${element.id ? "#" + element.id : ""}` +
                       `${element.className && typeof element.className === "string" ? "." + element.className : ""}` +
                       ` [${Math.round(left)}, ${Math.round(right)}] ${element.textContent.trim().slice(0, 60)}`);
        }
    }
    return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, found: found};
}"""

OPEN_ALL = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"


def assert_nothing_sideways(page, where: str) -> None:
    result = page.evaluate(OVERFLOW)
    assert result["scrollWidth"] <= result["innerWidth"], f"{where}: the page scrolls sideways: {result}"
    assert result["found"] == [], f"{where}: elements past the screen's edge:\n" + "\n".join(result["found"])


def ax_nodes(page) -> list[dict]:
    """The browser's own accessibility tree (what a screen reader is given), not a re-computation of it."""
    session = page.context.new_cdp_session(page)
    try:
        return [n for n in session.send("Accessibility.getFullAXTree")["nodes"] if not n.get("ignored")]
    finally:
        session.detach()


def axe_violations(page, axe_script: str) -> tuple[tuple[int, ...], list[str]]:
    """axe-core's version and its violations of WCAG 2.0–2.2 A and AA, each with its impact and the elements."""
    page.evaluate(axe_script)
    results = page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]},
    )
    version = tuple(int(part) for part in results["testEngine"]["version"].split(".")[:2])
    return version, [
        f"{v['id']} ({v['impact']}): {v['help']}\n" + "\n".join(f"    {node['target']}" for node in v["nodes"][:10])
        for v in results["violations"]
    ]


CHARTS = """() => [...document.querySelectorAll("svg[role=img]")].filter(svg => svg.getClientRects().length).map(svg => {
    const details = svg.closest("figure")?.nextElementSibling;
    return {
        chart: svg.getAttribute("aria-labelledby"),
        followed: details?.tagName === "DETAILS" && details.querySelector("summary")?.textContent.trim() !== ""
                  && details.querySelectorAll("table.stack caption").length > 0,
        fits: svg.getBoundingClientRect().width <= svg.parentElement.getBoundingClientRect().width,
    };
})"""

TABLES = """() => ({
    tables: document.querySelectorAll("table").length,
    headers: document.querySelectorAll("th[scope=col]").length,
    cells: document.querySelectorAll("td").length,
    // Restacked: each cell a block of its own, its column's label (data-label) written before its value.
    unlabelled: [...document.querySelectorAll("td:not(.withheld)")].filter(td =>
        getComputedStyle(td).display === "table-cell"
        || !getComputedStyle(td, "::before").content.includes(td.dataset.label)).length,
})"""


@pytest.mark.parametrize("name", ["report-en", "report-cy", "national-cy"])
def test_the_report_on_a_phone(phone, pages, axe_script, name):
    phone.goto(pages[name].as_uri())
    assert phone.evaluate("window.innerWidth") == PHONE["width"]
    assert_nothing_sideways(phone, f"{name} at 390 px")
    phone.evaluate(OPEN_ALL)  # every chart's table shown: they must fit and pass too
    assert_nothing_sideways(phone, f"{name} at 390 px, charts as tables")

    # Every chart is named (in the browser's accessibility tree) and followed by its table; it fits its column.
    charts = phone.evaluate(CHARTS)  # the charts shown (each is drawn twice: for a phone and for a desk)
    assert len(charts) == (6 if name.startswith("report") else 1)
    assert all(c["followed"] and c["fits"] for c in charts), charts
    nodes = ax_nodes(phone)
    images = [n for n in nodes if n.get("role", {}).get("value") in ("image", "img")]
    assert len([n for n in images if n.get("name", {}).get("value", "").strip()]) == len(charts), images

    # The restacked tables are still tables to a screen reader, and every value shows its column's label.
    counts = phone.evaluate(TABLES)
    assert counts["tables"] > 0 and counts["unlabelled"] == 0, counts
    roles = Counter(n.get("role", {}).get("value") for n in nodes)
    assert roles["table"] == counts["tables"] and roles["columnheader"] == counts["headers"], roles
    assert roles["cell"] + roles["gridcell"] == counts["cells"], roles

    version, violations = axe_violations(phone, axe_script)
    assert violations == [], f"{name}: axe-core {version} found:\n" + "\n".join(violations)
    assert version >= (4, 8), version  # an axe-core that knows WCAG 2.2's rules (target size)


@pytest.mark.parametrize("name", ["report-en", "report-cy", "national-cy"])
def test_nothing_scrolls_sideways_at_other_widths(browser, pages, name):
    context = browser.new_context(viewport={"width": OTHER_WIDTHS[0], "height": 900})
    try:
        page = context.new_page()
        page.goto(pages[name].as_uri())
        page.evaluate(OPEN_ALL)
        for width in OTHER_WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            assert_nothing_sideways(page, f"{name} at {width} px")
    finally:
        context.close()


# ---- restacked values beside their labels, legible charts, the council first -------------------------------------

PROBE = """() => [...document.querySelectorAll("td[data-label]:not(.withheld)")].map((td, i) => {
    // Each labelled cell numbered for the DevTools protocol (which measures its label, a ::before), and the line
    // boxes of its value: the cell's own content.
    td.setAttribute("data-probe", i);
    const range = document.createRange();
    range.selectNodeContents(td);
    return {label: td.dataset.label, value: td.textContent.trim(),
            lines: [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0)
                                              .map(r => [r.left, r.top, r.right, r.bottom])};
})"""


def label_boxes(page) -> dict[int, tuple[float, float, float, float]]:
    """Each probed cell's ::before box (left, top, right, bottom), as the browser laid it out."""
    session = page.context.new_cdp_session(page)
    boxes: dict[int, tuple[float, float, float, float]] = {}
    try:

        def walk(node: dict) -> None:
            attributes = dict(zip(node.get("attributes", [])[::2], node.get("attributes", [])[1::2], strict=True))
            if "data-probe" in attributes:
                for pseudo in node.get("pseudoElements", []):
                    if pseudo.get("pseudoType") == "before":
                        quad = session.send("DOM.getBoxModel", {"nodeId": pseudo["nodeId"]})["model"]["content"]
                        boxes[int(attributes["data-probe"])] = (
                            min(quad[0::2]),
                            min(quad[1::2]),
                            max(quad[0::2]),
                            max(quad[1::2]),
                        )
            for child in node.get("children", []):
                walk(child)

        walk(session.send("DOM.getDocument", {"depth": -1})["root"])
    finally:
        session.detach()
    return boxes


def run_on_under_labels(page) -> tuple[int, list[str]]:
    """(labelled cells, those whose value has a line under its label while another is beside it)."""
    cells = page.evaluate(PROBE)
    labels = label_boxes(page)
    assert len(labels) == len(cells), "every labelled cell shows its label"
    bad = []
    for i, cell in enumerate(cells):
        _, _, right, bottom = labels[i]
        beside = all(line[0] >= right - 0.5 for line in cell["lines"])
        below = all(line[1] >= bottom - 0.5 for line in cell["lines"])
        if not (beside or below):
            bad.append(f"{cell['label']!r}: {cell['value']!r}")
    return len(cells), bad


@pytest.mark.parametrize("name", ["report-en", "report-cy", "national-cy"])
def test_restacked_values_never_run_on_under_their_labels(phone, pages, name):
    phone.goto(pages[name].as_uri())
    phone.evaluate(OPEN_ALL)
    cells, bad = run_on_under_labels(phone)
    assert cells > 50
    assert bad == [], f"{name}: {len(bad)} of {cells} values run on under their label:\n" + "\n".join(bad[:20])


def test_the_measure_finds_a_value_under_its_label(phone, pages):
    """The measure above tells: with the label floated, as before, long Welsh values run on under it."""
    page = pages["report-cy"].read_text(encoding="utf-8")
    floated = page.replace(
        "display: grid; width: 100%; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);",
        "display: flow-root; width: 100%;",
    ).replace(
        'content: attr(data-label) / ""; font-weight: 600;',
        'content: attr(data-label) / ""; float: left; width: 55%; font-weight: 600;',
    )
    assert floated != page
    path = pages["report-cy"].with_name("floated-cy.html")
    path.write_text(floated, encoding="utf-8")
    phone.goto(path.as_uri())
    _, bad = run_on_under_labels(phone)
    assert any("Ddim yn cytuno nac yn anghytuno" in b for b in bad), bad


CHART_TEXT = """() => {
    const shown = [...document.querySelectorAll("svg.chart")].filter(svg => svg.getClientRects().length);
    const sizes = shown.flatMap(svg => [...svg.querySelectorAll("text")].map(text =>
        parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a));
    const main = document.querySelector("main"), style = getComputedStyle(main);
    return {charts: shown.length, smallest: Math.min(...sizes), largest: Math.max(...sizes),
            widths: shown.map(svg => svg.getBoundingClientRect().width),
            column: main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)};
}"""


@pytest.mark.parametrize("name", ["report-en", "report-cy"])
def test_chart_text_is_legible_on_a_phone_and_charts_span_the_text_on_a_desk(browser, pages, name):
    context = browser.new_context(viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(pages[name].as_uri())
        phone = page.evaluate(CHART_TEXT)
        page.set_viewport_size({"width": 1280, "height": 900})
        desk = page.evaluate(CHART_TEXT)
    finally:
        context.close()
    assert phone["charts"] == desk["charts"] == 6
    assert phone["smallest"] >= 12 - 0.05, phone  # segment labels were 10.8 px
    assert all(abs(w - phone["column"]) <= 1 for w in phone["widths"]), phone
    assert all(abs(w - desk["column"]) <= 1 for w in desk["widths"]), desk  # they were capped at 480 px
    assert desk["smallest"] >= phone["smallest"] and desk["largest"] <= 1.5 * phone["largest"], (phone, desk)


SCREENS = """() => {
    const at = selector => (document.querySelector(selector).getBoundingClientRect().top + window.scrollY)
                           / window.innerHeight;
    return {responses: at("#responses table"), findings: at("#key-findings"), characteristics: at("#characteristics"),
            demonstration: document.querySelector("main > p.demo")?.getBoundingClientRect().top};
}"""


@pytest.mark.parametrize("name", ["report-en", "report-cy"])
def test_the_council_results_come_within_the_first_screens(phone, pages, name):
    phone.goto(pages[name].as_uri())
    screens = phone.evaluate(SCREENS)
    assert screens["responses"] < 2 and screens["findings"] < 4, screens  # they began 86 screens down
    assert screens["responses"] < screens["findings"] < screens["characteristics"], screens
    assert screens["demonstration"] is not None and screens["demonstration"] < 50, screens  # said first

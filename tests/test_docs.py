"""The README and docs/ hold together: every relative link and #anchor resolves, and the README stays short.

Anchors follow GitHub's rules for headings: lowercased, punctuation dropped (letters, digits, spaces, hyphens and
underscores kept), spaces turned into hyphens, and a repeated heading numbered -1, -2, ...  Links inside code
(fenced blocks and `inline code`) are not links, and addresses with a scheme (https:, mailto:) are not checked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]

_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE_CODE = re.compile(r"(`+).*?\1")
_LINK = re.compile(r"\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks."""
    lines, fenced = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, line))
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    text = text.replace("`", "").lower()
    text = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for _, line in _prose_lines(page.read_text(encoding="utf-8")):
        match = _HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(page: Path) -> list[tuple[int, str]]:
    result = []
    for number, line in _prose_lines(page.read_text(encoding="utf-8")):
        for target in _LINK.findall(_INLINE_CODE.sub("", line)):
            if not _SCHEME.match(target):
                result.append((number, target))
    return result


def broken_links(page: Path) -> list[str]:
    problems = []
    for number, target in links(page):
        path_part, _, anchor = target.partition("#")
        linked = (page.parent / path_part).resolve() if path_part else page
        where = f"{page.relative_to(ROOT) if page.is_relative_to(ROOT) else page.name}:{number}: {target}"
        if not linked.exists():
            problems.append(f"{where}: no such file")
        elif anchor:
            if linked.suffix != ".md" or linked.is_dir():
                problems.append(f"{where}: an anchor into a file that is not Markdown")
            elif anchor not in anchors(linked):
                problems.append(f"{where}: no heading with that anchor")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_every_page_of_docs_is_linked_from_the_readme() -> None:
    linked = {(README.parent / target.partition("#")[0]).resolve() for _, target in links(README)}
    assert [doc.name for doc in DOCS if doc.resolve() not in linked] == []


def test_the_readme_is_short_and_starts_with_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 300, "the README is for a newcomer's five minutes: move detail to docs/"
    first_block = text.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert [line.split()[:2] for line in first_block[:2]] == [["make", "demo"], ["make", "test"]]


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Webhook mode", "webhook-mode"),
        ("How a respondent's answer travels", "how-a-respondents-answer-travels"),
        ("Scale, on paper", "scale-on-paper"),
        (
            "The maturity summary: what is posted, and how it is computed",
            "the-maturity-summary-what-is-posted-and-how-it-is-computed",
        ),
        ("`datatool-bot status` and /healthz", "datatool-bot-status-and-healthz"),
        ("Early and late respondents — 1st/2nd", "early-and-late-respondents--1st2nd"),
        ("snake_case stays", "snake_case-stays"),
        ("Cymraeg: ymyl gwall", "cymraeg-ymyl-gwall"),
    ],
)
def test_anchors_follow_githubs_rules(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor


def test_a_broken_link_or_anchor_is_caught(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other\n\n## A section, here\n\n## A section, here\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n"
        "[fine](other.md#a-section-here) [second of two](other.md#a-section-here-1) [self](#page)\n"
        "[no file](missing.md) [no anchor](other.md#a-sectionhere) [no own anchor](#nowhere)\n"
        "`[in code](missing.md)` [web](https://example.org/missing.md)\n\n"
        "```md\n[in a block](missing.md)\n```\n",
        encoding="utf-8",
    )
    assert [problem.split(": ", 1)[1] for problem in broken_links(page)] == [
        "missing.md: no such file",
        "other.md#a-sectionhere: no heading with that anchor",
        "#nowhere: no heading with that anchor",
    ]

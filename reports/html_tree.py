"""The HTML report read back as a small tree, and its text as runs of formatting: what ``reports.docx`` turns into
Word.  Only the standard library's ``html.parser``; no file is read.

``read_page(page)`` gives the page's elements as ``Node`` objects (an ``<svg>`` is kept as one element without its
drawing); ``runs(nodes)`` their text, white space collapsed as a browser does, as ``Run`` objects carrying bold,
italics, the language of the element they are in (``lang``) and the link they belong to (``href``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
SKIPPED = {"head", "style", "script", "nav", "template", "noscript", "title"}
INLINE = {
    "a",
    "abbr",
    "b",
    "bdi",
    "cite",
    "code",
    "data",
    "em",
    "i",
    "kbd",
    "mark",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "time",
    "u",
    "var",
    "br",
}
BOLD, ITALIC = {"b", "strong", "th"}, {"em", "i", "cite"}


# ---- the HTML, read into a small tree ------------------------------------------------------------------------------


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def elements(self, *tags: str) -> Iterator[Node]:
        """Descendant elements with one of ``tags``, in document order (not inside a match)."""
        for child in self.children:
            if isinstance(child, Node):
                if child.tag in tags:
                    yield child
                else:
                    yield from child.elements(*tags)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class _Reader(HTMLParser):
    """The page as ``Node``s; an ``<svg>`` is kept as one element without its drawing."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]
        self.svg_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.svg_depth:
            self.svg_depth += tag == "svg"
            return
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag == "svg":
            self.svg_depth = 1
        elif tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.svg_depth:
            self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if self.svg_depth:
            self.svg_depth -= tag == "svg"
            return
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self.svg_depth:
            self.stack[-1].children.append(data)


def read_page(page: str) -> Node:
    reader = _Reader()
    reader.feed(page)
    reader.close()
    return reader.root


# ---- inline text as runs ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    text: str  # "\n" alone is a line break
    bold: bool = False
    italic: bool = False
    language: str | None = None
    link: str | None = None  # the href of the link it is part of


def _runs(
    node: Node | str, bold: bool, italic: bool, language: str | None, keep_lines: bool, link: str | None = None
) -> Iterator[Run]:
    if isinstance(node, str):
        if keep_lines:
            for i, line in enumerate(node.split("\n")):
                if i:
                    yield Run("\n")
                yield Run(re.sub(r"[ \t\r\f\v]+", " ", line), bold, italic, language, link)
        else:
            yield Run(re.sub(r"\s+", " ", node), bold, italic, language, link)
        return
    if node.tag == "br":
        yield Run("\n")
        return
    if node.tag in SKIPPED or node.tag == "svg":
        return
    bold = bold or node.tag in BOLD
    italic = italic or node.tag in ITALIC
    language = node.attrs.get("lang") or language
    link = node.attrs.get("href") or link if node.tag == "a" else link
    for child in node.children:
        yield from _runs(child, bold, italic, language, keep_lines, link)


def runs(
    nodes: Sequence[Node | str],
    *,
    bold: bool = False,
    italic: bool = False,
    language: str | None = None,
    keep_lines: bool = False,
) -> list[Run]:
    """The text of ``nodes`` as runs, white space collapsed as a browser does (line breaks kept where the page keeps
    them: ``keep_lines``), without leading or trailing space."""
    found = [r for n in nodes for r in _runs(n, bold, italic, language, keep_lines) if r.text]
    tidy: list[Run] = []
    for run in found:
        text = run.text
        if run.text != "\n" and (not tidy or tidy[-1].text == "\n" or tidy[-1].text.endswith(" ")):
            text = text.lstrip(" ")
        if text:
            tidy.append(Run(text, run.bold, run.italic, run.language, run.link))
    while tidy and tidy[-1].text != "\n" and not tidy[-1].text.strip():
        tidy.pop()
    if tidy and tidy[-1].text != "\n":
        last = tidy[-1]
        tidy[-1] = Run(last.text.rstrip(" "), last.bold, last.italic, last.language, last.link)
    return [r for r in tidy if r.text]


def plain(node: Node) -> str:
    return "".join(r.text for r in runs([node]) if r.text != "\n").strip()

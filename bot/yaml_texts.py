"""The bilingual texts of a YAML source, found where they are written, and written back in place.

Every mapping that holds both an ``en`` and a ``cy`` text is one translatable text (a ``Pair``), wherever it sits in
the file: ``welcome: {en: ..., cy: ...}`` in the message catalogue, an option's ``label`` in a questionnaire, a month
list in the report texts.  Its path names it the way a person finds it in the file: mapping keys joined with ``.``,
list items by their ``id`` (``sections[leadership].questions[kc_leadership].text``) or, without one, by their
position (``contact[2]``).  Lists of words a respondent may type or that find a comment's code (``typed``,
``keywords``) are not texts anyone reads, and are left out.

:func:`patch` replaces the Welsh of some pairs and nothing else: each Welsh scalar's exact span in the file is
rewritten, in its own style where that can be done faithfully (a folded ``>-`` block stays a folded block, wrapped
at the same indentation; a quoted text stays quoted), otherwise as a double-quoted scalar, and the whole file is
parsed again to prove that exactly the intended values changed.  Comments, key order, quoting and wrapping elsewhere
are untouched, so a reviewer's diff shows the translator's changes alone.

Pure: text in, text out (PyYAML's composer gives each node's position).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml

from flows.i18n import ENGLISH, LANGUAGES, WELSH

NOT_SHOWN = frozenset({"typed", "keywords"})
"""Keys whose bilingual lists are words matched against what people type or wrote, not texts anyone reads."""
WIDTH = 120
"""The line width the YAML sources are wrapped at."""
_STR = "tag:yaml.org,2002:str"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlTextError(ValueError):
    """A source cannot be read or written back; ``str()`` says where and why."""


@dataclass(frozen=True)
class Span:
    """Where one Welsh scalar is written: ``text[start:end]``, its YAML style (None plain, ``'"'``, ``"'"``, ``'|'``,
    ``'>'``) and whether it sits inside a flow collection (``{...}`` or ``[...]``)."""

    start: int
    end: int
    style: str | None
    flow: bool


@dataclass(frozen=True)
class Pair:
    """One bilingual text: ``en`` and ``cy`` are strings, or tuples of strings for a list (one item a line)."""

    path: str
    en: str | tuple[str, ...]
    cy: str | tuple[str, ...]
    spans: tuple[Span, ...]
    """The Welsh scalar's span, or each item's for a list."""

    @property
    def is_list(self) -> bool:
        return isinstance(self.en, tuple)


def _scalar(node: yaml.Node) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) and node.tag == _STR else None


def _items(node: yaml.Node) -> tuple[str, ...] | None:
    if not isinstance(node, yaml.SequenceNode):
        return None
    values = tuple(_scalar(item) for item in node.value)
    return None if any(v is None for v in values) else values  # type: ignore[return-value]


def _span(node: yaml.ScalarNode, flow: bool) -> Span:
    return Span(node.start_mark.index, node.end_mark.index, node.style, flow)


def _item_name(node: yaml.Node, index: int) -> str:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if _scalar(key) == "id" and isinstance(value, yaml.ScalarNode) and value.value:
                return value.value
    return str(index)


def pairs(text: str, where: str = "the file") -> list[Pair]:
    """Every bilingual text of a YAML document, in file order (``YamlTextError`` if it is not YAML)."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise YamlTextError(f"{where} is not valid YAML: {' '.join(str(exc).split())}") from None
    found: list[Pair] = []
    seen: set[int] = set()  # an alias (*name) repeats its anchor's node: one text, found where it is written

    def walk(node: yaml.Node | None, path: str, flow: bool) -> None:
        if node is None or id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            inner = flow or bool(node.flow_style)
            values = {_scalar(k): v for k, v in node.value}
            en, cy = values.get(ENGLISH), values.get(WELSH)
            if en is not None and cy is not None:
                pair = _pair(path, en, cy, inner)
                if pair is not None:
                    found.append(pair)
            for key, value in node.value:
                name = _scalar(key)
                if name is not None and name not in NOT_SHOWN and name not in LANGUAGES:
                    walk(value, f"{path}.{name}" if path else name, inner)
        elif isinstance(node, yaml.SequenceNode):
            inner = flow or bool(node.flow_style)
            for index, item in enumerate(node.value):
                walk(item, f"{path}[{_item_name(item, index)}]", inner)

    walk(root, "", False)
    return found


def _pair(path: str, en: yaml.Node, cy: yaml.Node, flow: bool) -> Pair | None:
    if (english := _scalar(en)) is not None and (welsh := _scalar(cy)) is not None:
        assert isinstance(cy, yaml.ScalarNode)
        return Pair(path, english, welsh, (_span(cy, flow),))
    english_items, welsh_items = _items(en), _items(cy)
    if english_items is not None and welsh_items is not None:
        assert isinstance(cy, yaml.SequenceNode)
        inner = flow or bool(cy.flow_style)
        return Pair(path, english_items, welsh_items, tuple(_span(item, inner) for item in cy.value))
    return None


# ---- writing back --------------------------------------------------------------------------------------------------


def _double_quoted(value: str, ascii_only: bool = False) -> str:
    """JSON's string escapes are YAML's double-quoted escapes."""
    return json.dumps(value, ensure_ascii=ascii_only)


def _single_quoted(value: str) -> str | None:
    if "\n" in value or value != value.strip() or not value:
        return None
    return "'" + value.replace("'", "''") + "'"


_PLAIN_SAFE = re.compile(r"[^\W\d_][\w '’.,()/-]*(?<![ ])", re.UNICODE)


def _plain(value: str) -> str | None:
    """A plain scalar only for text that is plainly text: letters first, then words, spaces and simple punctuation."""
    return value if _PLAIN_SAFE.fullmatch(value) and ": " not in value and " #" not in value else None


def _indent_of(text: str, span: Span) -> int | None:
    """The indentation of a block scalar's first content line."""
    first = text.find("\n", span.start, span.end)
    if first < 0:
        return None
    for line in text[first + 1 : span.end].split("\n"):
        if line.strip():
            return len(line) - len(line.lstrip(" "))
    return None


def _chomping(value: str) -> tuple[str, str] | None:
    """(body without its final line breaks, the chomping indicator that gives them back)."""
    body = value.rstrip("\n")
    trailing = len(value) - len(body)
    if trailing > 1:
        return None  # "keep" chomping is rare and easy to get wrong: written double-quoted instead
    return body, "" if trailing == 1 else "-"


def _wrap(paragraph: str, width: int) -> list[str] | None:
    """A paragraph broken at single spaces into lines of at most ``width`` (a word longer stays whole); None when
    folding could not give it back exactly (leading, trailing or tab white space)."""
    if not paragraph:
        return [""]
    if paragraph != paragraph.strip(" ") or "\t" in paragraph:
        return None
    lines, line = [], ""
    for word in re.split(r"(?<! ) (?! )", paragraph):  # single spaces only: a run of them stays inside a line
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return lines


def _width(text: str, span: Span) -> int:
    """The width the original block was wrapped at (its longest line), so a rewrapped text keeps the file's
    shape."""
    return max(WIDTH // 2, max((len(line) for line in text[span.start : span.end].split("\n")), default=0))


def _block(value: str, style: str, indent: int, width: int = WIDTH) -> str | None:
    """``value`` as a literal (``|``) or folded (``>``) block scalar at ``indent``, or None if that would not read
    back exactly."""
    chomped = _chomping(value)
    if chomped is None or not value.strip() or value[0] in " \t\n":
        return None
    body, indicator = chomped
    pad = " " * indent
    if style == "|":
        lines = body.split("\n")
    else:
        lines = []
        for number, paragraph in enumerate(body.split("\n")):
            wrapped = _wrap(paragraph, width - indent)
            if wrapped is None:
                return None
            lines += ([""] if number else []) + wrapped
    return f"{style}{indicator}\n" + "\n".join(pad + line if line else "" for line in lines)


def _reads_back(rendered: str, value: str, flow: bool) -> bool:
    probe = f"[{rendered}]" if flow else f"k: {rendered}\n"  # a block scalar ends with its line break
    try:
        loaded = yaml.load(probe, Loader=_Loader)
    except yaml.YAMLError:
        return False
    return loaded == ([value] if flow else {"k": value})


def render(text: str, span: Span, value: str) -> str:
    """The replacement for ``text[span.start:span.end]`` that reads back as ``value``, in the span's own style
    where possible."""
    candidates: list[str | None] = []
    if span.style in ("|", ">") and not span.flow:
        indent = _indent_of(text, span)
        if indent is not None:
            candidates.append(_block(value, span.style, indent, _width(text, span)))
    elif span.style == "'":
        candidates.append(_single_quoted(value))
    elif span.style is None:
        candidates.append(_plain(value))
    candidates += [_double_quoted(value), _double_quoted(value, ascii_only=True)]
    for candidate in candidates:
        if candidate is not None and _reads_back(candidate, value, span.flow):
            return candidate
    raise YamlTextError(f"cannot write {value[:40]!r} as YAML")  # pragma: no cover - the ASCII form always reads


def _trailing(text: str, span: Span) -> str:
    """A block scalar's span runs on to the line breaks (and blank lines) after it: they are kept."""
    original = text[span.start : span.end]
    if span.style not in ("|", ">"):
        return ""
    return original[len(original.rstrip(" \n")) :]


def patch(text: str, changes: list[tuple[Pair, str | tuple[str, ...]]], where: str = "the file") -> str:
    """``text`` with the Welsh of each pair replaced by its new value, and nothing else changed.

    Every changed scalar is rewritten in place; then the whole document is read again and must equal the old one
    with exactly those values changed, or ``YamlTextError`` is raised and nothing is to be written."""
    edits: list[tuple[Span, str]] = []
    for pair, value in changes:
        values = value if isinstance(value, tuple) else (value,)
        old = pair.cy if isinstance(pair.cy, tuple) else (pair.cy,)
        if len(values) != len(pair.spans):
            raise YamlTextError(f"{where}: {pair.path}: {len(values)} items given for {len(pair.spans)}")
        edits += [(span, new) for span, new, before in zip(pair.spans, values, old, strict=True) if new != before]
    result = text
    for span, value in sorted(edits, key=lambda edit: edit[0].start, reverse=True):
        replacement = render(text, span, value) + _trailing(text, span)
        result = result[: span.start] + replacement + result[span.end :]
    expected = _expected(text, changes, where)
    try:
        actual = yaml.load(result, Loader=_Loader)
    except yaml.YAMLError as exc:  # pragma: no cover - each replacement was read back on its own
        raise YamlTextError(f"{where}: writing the Welsh back would break the file: {exc}") from None
    if actual != expected:  # pragma: no cover - a defect here; nothing is written
        raise YamlTextError(f"{where}: writing the Welsh back would change more than the Welsh: nothing written")
    return result


def _expected(text: str, changes: list[tuple[Pair, str | tuple[str, ...]]], where: str) -> object:
    """The document as data, with the changed Welsh values set through the pairs' paths."""
    data = yaml.load(text, Loader=_Loader)
    for pair, value in changes:
        holder = _resolve(data, pair.path, where)
        holder[WELSH] = list(value) if isinstance(value, tuple) else value
    return data


_SEGMENT = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")


def _resolve(data: object, path: str, where: str) -> dict:
    node = data
    for key, item in _SEGMENT.findall(path):
        if key:
            node = node[key] if isinstance(node, dict) and key in node else None
        elif isinstance(node, list):
            by_id = [x for x in node if isinstance(x, dict) and str(x.get("id")) == item]
            node = by_id[0] if by_id else (node[int(item)] if item.isdigit() and int(item) < len(node) else None)
        else:
            node = None
        if node is None:
            raise YamlTextError(f"{where}: {path}: no such text")
    if not isinstance(node, dict):
        raise YamlTextError(f"{where}: {path}: no such text")
    return node

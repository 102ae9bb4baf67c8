"""Telegram-flavoured HTML (``parse_mode="HTML"``) as the Bot API parses it: the visible text and its entities, or
the reason Telegram refuses it ("can't parse entities: ...").

Pure and shared: the emulator (``bot/emulator/entities.py``) answers with it as Telegram would, and the loaders of
configured texts (``config/privacy.py``) check with it, when they are loaded, that Telegram will accept them.
Allowed tags: b, strong, i, em, u, ins, s, strike, del, span class="tg-spoiler", tg-spoiler, a href, code, pre,
blockquote, tg-emoji; entities &lt; &gt; &amp; &quot; and numeric ones.
"""

from __future__ import annotations

import re
from typing import Any


class TelegramHtmlError(ValueError):
    """Telegram would refuse the text; ``str()`` is Telegram's reason (after "can't parse entities: "), and
    ``position`` the index in the source where it found the fault (None when it is the end of the text)."""

    def __init__(self, reason: str, position: int | None = None):
        super().__init__(reason)
        self.position = position


_HTML_TAG_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));")
_HTML_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of entity offsets and lengths."""
    return len(text.encode("utf-16-le")) // 2


def _decode_html_entity(match: re.Match[str]) -> str | None:
    decimal, hexadecimal, named = match.groups()
    if named:
        return _HTML_NAMED_ENTITIES[named]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
        return chr(code)
    return None


def _at(source: str, position: int) -> str:
    """Telegram's "at byte offset N" (offsets in the UTF-8 encoded source)."""
    return f"at byte offset {len(source[:position].encode('utf-8'))}"


def _parse_html_attributes(source: str, pos: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Parse the attributes of a start tag from ``pos``; return them and the index after ``>``."""
    attributes: dict[str, str] = {}
    end = len(source)
    while True:
        while pos < end and source[pos].isspace():
            pos += 1
        if pos >= end:
            raise TelegramHtmlError(f"Unclosed start tag {_at(source, begin)}", begin)
        if source[pos] == ">":
            return attributes, pos + 1
        name_start = pos
        while pos < end and not source[pos].isspace() and source[pos] not in "=>":
            pos += 1
        name = source[name_start:pos].lower()
        if not name:
            raise TelegramHtmlError(f'Empty attribute name in the tag "{tag}" {_at(source, begin)}', begin)
        while pos < end and source[pos].isspace():
            pos += 1
        if pos >= end:
            raise TelegramHtmlError(f"Unclosed start tag {_at(source, begin)}", begin)
        if source[pos] != "=":
            if tag == "blockquote" and name == "expandable":
                attributes[name] = ""
                continue
            raise TelegramHtmlError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" ' + _at(source, begin), begin
            )
        pos += 1
        while pos < end and source[pos].isspace():
            pos += 1
        if pos < end and source[pos] in "'\"":
            quote, pos, chars = source[pos], pos + 1, []
            while pos < end and source[pos] != quote:
                match = _HTML_ENTITY_RE.match(source, pos) if source[pos] == "&" else None
                decoded = _decode_html_entity(match) if match else None
                chars.append(decoded if decoded is not None else source[pos])
                pos = match.end() if decoded is not None and match else pos + 1
            if pos >= end:
                raise TelegramHtmlError(f"Unclosed start tag {_at(source, begin)}", begin)
            value, pos = "".join(chars), pos + 1
        else:
            value_start = pos
            while pos < end and (source[pos].isalnum() or source[pos] in ".-"):
                pos += 1
            if pos >= end or not (source[pos].isspace() or source[pos] == ">"):
                raise TelegramHtmlError(f"Unexpected end of name token {_at(source, value_start)}", value_start)
            value = source[value_start:pos].lower()
        attributes[name] = value


def _html_entity(tag: str, attributes: dict[str, str], offset: int, length: int) -> dict[str, Any] | None:
    entity: dict[str, Any] = {"type": _HTML_TAG_ENTITIES[tag], "offset": offset, "length": length}
    if tag == "a":
        url = attributes.get("href", "")
        if not url:
            return None
        entity["url"] = url
    elif tag == "code" and attributes.get("class", "").startswith("language-"):
        entity["language"] = attributes["class"].removeprefix("language-")
    elif tag == "blockquote" and "expandable" in attributes:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        if not attributes.get("emoji-id"):
            return None
        entity["custom_emoji_id"] = attributes["emoji-id"]
    return entity


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-flavoured HTML into (visible text, entities), like the Bot API does.

    Offsets and lengths of entities are in UTF-16 code units.  Raises :class:`TelegramHtmlError` (the text after
    Telegram's "can't parse entities: ") for unsupported tags or bad nesting.
    """
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, dict[str, str], int]] = []  # tag, attributes, start offset
    offset, pos, end = 0, 0, len(source)
    while pos < end:
        char = source[pos]
        if char == "&":
            match = _HTML_ENTITY_RE.match(source, pos)
            decoded = _decode_html_entity(match) if match else None
            if match and decoded is not None:
                out.append(decoded)
                offset += utf16_len(decoded)
                pos = match.end()
                continue
        if char != "<":
            out.append(char)
            offset += utf16_len(char)
            pos += 1
            continue
        begin = pos
        if source.startswith("</", pos):
            if not stack:
                raise TelegramHtmlError(f"Unexpected end tag {_at(source, begin)}", begin)
            pos += 2
            while pos < end and not source[pos].isspace() and source[pos] != ">":
                pos += 1
            name = source[begin + 2 : pos].lower()
            while pos < end and source[pos].isspace():
                pos += 1
            if pos >= end or source[pos] != ">":
                raise TelegramHtmlError(f"Unclosed end tag {_at(source, begin)}", begin)
            tag, attributes, start = stack.pop()
            if name and name != tag:
                raise TelegramHtmlError(
                    f'Unmatched end tag {_at(source, begin)}, expected "</{tag}>", found "</{name}>"', begin
                )
            pos += 1
            previous = entities[-1] if entities else None
            if (
                tag == "pre"
                and previous is not None
                and previous["type"] == "code"
                and (previous["offset"], previous["length"]) == (start, offset - start)
                and "language" in previous
            ):
                previous["type"] = "pre"
                continue
            entity = _html_entity(tag, attributes, start, offset - start)
            if entity is not None and entity["length"] > 0:
                entities.append(entity)
            continue
        pos += 1
        while pos < end and not source[pos].isspace() and source[pos] != ">":
            pos += 1
        if pos >= end:
            raise TelegramHtmlError(f"Unclosed start tag {_at(source, begin)}", begin)
        tag = source[begin + 1 : pos].lower()
        if tag not in _HTML_TAG_ENTITIES:
            raise TelegramHtmlError(f'Unsupported start tag "{tag}" {_at(source, begin)}', begin)
        attributes, pos = _parse_html_attributes(source, pos, tag, begin)
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise TelegramHtmlError(f'Tag "span" must have class "tg-spoiler" {_at(source, begin)}', begin)
        stack.append((tag, attributes, offset))
    if stack:
        raise TelegramHtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(out), entities

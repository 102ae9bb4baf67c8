"""Message entities: Telegram-flavoured HTML, Markdown, and the entities of a user's /command.

:func:`parse_html` turns ``parse_mode="HTML"`` text into (visible text, entities) the way the Bot API does, offsets
in UTF-16 code units, and fails with the Bot API's "can't parse entities" for what Telegram refuses.
:func:`formatted` applies a request's ``parse_mode``; :func:`command_entities` gives a user's ``/command`` its
``bot_command`` entity.
"""

from __future__ import annotations

import re
from typing import Any

from bot.emulator.errors import ERR_CANT_PARSE_ENTITIES, ERR_UNSUPPORTED_PARSE_MODE, ApiError

_HTML_TAG_ENTITIES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_HTML_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));")
_HTML_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_MARKDOWN_LINK_RE = re.compile(r"(?<!\\)\[([^\]]*)\]\([^)]*\)")
_MARKDOWN_MARKUP_RE = re.compile(r"\\(.)|[*_~|`]", re.DOTALL)
_BOT_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")


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


def _html_error(message: str) -> ApiError:
    return ApiError(400, ERR_CANT_PARSE_ENTITIES.format(message))


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
            raise _html_error(f"Unclosed start tag {_at(source, begin)}")
        if source[pos] == ">":
            return attributes, pos + 1
        name_start = pos
        while pos < end and not source[pos].isspace() and source[pos] not in "=>":
            pos += 1
        name = source[name_start:pos].lower()
        if not name:
            raise _html_error(f'Empty attribute name in the tag "{tag}" {_at(source, begin)}')
        while pos < end and source[pos].isspace():
            pos += 1
        if pos >= end:
            raise _html_error(f"Unclosed start tag {_at(source, begin)}")
        if source[pos] != "=":
            if tag == "blockquote" and name == "expandable":
                attributes[name] = ""
                continue
            raise _html_error(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                + _at(source, begin)
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
                raise _html_error(f"Unclosed start tag {_at(source, begin)}")
            value, pos = "".join(chars), pos + 1
        else:
            value_start = pos
            while pos < end and (source[pos].isalnum() or source[pos] in ".-"):
                pos += 1
            if pos >= end or not (source[pos].isspace() or source[pos] == ">"):
                raise _html_error(f"Unexpected end of name token {_at(source, value_start)}")
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

    Offsets and lengths of entities are in UTF-16 code units.  Raises :class:`ApiError`
    ("can't parse entities: ...") for unsupported tags or bad nesting.
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
                raise _html_error(f"Unexpected end tag {_at(source, begin)}")
            pos += 2
            while pos < end and not source[pos].isspace() and source[pos] != ">":
                pos += 1
            name = source[begin + 2:pos].lower()
            while pos < end and source[pos].isspace():
                pos += 1
            if pos >= end or source[pos] != ">":
                raise _html_error(f"Unclosed end tag {_at(source, begin)}")
            tag, attributes, start = stack.pop()
            if name and name != tag:
                raise _html_error(
                    f'Unmatched end tag {_at(source, begin)}, expected "</{tag}>", found "</{name}>"'
                )
            pos += 1
            previous = entities[-1] if entities else None
            if (
                tag == "pre" and previous is not None and previous["type"] == "code"
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
            raise _html_error(f"Unclosed start tag {_at(source, begin)}")
        tag = source[begin + 1:pos].lower()
        if tag not in _HTML_TAG_ENTITIES:
            raise _html_error(f'Unsupported start tag "{tag}" {_at(source, begin)}')
        attributes, pos = _parse_html_attributes(source, pos, tag, begin)
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise _html_error(f'Tag "span" must have class "tg-spoiler" {_at(source, begin)}')
        stack.append((tag, attributes, offset))
    if stack:
        raise _html_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(out), entities


def strip_markdown(source: str) -> str:
    """Visible text of a Markdown/MarkdownV2 message (no validation, no entities)."""
    without_links = _MARKDOWN_LINK_RE.sub(r"\1", source)
    return _MARKDOWN_MARKUP_RE.sub(lambda match: match.group(1) or "", without_links)


def trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip surrounding whitespace as Telegram does, keeping entity offsets consistent."""
    lead = len(text) - len(text.lstrip())
    trimmed = text.strip()
    if len(trimmed) == len(text):
        return text, entities
    shift, limit = utf16_len(text[:lead]), utf16_len(trimmed)
    result = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, limit)
        if stop > start:
            result.append({**entity, "offset": start, "length": stop - start})
    return trimmed, result



def formatted(text: str | None, parse_mode: str | None, entities: Any) -> tuple[str, list[dict[str, Any]]]:
    """Visible text and entities of a text/caption according to ``parse_mode``."""
    source = text or ""
    mode = (parse_mode or "").lower()
    if mode == "html":
        visible, parsed = parse_html(source)
    elif mode in ("markdown", "markdownv2"):
        visible, parsed = strip_markdown(source), []
    elif not mode:
        visible, parsed = source, entities if isinstance(entities, list) else []
    else:
        raise ApiError(400, ERR_UNSUPPORTED_PARSE_MODE)
    return trim(visible, parsed)


def command_entities(text: str) -> list[dict[str, Any]]:
    """The ``bot_command`` entity of a leading ``/command`` (Telegram adds it to what a user sends)."""
    match = _BOT_COMMAND_RE.match(text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}]

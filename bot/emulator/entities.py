"""Message entities: Telegram-flavoured HTML, Markdown, and the entities of a user's /command.

:func:`parse_html` turns ``parse_mode="HTML"`` text into (visible text, entities) the way the Bot API does, offsets
in UTF-16 code units, and fails with the Bot API's "can't parse entities" for what Telegram refuses (the parsing
itself is ``flows/telegram_html.py``, pure, so that configured texts are checked with the same rules when loaded).
:func:`formatted` applies a request's ``parse_mode``; :func:`command_entities` gives a user's ``/command`` its
``bot_command`` entity.
"""

from __future__ import annotations

import re
from typing import Any

from bot.emulator.errors import ERR_CANT_PARSE_ENTITIES, ERR_UNSUPPORTED_PARSE_MODE, ApiError
from flows import telegram_html
from flows.telegram_html import utf16_len

_MARKDOWN_LINK_RE = re.compile(r"(?<!\\)\[([^\]]*)\]\([^)]*\)")
_MARKDOWN_MARKUP_RE = re.compile(r"\\(.)|[*_~|`]", re.DOTALL)
_BOT_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-flavoured HTML into (visible text, entities), like the Bot API does (``flows.telegram_html``,
    which the loaders of configured texts share).

    Offsets and lengths of entities are in UTF-16 code units.  Raises :class:`ApiError`
    ("can't parse entities: ...") for unsupported tags or bad nesting.
    """
    try:
        return telegram_html.parse_html(source)
    except telegram_html.TelegramHtmlError as exc:
        raise ApiError(400, ERR_CANT_PARSE_ENTITIES.format(exc)) from None


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

"""Cleaning text people type before it is stored or exported.

Telegram delivers whatever a phone's keyboard (or a script) produces: control characters from pasted text, lone
surrogates from broken clients, and the same letter in composed or decomposed form ("ŵ" as one code point or as
"w" plus a circumflex).  ``clean_text`` is applied to every typed answer on the way in and ``clean_cell`` to every
exported value on the way out, so one stray ``\\x0b`` can never stop a report from being built.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls except tab and newline, DEL, and the C1 controls.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


ELLIPSIS = "…"


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in an ellipsis when cut (no space left before it): the one
    truncation rule of the project (a toast, an echoed answer, a label on a report)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


class UnreadableText(ValueError):
    """The text holds lone surrogates: it is not valid Unicode, so it cannot be stored faithfully."""


def clean_text(text: str) -> str:
    """NFC-normalised text without control characters (newline and tab kept; a carriage return becomes a newline).

    Raises ``UnreadableText`` for lone surrogates, which no encoding can store: the respondent is asked to try again.
    """
    if _SURROGATE.search(text):
        raise UnreadableText("lone surrogate in text")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROLS.sub("", text))


def clean_cell(value: object) -> object:
    """An export cell that any spreadsheet or CSV reader accepts: strings cleaned (surrogates replaced, never
    refused: by export time the text is already stored), other values as they are."""
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFC", _CONTROLS.sub("", _SURROGATE.sub("\ufffd", value)))

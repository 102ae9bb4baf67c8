"""Neutral screens: HTML text plus rows of buttons (label, callback payload), and the helpers every screen uses.

Nothing here knows Telegram's classes; ``bot/`` turns a ``Screen`` into a message with an inline keyboard.  The
renderer (``flows.render``), the question types (``flows.questions``) and the auditors' and reminder screens build
these; ``flows.render`` re-exports them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from reports.plain_text import truncate

MAX_TEXT = 4096
"""Telegram's limit on a message's text."""
CHECK = "✓ "
"""Marks the button of the answer already given."""


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Screen:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def fit(text: str, limit: int = MAX_TEXT) -> str:
    """Trim plain text to ``limit`` characters with an ellipsis (used only for echoing respondents' own text)."""
    return truncate(text, limit)

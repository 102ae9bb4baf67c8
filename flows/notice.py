"""The privacy notice as respondents read it: its parts in each language, with the retention period filled in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flows.ports.respondents import Invitation


RETENTION_PLACEHOLDER = "{retention}"
"""Where the privacy notice's sentence about how long the data is kept goes (``config/privacy.py`` writes it)."""


@dataclass(frozen=True)
class Notice:
    """The privacy notice in every language: ``short`` before the first question, ``full`` on /privacy (HTML).

    ``short`` and ``full`` state the configured retention period; a campaign kept for another period
    (``campaign create --retention-days``) shows its own, through ``text``."""

    short: dict[str, str]
    full: dict[str, str]
    retention_days: int | None = None
    """The period ``short`` and ``full`` state."""
    templates: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)
    """``short`` and ``full`` as written, with ``{retention}`` where the period's sentence goes."""
    retention_sentence: Callable[[str, int], str] | None = field(default=None, compare=False)
    """The sentence for a period, in a language."""

    def text(self, part: str, language: str, retention_days: int | None = None) -> str:
        """``part`` ("short" or "full") in ``language``, stating ``retention_days`` (None: the configured period)."""
        stated: dict[str, str] = getattr(self, part)
        if retention_days is None or retention_days == self.retention_days or self.retention_sentence is None:
            return stated[language]
        return self.templates[part][language].replace(
            RETENTION_PLACEHOLDER, self.retention_sentence(language, retention_days)
        )

    def of(self, part: str, language: str, invitation: Invitation | None) -> str:
        """``part`` as a respondent of ``invitation``'s campaign reads it (its own retention period)."""
        return self.text(part, language, invitation.retention_days if invitation is not None else None)

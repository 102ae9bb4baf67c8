"""What became of one message the bot tried to send: the outcomes every sending loop handles alike.

Telegram's failures are classified once, in ``bot/messenger.py``; reminders (``flows/reminders.py``), the posting of
the maturity summary (``flows/completion.py``) and the daily digest act on these outcomes and never on Telegram's
exception classes.  The line that matters is between what certainly did **not** arrive (safe to send again) and what
**may** have arrived (a request that timed out after it went out): the latter is never sent again automatically.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    SENT = "sent"
    UNREACHABLE = "unreachable"  # 403, or the chat is gone: not delivered, and will not be until the person acts
    RETRY = "retry"  # certainly not delivered, and worth trying again (5xx, connection refused, flood control)
    UNKNOWN = "unknown"  # may have been delivered (timed out after the request went out): never resent automatically
    FAILED = "failed"  # Telegram refused it for another reason (400 ...): not delivered


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    retry_after: float = 0
    """With ``RETRY``: the seconds Telegram asked us to wait (flood control, 429), or 0 for the caller's back-off."""
    error: str | None = None
    """What went wrong, by kind only (never message text, which may quote what was sent)."""

    @property
    def flood(self) -> bool:
        """Flood control: Telegram named a wait, and it applies to everything this bot sends, not just this chat."""
        return self.outcome is Outcome.RETRY and self.retry_after > 0


SENT = Delivery(Outcome.SENT)

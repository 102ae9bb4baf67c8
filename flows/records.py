"""The records the auditors' use cases pass around: campaigns, invitations as auditors see them, response counts.

Plain frozen dataclasses, built by ``storage`` and read by ``flows`` and ``reports``; nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from reports.outcomes import Outcomes

OPEN, NOT_OPEN_YET, CLOSED = "open", "not open yet", "closed"
"""A campaign's status on a day (``Campaign.status``)."""
AUDITOR, DATE, COMPLETE = "auditor", "date", "complete"
"""Why fieldwork closed (``Campaign.closed_reason``): an auditor closed it, its close date passed, everyone answered."""
NOT_OPENED = "not opened"
"""The status of an invitation whose link was never opened (``InvitationStatus.status``)."""


@dataclass(frozen=True)
class Campaign:
    id: int
    authority: str
    authority_cy: str | None
    opens_on: date
    closes_on: date
    closed_at: str | None
    closed_reason: str | None
    created_at: str
    targets: dict[str, float]
    round: str = ""
    """The round of the data tool it belongs to ("2026", "2026-27"): a council's report is set among the other
    councils of its round and beside its own campaign of the round before (migration 0010)."""
    retention_days: int | None = None
    """How long its respondent-level data is kept after fieldwork closes; None: the configured period
    (``flows.retention``, migration 0014)."""
    erased_at: str | None = None
    """When its respondent-level data was erased at the end of that period: its compiled reports are all that is
    left, and nothing may compile them again."""

    def status(self, today: date) -> str:
        """ "closed", "not open yet" or "open" (a campaign past its close date is closed even before it is marked)."""
        if self.closed_at is not None or today > self.closes_on:
            return CLOSED
        return NOT_OPEN_YET if today < self.opens_on else OPEN


@dataclass(frozen=True)
class NewInvitation:
    reference: str
    role: str
    token: str  # only ever held in memory, to write the link once


@dataclass(frozen=True)
class InvitationStatus:
    reference: str
    role: str
    status: str  # not opened | started | submitted | withdrawn | revoked


@dataclass(frozen=True)
class RoleRate:
    role: str
    invited: int
    started: int
    responded: int
    outcomes: Outcomes | None = None
    """Each invitation's outcome (I, P, R, O, NC) when the key questions were given (``reports.outcomes``)."""


@dataclass(frozen=True)
class RateView:
    """What an auditor saw at their previous /rates of a campaign (to say what changed since)."""

    viewed_at: str
    responded: dict[str, int]
    started: dict[str, int]


@dataclass(frozen=True)
class ManualRound:
    """An auditor's reminder round: what its confirmation counted and, once pressed, when and how many it queued."""

    code: str
    campaign_id: int
    roles: str  # 'officer', 'member' or 'all'
    planned: int  # the number shown in the confirmation
    queued: int | None  # how many the press queued (None: not pressed yet)
    sent_at: datetime | None
    sent_by: int | None

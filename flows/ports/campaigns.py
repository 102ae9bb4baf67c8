"""The campaigns' aggregate: what the campaign store does for the campaign use cases."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from flows.records import Campaign, InvitationStatus, NewInvitation, RoleRate


class CampaignStore(Protocol):
    """Authorities, campaigns, invitations and their counts (``storage.repositories.CampaignRepository``)."""

    async def authority_names(self) -> list[tuple[str, str | None]]:
        """(English name, Welsh name or None) of every authority."""
        ...

    async def create_campaign(
        self,
        authority: str,
        opens_on: date,
        closes_on: date,
        now: datetime,
        targets: dict[str, float] | None = None,
        reminder_policy: str | None = None,
        round: str | None = None,
    ) -> int:
        """``round`` None: the year ``opens_on`` falls in."""
        ...

    async def campaign(self, campaign_id: int) -> Campaign | None: ...

    async def campaigns(self) -> list[Campaign]:
        """Every campaign, by authority name, then the most recent first."""
        ...

    async def update_campaign(
        self, campaign_id: int, *, closes_on: date, targets: dict[str, float], reminder_policy: str | None = None
    ) -> None:
        """Store the new close date and targets, and the reminder policy (JSON) when one is given."""
        ...

    async def close_campaign(self, campaign_id: int, reason: str, now: datetime) -> bool:
        """False when it was already closed."""
        ...

    async def add_invitations(
        self, campaign_id: int, role: str, count: int, tokens: list[str], token_hashes: list[str], now: datetime
    ) -> list[NewInvitation]: ...

    async def invitations(self, campaign_id: int, role: str | None = None) -> list[InvitationStatus]: ...

    async def revoke(self, reference: str, now: datetime) -> str:
        """ "revoked", "already revoked" or "not found"."""
        ...

    async def rates(self, campaign_id: int, key_questions: Mapping[str, Sequence[str]] | None = None) -> list[RoleRate]:
        """Invited (revoked excluded), started and responded per role, in ``ROLES`` order; with ``key_questions``
        (role -> the key characteristic question ids) each role's outcomes too (``RoleRate.outcomes``)."""
        ...

    async def responded_since(self, campaign_id: int, since: str) -> dict[str, int]: ...

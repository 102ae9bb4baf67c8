"""Respondents' results: who asked to hear, and the final report bundles that go to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from flows.ports.completion import Bundle


@dataclass(frozen=True)
class Wanted:
    """A respondent owed the results: a submitted invitation that asked for them, of a closed campaign."""

    invitation_id: int
    campaign_id: int
    chat_id: int
    language: str


class ResultsStore(Protocol):
    """The at-most-once record of the results sent to respondents (``storage.results.ResultsRepository``)."""

    async def due(self, now: datetime, limit: int) -> list[Wanted]:
        """Invitations owed the results now: never tried, or failed and due again."""
        ...

    async def claim(self, invitation_id: int, now: datetime) -> int | None:
        """Commit the results message of this invitation as ``sending`` when it is still wanted and has not been
        tried, or failed and is due again; returns the attempt number, or None (sent, in doubt, in flight, not due,
        given up, or no longer wanted)."""
        ...

    async def record(
        self,
        invitation_id: int,
        status: str,
        now: datetime,
        *,
        not_before: datetime | None = None,
        error: str | None = None,
    ) -> None: ...

    async def recover(self) -> int:
        """Messages left ``sending`` by a crash become ``unknown`` (never resent); returns how many."""
        ...


class FinalBundles(Protocol):
    async def final_bundle(self, campaign_id: int) -> Bundle: ...


class RespondentResults(Protocol):
    """The results sent back to respondents who asked for them (``flows.results.ResultsService``)."""

    async def tick(self) -> object: ...

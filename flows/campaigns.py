"""Campaigns: the use cases the command line, the auditors' chat service, the demo and the tests share.

Finding a council by any unambiguous part of its English or Welsh name, creating, listing, updating and closing
campaigns (and closing those whose fieldwork has completed), issuing invitations with fresh tokens (the links are
returned once and never stored), listing and revoking them, the response-rate table.  One implementation of each;
the adapters only word the outcome (a refusal is a ``CampaignError`` carrying what the adapter needs to say why).

Pure and clock-free like the other flows services: storage is the ``CampaignStore`` declared here, time comes from
the ``Clock`` port, dates are local to the campaigns' time zone.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from flows.diagnostics import isolated
from flows.ports.campaigns import CampaignStore
from flows.ports.clock import Clock
from flows.records import (
    AUDITOR,
    CLOSED,
    COMPLETE,
    DATE,
    NOT_OPENED,
    OPEN,
    Campaign,
    InvitationStatus,
    RoleRate,
)
from flows.tokens import hash_token, new_token
from reports.rates import RateTable

log = logging.getLogger(__name__)

KeyQuestions = Mapping[str, Sequence[str]]
"""Role -> the ids of its key characteristic questions: the threshold of a partial response."""

GENERIC_WORDS = frozenset(
    {"council", "county", "borough", "city", "of", "and", "the", "cyngor", "sir", "sirol", "bwrdeistref", "dinas", "a"}
)
"""Words that never tell one council from another, so never offered as its short name in a command."""
REVOKED, ALREADY_REVOKED, NOT_FOUND = "revoked", "already revoked", "not found"
"""What ``CampaignStore.revoke`` found."""


# ---- refusals --------------------------------------------------------------------------------------------------------


class CampaignError(Exception):
    """A use case refused; each adapter says why in its own words, from the attributes."""


class NoAuthority(CampaignError):
    def __init__(self, query: str):
        super().__init__(f"no authority matches {query!r}")
        self.query = query


class AmbiguousAuthority(CampaignError):
    def __init__(self, query: str, names: list[str]):
        super().__init__(f"{query!r} matches {len(names)} authorities")
        self.query, self.names = query, names


class NoCampaignFor(CampaignError):
    def __init__(self, authority: str):
        super().__init__(f"there is no campaign for {authority}")
        self.authority = authority


class UnknownCampaign(CampaignError):
    def __init__(self, campaign_id: int):
        super().__init__(f"there is no campaign {campaign_id}")
        self.campaign_id = campaign_id


class CampaignClosed(CampaignError):
    """Fieldwork is closed: the campaign can no longer be changed, take invitations, or be closed again."""

    def __init__(self, campaign: Campaign):
        super().__init__(f"campaign {campaign.id} ({campaign.authority}) is closed")
        self.campaign = campaign


class ClosesBeforeOpens(CampaignError):
    def __init__(self, opens_on: date, closes_on: date):
        super().__init__(f"the close date {closes_on} is before the open date {opens_on}")
        self.opens_on, self.closes_on = opens_on, closes_on


class DateOutOfRange(CampaignError):
    """A campaign date outside what fieldwork can be: ``field`` ("opens" or "closes") is ``value``, which is not
    from ``earliest`` to ``latest`` (``check_dates``)."""

    def __init__(self, field: str, value: date, earliest: date, latest: date):
        when = "before" if value < earliest else "after"
        bound = earliest if value < earliest else latest
        super().__init__(f"the {'open' if field == 'opens' else 'close'} date {value} is {when} {bound}")
        self.field, self.value, self.earliest, self.latest = field, value, earliest, latest

    @property
    def too_early(self) -> bool:
        return self.value < self.earliest


class ClosesBeforeToday(CampaignError):
    """A new close date before today for a running campaign: it would end fieldwork without anyone closing it (the
    summary would go out at the next tick).  Ending fieldwork now is ``CampaignService.close``."""

    def __init__(self, campaign: Campaign, closes_on: date, today: date):
        super().__init__(f"the close date {closes_on} of campaign {campaign.id} is before today ({today})")
        self.campaign, self.closes_on, self.today = campaign, closes_on, today


class InvalidRound(CampaignError):
    """A round label that is not a short printable label such as "2026" or "2026-27"."""

    def __init__(self, label: str):
        super().__init__(f"{label!r} is not a round: use a short label such as 2026 or 2026-27")
        self.label = label


class UnknownInvitation(CampaignError):
    def __init__(self, reference: str):
        super().__init__(f"there is no invitation {reference}")
        self.reference = reference


class AlreadyRevoked(CampaignError):
    def __init__(self, reference: str):
        super().__init__(f"invitation {reference} was already revoked")
        self.reference = reference


# ---- the port -------------------------------------------------------------------------------------------------------


# ---- pure rules ------------------------------------------------------------------------------------------------------


def match(query: str, names: list[str]) -> list[str]:
    """Names matching ``query``: an exact (case-insensitive) name wins; otherwise every name containing it."""
    wanted = " ".join(query.split()).casefold()
    if not wanted:
        return []
    exact = [n for n in names if n.casefold() == wanted]
    return exact or [n for n in names if wanted in n.casefold()]


def check_window(opens_on: date, closes_on: date) -> None:
    """Fieldwork must close on or after the day it opens."""
    if closes_on < opens_on:
        raise ClosesBeforeOpens(opens_on, closes_on)


YEARS_AHEAD = 3
"""How far from today a campaign's dates may be, in years: it closes at most this long after today and opens at most
this long before.  Fieldwork lasts weeks; a date beyond is a slip of the keyboard (2206 for 2026), and one at the
end of the calendar (9999-12-31, which has no day after it) breaks every computation that counts days past it."""


def years_from(day: date, years: int) -> date:
    """The same day ``years`` later (or earlier, when negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def check_dates(opens_on: date, closes_on: date, today: date) -> None:
    """A new campaign's dates: it closes today or later, at most ``YEARS_AHEAD`` years from ``today``, and opens at
    most ``YEARS_AHEAD`` years before ``today`` (``DateOutOfRange`` naming the field), on or before the day it closes
    (``ClosesBeforeOpens``).  A close date in the past is named first: with the open date left to default to today,
    it is the one given wrong."""
    earliest, latest = years_from(today, -YEARS_AHEAD), years_from(today, YEARS_AHEAD)
    if closes_on < today:
        raise DateOutOfRange("closes", closes_on, today, latest)
    check_window(opens_on, closes_on)
    if not earliest <= opens_on <= latest:
        raise DateOutOfRange("opens", opens_on, earliest, latest)
    if closes_on > latest:
        raise DateOutOfRange("closes", closes_on, today, latest)


ROUND_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z ._/-]{0,19}")
"""A round's label: 1 to 20 characters, letters, digits, space and ``. _ / -``, starting with a letter or digit
("2026", "2026-27", "Spring 2027").  It is printed in every report and message naming the round, so it stays short
and plain."""


def check_round(label: str) -> str:
    """The label as given, when it is a valid round (``ROUND_PATTERN``, whole string); ``InvalidRound`` otherwise."""
    if not ROUND_PATTERN.fullmatch(label):
        raise InvalidRound(label)
    return label


def default_round(opens_on: date) -> str:
    """The round a campaign belongs to when none is given: the year it opens (what migration 0010 back-filled)."""
    return str(opens_on.year)


def invite_link(username: str, token: str) -> str:
    """The personal link: Telegram opens the bot and sends ``/start <token>``."""
    return f"https://t.me/{username}?start={token}"


@dataclass(frozen=True)
class IssuedInvitation:
    """A new invitation and its link: the only time the link exists (the database keeps a hash of the token)."""

    reference: str
    role: str
    token: str
    link: str


# ---- the service ----------------------------------------------------------------------------------------------------


class CampaignService:
    def __init__(
        self,
        store: CampaignStore,
        clock: Clock,
        zone: ZoneInfo,
        key_questions: KeyQuestions | Callable[[], KeyQuestions] | None = None,
    ):
        self.store = store
        self.clock = clock
        self.zone = zone
        self._key_questions = key_questions
        """Role -> key characteristic question ids (the partial threshold), or what gives them when first needed
        (``config.questionnaires.shipped_key_questions``: read on the first /rates); None: no outcomes counted."""

    def today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    def status(self, campaign: Campaign) -> str:
        return campaign.status(self.today())

    # ---- finding -------------------------------------------------------------------------------------------------

    async def authorities_matching(self, query: str) -> list[str]:
        """English names of the authorities whose English or Welsh name matches ``query``."""
        pairs = await self.store.authority_names()
        by_any = {n: n for n, _ in pairs} | {cy: n for n, cy in pairs if cy}
        return sorted({by_any[m] for m in match(query, list(by_any))})

    async def find_authority(self, query: str) -> str:
        """The one authority ``query`` names (any unambiguous part of its English or Welsh name)."""
        names = await self.authorities_matching(query)
        if not names:
            raise NoAuthority(query)
        if len(names) > 1:
            raise AmbiguousAuthority(query, names)
        return names[0]

    async def campaign_for(self, query: str) -> Campaign:
        """The campaign a command about a council means: its open campaign, else its most recent."""
        authority = await self.find_authority(query)
        today = self.today()
        found = [c for c in await self.store.campaigns() if c.authority == authority]
        if not found:
            raise NoCampaignFor(authority)
        return max(found, key=lambda c: (c.status(today) == OPEN, c.opens_on, c.id))

    async def campaign(self, campaign_id: int) -> Campaign:
        campaign = await self.store.campaign(campaign_id)
        if campaign is None:
            raise UnknownCampaign(campaign_id)
        return campaign

    async def campaigns(self) -> list[Campaign]:
        return await self.store.campaigns()

    async def open_campaigns(self, today: date | None = None) -> list[Campaign]:
        """Campaigns open today (or on ``today``, local date)."""
        today = today or self.today()
        return [c for c in await self.store.campaigns() if c.status(today) == OPEN]

    async def latest_per_authority(self) -> list[Campaign]:
        """Each council's most recent campaign (the national picture)."""
        latest: dict[str, Campaign] = {}
        for campaign in await self.store.campaigns():  # most recent first within each authority
            latest.setdefault(campaign.authority, campaign)
        return list(latest.values())

    async def short_name(self, authority: str) -> str:
        """A short word naming the council unambiguously in a command ("flint"), else its whole name."""
        for word in re.findall(r"[^\W\d_][\w'-]*", authority):
            if word.casefold() not in GENERIC_WORDS and await self.authorities_matching(word) == [authority]:
                return word.lower()
        return authority

    # ---- changing ------------------------------------------------------------------------------------------------

    async def create(
        self,
        authority_query: str,
        opens_on: date,
        closes_on: date,
        targets: dict[str, float] | None = None,
        reminder_policy: str | None = None,
        round: str | None = None,
    ) -> int:
        """A campaign at the council ``authority_query`` names; ``reminder_policy``: JSON of a
        ``flows.reminders.ReminderPolicy`` (None: the configured default); ``round``: the round of the data tool
        it belongs to (None: the year it opens, ``default_round``; ``InvalidRound`` unless ``check_round``
        accepts it).  Returns its id."""
        check_dates(opens_on, closes_on, self.today())
        label = default_round(opens_on) if round is None else check_round(round)
        authority = await self.find_authority(authority_query)
        return await self.store.create_campaign(
            authority, opens_on, closes_on, self.clock.now(), targets, reminder_policy=reminder_policy, round=label
        )

    async def update(
        self,
        campaign_id: int,
        *,
        closes_on: date | None = None,
        targets: dict[str, float] | None = None,
        reminder_policy: str | None = None,
    ) -> Campaign:
        """Change a running campaign: extend or shorten fieldwork, move targets, give it its own reminder policy.
        A new close date is today or later (``ClosesBeforeToday``: ending fieldwork now is :meth:`close`), at most
        ``YEARS_AHEAD`` years ahead (``DateOutOfRange``) and not before it opens (``ClosesBeforeOpens``)."""
        campaign = await self.campaign(campaign_id)
        if campaign.closed_at is not None:
            raise CampaignClosed(campaign)
        closes = closes_on or campaign.closes_on
        if closes_on is not None:
            today = self.today()
            if closes_on < today:
                raise ClosesBeforeToday(campaign, closes_on, today)
            check_window(campaign.opens_on, closes_on)
            if closes_on > (latest := years_from(today, YEARS_AHEAD)):
                raise DateOutOfRange("closes", closes_on, today, latest)
        await self.store.update_campaign(
            campaign_id, closes_on=closes, targets=campaign.targets | (targets or {}), reminder_policy=reminder_policy
        )
        return await self.campaign(campaign_id)

    async def close(self, campaign_id: int, reason: str = AUDITOR) -> Campaign:
        """Close fieldwork now; returns the campaign as closed.  ``CampaignClosed`` when it already was."""
        campaign = await self.campaign(campaign_id)
        if not await self.store.close_campaign(campaign.id, reason, self.clock.now()):
            raise CampaignClosed(campaign)
        return await self.campaign(campaign_id)

    async def close_completed(self) -> list[Campaign]:
        """Close the campaigns whose close date has passed, or where everyone invited has submitted (as they were
        before closing)."""
        closed = []
        today = self.today()
        for campaign in await self.store.campaigns():
            if campaign.closed_at is not None or today < campaign.opens_on:
                continue
            with isolated(log, f"campaign {campaign.id}: not checked for closing"):  # the others still close
                rates = await self.store.rates(campaign.id)
                invited = sum(r.invited for r in rates)
                if today > campaign.closes_on:
                    reason = DATE
                elif invited and sum(r.responded for r in rates) == invited:
                    reason = COMPLETE
                else:
                    continue
                if await self.store.close_campaign(campaign.id, reason, self.clock.now()):
                    log.info("campaign %s closed (%s)", campaign.id, reason)
                    closed.append(campaign)
        return closed

    # ---- invitations ---------------------------------------------------------------------------------------------

    async def issue_invitations(self, campaign_id: int, role: str, count: int, username: str) -> list[IssuedInvitation]:
        """``count`` new invitations (also to a running campaign), each with a fresh token; the links are returned
        here once and exist nowhere else.  ``CampaignClosed`` once fieldwork is over, marked or not (its close date
        has passed): a link to it would never work."""
        campaign = await self.campaign(campaign_id)
        if campaign.status(self.today()) == CLOSED:
            raise CampaignClosed(campaign)
        tokens = [new_token() for _ in range(count)]
        created = await self.store.add_invitations(
            campaign_id, role, count, tokens, [hash_token(t) for t in tokens], self.clock.now()
        )
        return [IssuedInvitation(i.reference, i.role, i.token, invite_link(username, i.token)) for i in created]

    async def invitations(
        self, campaign_id: int, role: str | None = None, status: str | None = None
    ) -> list[InvitationStatus]:
        """A campaign's invitations and their status (never the links)."""
        await self.campaign(campaign_id)
        found = await self.store.invitations(campaign_id, role)
        return [i for i in found if i.status == status] if status else found

    async def nonstarters(self, campaign_id: int) -> list[InvitationStatus]:
        """Invitations whose link was never opened (a bot cannot message these people)."""
        return [i for i in await self.store.invitations(campaign_id) if i.status == NOT_OPENED]

    async def revoke(self, reference: str) -> None:
        """Stop an invitation's link working; it is no longer counted as invited."""
        outcome = await self.store.revoke(reference, self.clock.now())
        if outcome == NOT_FOUND:
            raise UnknownInvitation(reference)
        if outcome == ALREADY_REVOKED:
            raise AlreadyRevoked(reference)

    # ---- figures -------------------------------------------------------------------------------------------------

    async def rates(self, campaign_id: int) -> list[RoleRate]:
        """Per role, with each invitation's outcome counted (``reports.outcomes``)."""
        if callable(self._key_questions):
            self._key_questions = self._key_questions()
        return await self.store.rates(campaign_id, self._key_questions)

    async def table(self, campaign: Campaign, rates: list[RoleRate] | None = None) -> RateTable:
        """The report's response-rate table for a campaign (from ``rates`` when they were just read)."""
        return RateTable.from_roles(
            campaign.authority,
            rates if rates is not None else await self.rates(campaign.id),
            campaign.targets,
            fieldwork_open=self.status(campaign) == OPEN,
        )

    async def responded_since(self, campaign_id: int, since: str) -> dict[str, int]:
        return await self.store.responded_since(campaign_id, since)

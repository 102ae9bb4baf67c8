"""Fieldwork progress as auditors read it in chat (HTML): a council's rates on one line, what changed since their
previous /rates, a campaign's status and dates, the daily digest's block per council.  Pure formatting of the rate
table (``reports.rates``) and the campaign records (``flows.records``); ``flows/fieldwork.py`` says when.

Every function takes the language of the chat it is for (English unless told); the words are in the message
catalogue (``flows/messages.yaml``: ``progress_*`` and ``role_*``), where a test holds English and Cymraeg to the same
placeholders and to Telegram's HTML.  Values are escaped as they are filled in (``Catalogue.t``).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flows.i18n import DEFAULT_LANGUAGE, catalogue, in_language
from flows.model import MEMBER, OFFICER, ROLES
from flows.records import AUDITOR, CLOSED, NOT_OPEN_YET, OPEN, Campaign, RateView
from reports.rates import RateTable
from reports.stats import round_half_up

ONE, COUNTED, ALL = "one", "counted", "all"
"""A role as a word: after the number 1 ("1 member"), after any other number ("2 members"; Welsh keeps the
singular there: "2 aelod"), and on its own ("members 3/65", "Aelodau")."""
STATUS_KEYS = {CLOSED: "progress_closed", NOT_OPEN_YET: "progress_not_open_yet"}


def _t(key: str, language: str, **params: object) -> str:
    return catalogue().t(key, language, **params)


def role_word(role: str, form: str = ALL, language: str = DEFAULT_LANGUAGE) -> str:
    """``role`` ("member", "officer", or "respondent" for everyone) as auditors' messages say it."""
    return catalogue().raw(f"role_{role}_{form}", language)


def counted(role: str, count: int, language: str = DEFAULT_LANGUAGE) -> str:
    """The word for ``role`` after the number ``count``."""
    return role_word(role, ONE if abs(count) == 1 else COUNTED, language)


def authority(campaign: Campaign, language: str = DEFAULT_LANGUAGE) -> str:
    """The council's name in ``language``: its Welsh name in Cymraeg where one is known."""
    return in_language(campaign.authority, campaign.authority_cy, language)


def percent_text(value: int | None) -> str:
    return "–" if value is None else f"{value}%"


def share(table: RateTable, role: str) -> float:
    """The share of a role that responded, unrounded (to order councils by it)."""
    row = table.row(role)
    return row.responded / row.invited if row.invited else 0.0


def ago(then: datetime, now: datetime, language: str = DEFAULT_LANGUAGE) -> str:
    minutes = int((now - then).total_seconds() // 60)
    if minutes < 60:
        return _t("progress_minutes_ago", language, count=minutes)
    if minutes < 48 * 60:
        return _t("progress_hours_ago", language, count=minutes // 60)
    return _t("progress_days_ago", language, count=minutes // (24 * 60))


def when(stamp: str, zone: ZoneInfo) -> str:
    return datetime.fromisoformat(stamp).astimezone(zone).strftime("%d/%m %H:%M")


def status_text(campaign: Campaign, today: date, language: str = DEFAULT_LANGUAGE) -> str:
    status = campaign.status(today)
    if status == OPEN:
        return _t("progress_open", language, days=(campaign.closes_on - today).days)
    if status == CLOSED and campaign.closed_reason == AUDITOR:
        return _t("progress_closed_early", language)
    return _t(STATUS_KEYS[status], language) if status in STATUS_KEYS else status


def heading(campaign: Campaign, today: date, language: str = DEFAULT_LANGUAGE) -> str:
    return (
        catalogue()
        .raw("progress_heading", language)
        .format(
            opens=f"{campaign.opens_on:%d/%m/%Y}",
            closes=f"{campaign.closes_on:%d/%m/%Y}",
            status=status_text(campaign, today, language),
        )
    )


def compact_line(campaign: Campaign, table: RateTable, language: str = DEFAULT_LANGUAGE) -> str:
    m, o, t = table.row(MEMBER), table.row(OFFICER), table.total
    return _t(
        "progress_compact",
        language,
        flag="⚠" if m.below_target else "✓",
        authority=authority(campaign, language),
        members=percent_text(m.percentage),
        members_responded=m.responded,
        members_invited=m.invited,
        officers=percent_text(o.percentage),
        officers_responded=o.responded,
        officers_invited=o.invited,
        total=percent_text(t.percentage),
    )


def delta(view: RateView, table: RateTable, language: str = DEFAULT_LANGUAGE) -> str:
    """What changed since ``view``: "+2 members responded, -1 officer in progress", or ""."""
    parts = []
    for role in ROLES:
        row = table.row(role)
        gained = row.responded - view.responded[role]
        if gained:
            parts.append(
                _t("progress_responded", language, change=f"{gained:+d}", role=counted(role, gained, language))
            )
        started = row.started - view.started[role]
        if started:
            parts.append(
                _t("progress_in_progress", language, change=f"{started:+d}", role=counted(role, started, language))
            )
    return ", ".join(parts)


def change_line(view: RateView | None, table: RateTable, now: datetime, language: str = DEFAULT_LANGUAGE) -> str:
    if view is None:
        return _t("progress_first_rates", language)
    changed = delta(view, table, language) or _t("progress_no_change", language)
    return (
        catalogue()
        .raw("progress_since_last", language)
        .format(ago=ago(datetime.fromisoformat(view.viewed_at), now, language), change=changed)
    )


def digest_block(
    campaign: Campaign, table: RateTable, new: dict[str, int] | None, today: date, language: str = DEFAULT_LANGUAGE
) -> str:
    """One council in the daily digest: members then officers, against target, with the new responses."""
    parts = []
    for role in (MEMBER, OFFICER):
        row = table.row(role)
        target = (
            _t("progress_digest_target", language, percent=round_half_up(row.target * 100))
            if row.target is not None
            else ""
        )
        parts.append(
            catalogue()
            .raw("progress_digest_role", language)
            .format(
                mark="⚠" if row.below_target else "✓",
                role=role_word(role, ALL, language),
                responded=row.responded,
                invited=row.invited,
                new=f" (+{new[role]})" if new is not None else "",
                percent=percent_text(row.percentage),
                target=target,
            )
        )
    council = _t(
        "progress_digest_council",
        language,
        authority=authority(campaign, language),
        days=(campaign.closes_on - today).days,
    )
    return "\n" + council + "\n" + "\n".join(parts)


def digest_heading(today: date, since: str | None, zone: ZoneInfo, language: str = DEFAULT_LANGUAGE) -> str:
    heading_text = _t("progress_digest_heading", language, date=f"{today:%d/%m/%Y}")
    return heading_text + (_t("progress_digest_since", language, when=when(since, zone)) if since else "")

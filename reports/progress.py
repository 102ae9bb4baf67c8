"""Fieldwork progress as auditors read it in chat (English, HTML): a council's rates on one line, what changed since
their previous /rates, a campaign's status and dates, the daily digest's block per council.  Pure formatting of the
rate table (``reports.rates``) and the campaign records (``flows.records``); ``flows/fieldwork.py`` says when."""

from __future__ import annotations

import html
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flows.model import ROLES
from flows.records import AUDITOR, CLOSED, OPEN, Campaign, RateView
from reports.rates import RateTable
from reports.stats import round_half_up

ROLE_WORDS = {"officer": ("officer", "officers"), "member": ("member", "members")}
"""Singular and plural of each role, as auditors' messages say them."""


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def percent_text(value: int | None) -> str:
    return "–" if value is None else f"{value}%"


def share(table: RateTable, role: str) -> float:
    """The share of a role that responded, unrounded (to order councils by it)."""
    row = table.row(role)
    return row.responded / row.invited if row.invited else 0.0


def ago(then: datetime, now: datetime) -> str:
    minutes = int((now - then).total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"


def when(stamp: str, zone: ZoneInfo) -> str:
    return datetime.fromisoformat(stamp).astimezone(zone).strftime("%d/%m %H:%M")


def status_text(campaign: Campaign, today: date) -> str:
    status = campaign.status(today)
    if status == OPEN:
        return f"open, {(campaign.closes_on - today).days} day(s) left"
    if status == CLOSED and campaign.closed_reason == AUDITOR:
        return "closed early"
    return status


def heading(campaign: Campaign, today: date) -> str:
    return f"<i>Fieldwork {campaign.opens_on:%d/%m/%Y}–{campaign.closes_on:%d/%m/%Y} · {status_text(campaign, today)}</i>"


def compact_line(campaign: Campaign, table: RateTable) -> str:
    m, o, t = table.row("member"), table.row("officer"), table.total
    flag = "⚠" if m.below_target else "✓"
    return (f"{flag} <b>{esc(campaign.authority)}</b>: members {percent_text(m.percentage)} ({m.responded}/{m.invited}), "
            f"officers {percent_text(o.percentage)} ({o.responded}/{o.invited}), total {percent_text(t.percentage)}")


def delta(view: RateView, table: RateTable) -> str:
    """What changed since ``view``: "+2 members responded, -1 officer in progress", or ""."""
    parts = []
    for role in ROLES:
        row = table.row(role)
        gained = row.responded - view.responded[role]
        if gained:
            parts.append(f"{gained:+d} {ROLE_WORDS[role][abs(gained) != 1]} responded")
        started = row.started - view.started[role]
        if started:
            parts.append(f"{started:+d} {ROLE_WORDS[role][abs(started) != 1]} in progress")
    return ", ".join(parts)


def change_line(view: RateView | None, table: RateTable, now: datetime) -> str:
    if view is None:
        return "<i>First /rates for this council: next time you will see what changed.</i>"
    changed = delta(view, table)
    return f"<i>Since your last /rates ({ago(datetime.fromisoformat(view.viewed_at), now)}): {changed or 'no change'}.</i>"


def digest_block(campaign: Campaign, table: RateTable, new: dict[str, int] | None, today: date) -> str:
    """One council in the daily digest: members then officers, against target, with the new responses."""
    parts = []
    for role in ("member", "officer"):
        row = table.row(role)
        fresh = f" (+{new[role]})" if new is not None else ""
        target = f", target {round_half_up((row.target or 0) * 100)}%" if row.target is not None else ""
        mark = "⚠" if row.below_target else "✓"
        parts.append(f"{mark} {ROLE_WORDS[role][1]} {row.responded}/{row.invited}{fresh} "
                     f"= {percent_text(row.percentage)}{target}")
    days = (campaign.closes_on - today).days
    return f"\n<b>{esc(campaign.authority)}</b> · closes in {days} day(s)\n" + "\n".join(parts)


def digest_heading(today: date, since: str | None, zone: ZoneInfo) -> str:
    return f"<b>Daily digest, {today:%d/%m/%Y}</b>" + (f" · new since {when(since, zone)}" if since else "")

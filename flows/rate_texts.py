"""Response rates as auditors read them in chat (``/rates``, HTML) and in the terminal (``datatool-bot rates``):
the report's table (``reports.rates.RateTable``) in words, with a line per group and the forecast.  The words
(headings, group names, the line per role) are in English or Cymraeg from the message catalogue
(``flows/messages.yaml``, keys ``rates_*``): the formatters take a language, English unless told, so the terminal
stays English and each auditor's chat gets its own.  Read when called, never at import.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import date

from flows.i18n import DEFAULT_LANGUAGE, catalogue
from flows.model import MEMBER, OFFICER
from reports.forecast import GroupForecast
from reports.rates import RateRow, RateTable
from reports.stats import pct, round_half_up

__all__ = ["cells", "forecast_lines", "format_html", "format_text", "headers", "role_label"]

_GROUP_KEYS = {OFFICER: "rates_officers", MEMBER: "rates_members", None: "rates_total"}
_HEADER_KEYS = ("rates_col_recipients", "rates_col_invited", "rates_col_received", "rates_col_percentage")


def role_label(role: str | None, language: str = DEFAULT_LANGUAGE) -> str:
    """A row's group as the report names it ("Elected Members"); ``None`` is the total."""
    return catalogue().raw(_GROUP_KEYS[role], language)


def headers(language: str = DEFAULT_LANGUAGE) -> tuple[str, str, str, str]:
    first, second, third, fourth = (catalogue().raw(key, language) for key in _HEADER_KEYS)
    return first, second, third, fourth


def cells(table: RateTable, language: str = DEFAULT_LANGUAGE) -> list[tuple[str, str, str, str]]:
    """The table's rows as its four columns read."""
    return [
        (
            role_label(r.role, language),
            str(r.invited),
            str(r.responded),
            "–" if r.percentage is None else f"{r.percentage}%",
        )
        for r in table.rows
    ]


def _grid(table: RateTable, *, with_moe: bool, narrow: bool = False, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """The table as fixed-width lines; ``narrow`` stacks each heading over two lines (for phones)."""
    margin = (catalogue().raw("rates_col_margin", language),) if with_moe else ()
    heads: list[tuple[str, ...]] = [headers(language) + margin]
    rows = [
        (*cells, *(("–" if r.moe is None else f"±{r.moe}",) if with_moe else ()))
        for cells, r in zip(cells(table, language), table.rows, strict=True)
    ]
    if narrow:
        split = [_balanced_split(h) for h in heads[0]]
        heads = [tuple(p[0] for p in split), tuple(p[1] for p in split)]
    body = [*heads, *rows]
    widths = [max(len(row[i]) for row in body) for i in range(len(body[0]))]
    sep = "  " if narrow else " | "

    def line(row: tuple[str, ...]) -> str:
        return sep.join(
            [row[0].ljust(widths[0]), *(cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True))]
        ).rstrip()

    rule = [] if narrow else ["-+-".join("-" * w for w in widths)]
    return [*(line(h) for h in heads), *rule, *(line(r) for r in rows)]


def _balanced_split(heading: str) -> tuple[str, str]:
    """Split a heading at the space that makes its longer half shortest ("Data tool" / "recipients")."""
    spaces = [i for i, ch in enumerate(heading) if ch == " "]
    if not spaces:
        return heading, ""
    at = min(spaces, key=lambda i: max(i, len(heading) - i - 1))
    return heading[:at], heading[at + 1 :]


def format_text(table: RateTable, *, details: bool = False, language: str = DEFAULT_LANGUAGE) -> str:
    """A fixed-width table for the terminal; with ``details``, margins, unfinished and targets too."""
    lines = [table.authority, *_grid(table, with_moe=details, language=language)]
    if details:
        lines += [""] + [_role_detail(r, language) for r in table.rows if r.role]
        lines += _outcome_lines(table, language)
    return "\n".join(lines)


def _outcome_lines(table: RateTable, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """Per group, RR2 and the cooperation rate with the outcome counts, then what the codes mean (plain text);
    nothing when the outcomes were not counted."""
    if any(r.outcomes is None for r in table.rows):
        return []
    text = catalogue().raw
    lines = [""]
    for row in table.rows:
        o = row.outcomes
        assert o is not None
        _, rr2, coop = o.percentages()
        refusal = str(o.refusal)
        if table.fieldwork_open and o.broke_off:
            refusal = text("rates_in_progress", language).format(refusal=refusal, count=o.broke_off)
        lines.append(
            text("rates_outcomes", language).format(
                group=role_label(row.role, language),
                rr2=_percent(rr2),
                coop=_percent(coop),
                complete=o.complete,
                partial=o.partial,
                refusal=refusal,
                other=o.other,
                non_contact=o.non_contact,
            )
        )
    return [*lines, text("rates_outcome_codes", language)]


def _percent(value: int | None) -> str:
    return "–" if value is None else f"{value}%"


def _role_detail(row: RateRow, language: str = DEFAULT_LANGUAGE) -> str:
    """One role's unfinished and target, as plain text (the formatters escape it where HTML is wanted)."""
    text = catalogue().raw
    parts = [text("rates_started", language).format(group=role_label(row.role, language), started=row.started)]
    if row.target is not None:
        parts.append(
            text("rates_target", language).format(
                percent=round_half_up(row.target * 100), count=row.target_count, invited=row.invited
            )
        )
        parts.append(
            text("rates_more_needed", language).format(count=row.still_needed)
            if row.below_target
            else text("rates_target_reached", language)
        )
    return "; ".join(parts)


def format_html(table: RateTable, language: str = DEFAULT_LANGUAGE) -> str:
    """The table for a Telegram message (HTML parse mode): a <pre> grid, then one line per role."""
    grid = html.escape("\n".join(_grid(table, with_moe=True, narrow=True, language=language)), quote=False)
    details = "\n".join(
        ("⚠ " if r.below_target else "✓ ") + html.escape(_role_detail(r, language), quote=False)
        for r in table.rows
        if r.role
    )
    outcomes = "\n".join(html.escape(line, quote=False) for line in _outcome_lines(table, language))
    return f"<b>{html.escape(table.authority, quote=False)}</b>\n<pre>{grid}</pre>\n{details}{outcomes}"


def forecast_lines(forecasts: Iterable[GroupForecast], closes_on: date, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """The /rates forecast (``reports.forecast``) as plain text: a heading saying it is a projection, then one line
    per group: the range of rates by the close, the target's outlook, the responses for a ±10-point margin."""
    text = catalogue().raw
    lines = [text("rates_forecast_heading", language)]
    for f in forecasts:
        line = text("rates_forecast", language).format(
            group=role_label(f.role, language), low=pct(f.low_rate), high=pct(f.high_rate), date=f"{closes_on:%d/%m/%Y}"
        )
        if f.outlook is not None and f.target_count is not None:
            line += text("rates_forecast_target", language).format(
                percent=round_half_up((f.target or 0) * 100), outlook=text(f"rates_forecast_{f.outlook}", language)
            )
        parts = [
            line,
            text("rates_forecast_margin", language).format(count=f.more_for_margin)
            if f.more_for_margin
            else text("rates_forecast_margin_reached", language),
        ]
        if f.from_prior and f.reminders_left:
            parts.append(
                text("rates_forecast_prior", language).format(low=pct(f.per_reminder[0]), high=pct(f.per_reminder[1]))
            )
        lines.append("; ".join(parts))
    return lines

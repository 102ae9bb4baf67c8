"""A council beside the other councils of its round, beside its own previous round, and the good practice to learn
from: the figures (``compare``, pure, frozen dataclasses of ``reports.model``) and the context of the report's
partial ``templates/comparisons.html.j2`` (``comparison_context``).

Position among the councils (``position``), like with like
    Councils differ in how many officers and how many elected members answer, and the two groups often see their
    council differently (members lower), so raw Totals would compare mixes rather than councils.  Each group is
    compared with the same group elsewhere: officers with officers, members with members.  Each other council of
    the round with closed fieldwork counts once per group, by that group's median level under its own report's
    disclosure control (a group with fewer than 5 answering, or whose median its report withholds, is left out).
    What reaches this council's report is said in words and holds of most of them: the level more than half of them
    chose ("most other councils' members chose Level 2"), and whether more than half chose a level above, at or
    below the council's own group ("Flintshire County Council's members chose a lower level than most of them").
    No count at each level, no middle value, no number of respondents, no name: a table of counts at each level
    showed every council's median whenever they agreed ("0 at Level 1, 5 at Level 2, 0 at Level 3").  With fewer
    than ``MIN_PEERS`` (5) councils compared for a group and characteristic, nothing is said of it: a group of
    councils smaller than that is as easy to single out as a group of people.  The council's own figures are its own
    report's group breakdowns, and a withheld one is said to be withheld, with its reason.

Change since the previous round (``change``)
    The council's own campaign of the most recent earlier round with closed fieldwork.  Per characteristic and group
    (officers, members, Total): the median and the distribution then and now, each as its round's report published
    it, and whether the change is beyond sampling error.  Two shares are tested, the share at Level 2 or above and
    the share at Level 3, each against the margin of its change (``reports.stats.share_change``: 95%, finite
    population corrected, Agresti-Caffo adjusted); up when one rose beyond its margin and neither fell, down the
    other way, mixed when one rose and one fell (more at both ends), else "no detectable change".  Two tests per
    characteristic and group mean that about one in ten of the groups that did not change may still show a change
    by chance: the report says so.  Disclosure: a group withheld in either round gets no statement at all; a group
    shown by its median only in either round gets its medians, untested (the test would need the distribution that
    is withheld); each says its true reason (5 to 7 answering, fewer than 5, or withheld to protect a small group).
    Response rates then and now per group are counts, always shown.

Good practice (``reports.good_practice``)
    The examples chosen for each group's weakest characteristics, with their words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from reports.good_practice import good_practice, groups_in, practice_context
from reports.inputs import PracticeExample, SurveyData
from reports.model import (
    TOTAL,
    Breakdown,
    Change,
    CharacteristicChange,
    CharacteristicResult,
    Comparison,
    Detail,
    GroupChange,
    Movement,
    RateChange,
    RateResult,
    Reason,
    Relation,
    ShareChange,
    SurveyReport,
)
from reports.peers import PeerCharacteristic, PeerGroup, Position
from reports.stats import beyond_margin, pct, share_change
from reports.texts import ReportTexts, names_text, template_environment, texts
from reports.vocabulary import DEFAULT_LANGUAGE

__all__ = [
    "MIN_PEERS",
    "Scored",
    "change",
    "compare",
    "comparison_context",
    "counted",
    "group_change",
    "position",
    "position_summary",
    "render_comparisons",
]

MIN_PEERS = 5
"""Fewer other councils compared than this for a group and characteristic: nothing is said of it."""
TESTED_FROM = (2, 3)
"""The shares tested for a change: at Level 2 or above, and at Level 3."""
TEMPLATE = "comparisons.html.j2"

Scored = tuple[tuple[RateResult, ...], tuple[CharacteristicResult, ...]]
"""A campaign's rates and characteristics, as ``reports.scoring.score_characteristics`` gives them."""


# ---- position among the councils ------------------------------------------------------------------------------------


def _most(levels: Sequence[int], chosen: Iterable[bool]) -> bool:
    """More than half of the councils."""
    return 2 * sum(chosen) > len(levels)


def _peer_group(group: str, own: Breakdown | None, levels: Sequence[int]) -> PeerGroup:
    if len(levels) < MIN_PEERS:
        return PeerGroup(group, own, len(levels), False)
    most_at = next((level for level in (1, 2, 3) if _most(levels, (x == level for x in levels))), None)
    mine = None if own is None else own.median_level
    relation = None
    if mine is not None:
        if _most(levels, (x > mine for x in levels)):
            relation = Relation.BELOW
        elif _most(levels, (x < mine for x in levels)):
            relation = Relation.ABOVE
        elif _most(levels, (x == mine for x in levels)):
            relation = Relation.LEVEL
    return PeerGroup(group, own, len(levels), True, most_at, relation)


def position(
    round: str,
    characteristics: Sequence[CharacteristicResult],
    peers: Sequence[Scored],
    roles: Sequence[str] | None = None,
) -> Position:
    """Each group of the council beside the same group at the other councils (module docstring, "Position")."""
    rows = []
    for c in characteristics:
        groups = {}
        for role in roles if roles is not None else c.groups:
            levels: list[int] = []
            for _, theirs in peers:
                found = next((p for p in theirs if p.section_id == c.section_id), None)
                level = None if found is None or (b := found.group(role)) is None else b.median_level
                if level is not None:
                    levels.append(level)
            own = c.groups.get(role)
            if own is not None or levels:
                groups[role] = _peer_group(role, own, levels)
        rows.append(PeerCharacteristic(c.section_id, c.title, groups))
    return Position(round=round, councils=len(peers), min_councils=MIN_PEERS, characteristics=tuple(rows))


# ---- change since the previous round -----------------------------------------------------------------------------


def _at_or_above(b: Breakdown, level: int) -> tuple[str, ...]:
    return tuple(c for c in b.categories if (b.categories.level(c) or 0) >= level)


def group_change(
    group: str, then: Breakdown | None, now: Breakdown | None, invited_then: int, invited_now: int
) -> GroupChange:
    """One group's change in one characteristic, under the disclosure rules of both rounds (module docstring)."""
    if then is None or now is None:
        return GroupChange(group, then, now, Movement.NOT_ASKED)
    if then.detail is Detail.HIDDEN or now.detail is Detail.HIDDEN:
        return GroupChange(group, then, now, Movement.WITHHELD)
    if not (then.shown and now.shown) or then.counts is None or now.counts is None:
        return GroupChange(group, then, now, Movement.MEDIANS_ONLY)
    shares = []
    for level in TESTED_FROM:
        ids_then, ids_now = _at_or_above(then, level), _at_or_above(now, level)
        count_then = sum(n for c, n in zip(then.categories, then.counts, strict=True) if c in ids_then)
        count_now = sum(n for c, n in zip(now.categories, now.counts, strict=True) if c in ids_now)
        assert then.answered and now.answered
        adjusted, moe = share_change((count_then, then.answered, invited_then), (count_now, now.answered, invited_now))
        share_then, share_now = then.share_of(*ids_then), now.share_of(*ids_now)
        assert share_then is not None and share_now is not None
        shares.append(ShareChange(level, share_then, share_now, adjusted, moe, beyond_margin(adjusted, moe)))
    rose = any(s.detected and s.adjusted > 0 for s in shares)
    fell = any(s.detected and s.adjusted < 0 for s in shares)
    movement = Movement.MIXED if rose and fell else Movement.UP if rose else Movement.DOWN if fell else Movement.NONE
    return GroupChange(group, then, now, movement, tuple(shares))


def change(previous: SurveyData, then: Scored, now: Scored) -> Change:
    """The council's previous round (``previous``, scored as ``then``) beside this one (``now``)."""
    then_rates, then_chars = then
    now_rates, now_chars = now
    by_group_then = {r.group: r for r in then_rates}
    by_group_now = {r.group: r for r in now_rates}
    rates = tuple(
        RateChange(g, by_group_then.get(g), by_group_now.get(g))
        for g in groups_in([g for g in by_group_now if g != TOTAL], [g for g in by_group_then if g != TOTAL], [TOTAL])
    )
    invited_then = {g: r.invited for g, r in by_group_then.items()}
    invited_now = {g: r.invited for g, r in by_group_now.items()}
    earlier = {c.section_id: c for c in then_chars}
    characteristics = []
    for c in now_chars:
        before = earlier.get(c.section_id)
        if before is None:
            continue
        groups = {
            g: group_change(g, before.group(g), c.group(g), invited_then.get(g, 0), invited_now.get(g, 0))
            for g in groups_in(c.groups, before.groups, [TOTAL])
        }
        characteristics.append(CharacteristicChange(c.section_id, c.title, groups))
    return Change(previous.round, previous.opens_on, previous.closes_on, rates, tuple(characteristics))


# ---- all three --------------------------------------------------------------------------------------------------


def compare(
    data: SurveyData,
    scored: Scored,
    peers: Sequence[Scored] = (),
    previous: Scored | None = None,
    examples: Sequence[PracticeExample] | None = None,
) -> Comparison:
    """What ``SurveyReport.comparison`` holds: the position among ``peers`` when the data names its round, the change
    since ``data.previous`` (scored as ``previous``) when there is one, and the good practice (``examples``: the
    shipped file when None).  ``reports.scoring.score`` scores the peers and the previous round with the same
    ``score_characteristics`` as the national view."""
    rates, characteristics = scored
    roles = data.roles()
    where = None if data.round is None else position(data.round, characteristics, peers, roles)
    since = None if data.previous is None or previous is None else change(data.previous, previous, scored)
    chosen = data.good_practice if examples is None else examples
    return Comparison(where, since, good_practice(characteristics, chosen, roles))


# ---- words ------------------------------------------------------------------------------------------------------


def counted(t: ReportTexts, key: str, n: int, **params: object) -> str:
    """``key_one`` for one, ``key_other`` for any other number: "1 key characteristic", "6 key characteristics"
    (Welsh keeps the singular noun after a numeral, "6 nodwedd", but not every word around it: "wedi'i"/"wedi'u")."""
    return t(f"{key}_one" if n == 1 else f"{key}_other", n=n, **params)


def level_text(t: ReportTexts, level: int | None) -> str:
    return t("cmp_none") if level is None else t.level(level)


def distribution(t: ReportTexts, b: Breakdown | None) -> str:
    """ "Level 1 40% · Level 2 45% · Level 3 15% (40 answering)", or why it is not shown."""
    if b is None:
        return t("not_asked")
    if not b.shown or b.shares is None:
        return t.reason(b) or t("cmp_none")
    parts = " · ".join(
        f"{t.level(b.categories.level(c))} {pct(s)}%" for c, s in zip(b.categories, b.shares, strict=True)
    )
    return t("cmp_distribution", levels=parts, n=b.answered)


def _median(t: ReportTexts, b: Breakdown | None) -> str:
    if b is None:
        return t("not_asked")
    return t.reason(b) if b.median_level is None else t.level(b.median_level)


def _rate(t: ReportTexts, r: RateResult | None) -> str:
    if r is None:
        return t("not_asked")
    margin = "" if r.margin_points is None else t("cmp_margin", points=r.margin_points)
    return t(
        "cmp_rate",
        responded=r.responded,
        invited=r.invited,
        percentage="–" if r.percentage is None else r.percentage,
        margin=margin,
    ).strip()


def _table(caption: str, columns: list[str], rows: list[tuple[str, list[str]]]) -> dict[str, Any]:
    return {"caption": caption, "columns": columns, "rows": [{"header": h, "cells": cells} for h, cells in rows]}


def peer_text(t: ReportTexts, g: PeerGroup, authority: str) -> str:
    """One group in one characteristic, in words: "most other councils' members chose Level 2; Flintshire County
    Council's members chose a lower level (Level 1) than most of them"."""
    group = t(f"cmp_group_{g.group}")
    if not g.possible:
        return t("cmp_peer_not_possible", min=MIN_PEERS, group=group)
    others = (
        t("cmp_peer_most", group=group, level=t.level(g.most_at))
        if g.most_at is not None
        else t("cmp_peer_spread", group=group)
    )
    if g.own is None:
        return others
    if g.own_level is None:
        mine = t("cmp_peer_own_withheld", authority=authority, group=group, reason=t.reason(g.own))
    elif g.relation is None:
        mine = t("cmp_peer_own_between", authority=authority, group=group, own=t.level(g.own_level))
    else:
        mine = t(f"cmp_peer_own_{g.relation.value}", authority=authority, group=group, own=t.level(g.own_level))
    return t("cmp_peer_sentence", others=others, own=mine)


def _characteristics_text(t: ReportTexts, items: Sequence[PeerCharacteristic]) -> str:
    if not items:
        return t("cmp_characteristics_none")
    return counted(t, "cmp_characteristics", len(items), names=names_text(t, [c.title.get(t.language) for c in items]))


def _compared(p: Position) -> list[str]:
    """The groups of the council compared somewhere: its median published beside enough councils."""
    return [
        group
        for group in p.groups()
        if any((g := c.group(group)) is not None and g.possible and g.own_level is not None for c in p.characteristics)
    ]


def _position_context(t: ReportTexts, p: Position, authority: str) -> dict[str, Any]:
    headline = []
    for group in _compared(p):
        lower, higher = p.with_relation(Relation.BELOW, group), p.with_relation(Relation.ABOVE, group)
        words = {"authority": authority, "group": t(f"cmp_group_{group}")}
        headline.append(
            t(
                "cmp_position_headline",
                **words,
                lower=_characteristics_text(t, lower),
                higher=_characteristics_text(t, higher),
            )
            if lower or higher
            else t("cmp_position_headline_neither", **words)
        )
    items = [
        {
            "title": c.title.get(t.language),
            "groups": [{"group": t.group(name), "text": peer_text(t, g, authority)} for name, g in c.groups.items()],
        }
        for c in p.characteristics
        if any(g.possible for g in c.groups.values())
    ]
    return {
        "heading": t("cmp_position_heading"),
        "intro": t(
            "cmp_position_intro",
            authority=authority,
            round=p.round,
            councils=counted(t, "cmp_councils_so_far", p.councils),
        ),
        "possible": p.possible,
        "not_possible": None if p.possible else t("cmp_not_possible", min=MIN_PEERS, round=p.round),
        "headline": headline,
        "characteristics": items,
        "note": t("cmp_position_note", min=MIN_PEERS),
    }


def position_summary(p: Position, t: ReportTexts, authority: str) -> tuple[str, str]:
    """The chat summary's line on the position (plain text; the summary escapes it): its head ("Among the 5 other
    councils of round 2026") and its words, per group ("Officers: lower than most on 1 (Integrated customer data),
    higher on none; Members: ...").  Aggregates only: never another council's name or figure."""
    head = (
        counted(t, "cmp_summary_position_head", p.councils, round=p.round)
        if p.councils
        else t("cmp_summary_position_head_none", round=p.round)
    )
    if not p.possible:
        return head, t("cmp_summary_not_possible", min=p.min_councils)

    def listed(items: Sequence[PeerCharacteristic]) -> str:
        if not items:
            return t("cmp_summary_none")
        return t("cmp_summary_count", n=len(items), names=", ".join(c.title.get(t.language) for c in items))

    parts = []
    for group in _compared(p):
        lower, higher = p.with_relation(Relation.BELOW, group), p.with_relation(Relation.ABOVE, group)
        parts.append(
            t("cmp_summary_group", label=t.short(group), lower=listed(lower), higher=listed(higher))
            if lower or higher
            else t("cmp_summary_group_neither", label=t.short(group))
        )
    return head, "; ".join(parts) or t("cmp_summary_not_possible", min=p.min_councils)


def _why(b: Breakdown | None) -> str | None:
    """The key of why one round's figures of a group are not shown in full, truly: fewer than 5 answering, 5 to 7, or
    withheld to protect a small group (whatever the number answering)."""
    if b is None or b.detail is Detail.FULL:
        return None
    if b.reason is Reason.FEWER_THAN_5:
        return "cmp_why_fewer_than_5"
    return "cmp_why_fewer_than_8" if b.reason is Reason.FEWER_THAN_8 else "cmp_why_protected"


def movement_text(t: ReportTexts, g: GroupChange, previous: str = "", current: str = "") -> str:
    text = t(f"cmp_movement_{g.movement.value}")
    if g.movement in (Movement.WITHHELD, Movement.MEDIANS_ONLY):
        whys: dict[str, list[str]] = {}
        for b, round in ((g.then, previous), (g.now, current)):
            if (key := _why(b)) is not None:
                whys.setdefault(key, []).append(round)
        text = t(
            "cmp_movement_because",
            movement=text,
            why="; ".join(
                t(key, when=t("cmp_in_both_rounds") if len(rounds) == 2 else t("cmp_in_round", round=rounds[0]))
                for key, rounds in whys.items()
            ),
        )
    detected = [s for s in g.shares if s.detected]
    if detected:
        text += " " + t(
            "cmp_detected",
            shares="; ".join(
                t(
                    "cmp_share_change",
                    share=t(f"cmp_share_from_{s.from_level}"),
                    then=pct(s.then),
                    now=pct(s.now),
                    margin=pct(s.margin),
                )
                for s in detected
            ),
        )
    return text


def _change_context(t: ReportTexts, c: Change, report: SurveyReport, authority: str) -> dict[str, Any]:
    previous = c.previous_round or t("cmp_previous_unnamed")
    current = report.round or t("cmp_current_unnamed")
    fieldwork = (
        t(
            "cmp_change_fieldwork",
            previous=previous,
            fieldwork=t("fieldwork", opens=t.date(c.previous_opens_on), closes=t.date(c.previous_closes_on)),
        )
        if c.previous_opens_on and c.previous_closes_on
        else ""
    )
    rate_rows = [(t.group(r.group), [_rate(t, r.then), _rate(t, r.now)]) for r in c.rates]
    rows = []
    for ch in c.characteristics:
        for g in ch.groups.values():
            header = t("cmp_characteristic_group", characteristic=ch.title.get(t.language), group=t.group(g.group))
            rows.append(
                (
                    header,
                    [
                        _median(t, g.then),
                        _median(t, g.now),
                        distribution(t, g.then),
                        distribution(t, g.now),
                        movement_text(t, g, previous, current),
                    ],
                )
            )
    return {
        "heading": t("cmp_change_heading", previous=previous),
        "intro": t(
            "cmp_change_intro", authority=authority, previous=previous, current=current, fieldwork=fieldwork
        ).strip(),
        "rates": _table(
            t("cmp_change_rates_caption"),
            [t("col_recipients"), t("cmp_col_round", round=previous), t("cmp_col_round", round=current)],
            rate_rows,
        ),
        "table": _table(
            t("cmp_change_caption", previous=previous, current=current),
            [
                t("cmp_col_characteristic_group"),
                t("cmp_col_median_then"),
                t("cmp_col_median_now"),
                t("cmp_col_then"),
                t("cmp_col_now"),
                t("cmp_col_change"),
            ],
            rows,
        )
        if rows
        else None,
        "note": t("cmp_change_note"),
    }


def comparison_context(report: SurveyReport, language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """The context of ``templates/comparisons.html.j2``: ``{"comparisons": {...}}`` (its docstring lists the keys),
    every text already in ``language`` and plain (the template escapes it); ``{"comparisons": None}`` when the
    report has no comparison.  ``html.py`` passes it beside its own context and includes the partial."""
    comparison = report.comparison
    if comparison is None:
        return {"comparisons": None}
    t = texts(language)
    authority = report.authority_name(language)
    return {
        "comparisons": {
            "position": None if comparison.position is None else _position_context(t, comparison.position, authority),
            "change": None if comparison.change is None else _change_context(t, comparison.change, report, authority),
            "good_practice": None
            if comparison.good_practice is None
            else practice_context(t, comparison.good_practice, authority),
        }
    }


def render_comparisons(report: SurveyReport, language: str = DEFAULT_LANGUAGE) -> str:
    """The partial on its own (HTML of its sections, no page around it): for tests and for a page that wants only
    these sections."""
    return template_environment().get_template(TEMPLATE).render(**comparison_context(report, language))

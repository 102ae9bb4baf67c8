"""A council beside the other councils of its round, beside its own previous round, and the good practice to learn
from: the figures (``compare``, pure, frozen dataclasses of ``reports.model``) and the context of the report's
partial ``templates/comparisons.html.j2`` (``comparison_context``).

Position among the councils (``position``)
    Each other council of the round with closed fieldwork counts once, by its median level (its raw Total's, under
    its own report's disclosure control, the same figure the national view publishes).  A council with fewer than 5
    answering a characteristic (or whose total is withheld) is left out of that characteristic, and the number left
    out is given.  The council's own distribution and median are its own report's Total.  Only aggregates across the
    other councils reach this council's report: how many are at Level 1, 2 and 3, the lower-middle of their
    medians, how many councils and how many responses are behind them; never a name or one council's figure.  With
    fewer than ``MIN_PEERS`` (3) councils compared, even that is withheld and the report says the comparison is not
    yet possible: beside one other council the count at each level IS its median, and beside two, a reader who
    knows one of them (its own report is published) could work out the other.

Change since the previous round (``change``)
    The council's own campaign of the most recent earlier round with closed fieldwork.  Per characteristic and group
    (officers, members, Total): the median and the distribution then and now, each as its round's report published
    it, and whether the change is beyond sampling error.  Two shares are tested, the share at Level 2 or above and
    the share at Level 3, each against the margin of its change (``reports.stats.share_change``: 95%, finite
    population corrected, Agresti-Caffo adjusted); up when one rose beyond its margin and neither fell, down the
    other way, mixed when one rose and one fell (more at both ends), else "no detectable change".  Two tests per
    characteristic and group mean that about one in ten of the groups that did not change may still show a change
    by chance: the report says so.  Disclosure: a group with fewer than 5 answering (or withheld) in either round
    gets no statement at all; with 5 to 7 in either round only the medians are given and nothing is tested (the
    test would need the distribution that is withheld).  Response rates then and now per group are counts, always
    shown.

Good practice (``good_practice``)
    The examples of ``config/good_practice.yaml`` listed per characteristic they address; characteristics where the
    council's median (Total) is Level 1 come first, then the others in the questionnaire's order.  An example that
    addresses several characteristics is given in full the first time and referred back to after.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from config.good_practice import PracticeExample, shipped_good_practice
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
    PeerCharacteristic,
    Position,
    PracticeGroup,
    RateChange,
    RateResult,
    Relation,
    ShareChange,
    SurveyData,
    SurveyReport,
)
from reports.stats import beyond_margin, pct, quantile, share_change
from reports.summary import ReportTexts, template_environment, texts

__all__ = ["MIN_PEERS", "Scored", "change", "compare", "comparison_context", "good_practice", "group_change",
           "position", "render_comparisons"]

MIN_PEERS = 3
"""Fewer other councils compared than this: the position among the councils is not shown (module docstring)."""
TESTED_FROM = (2, 3)
"""The shares tested for a change: at Level 2 or above, and at Level 3."""
TEMPLATE = "comparisons.html.j2"

Scored = tuple[tuple[RateResult, ...], tuple[CharacteristicResult, ...]]
"""A campaign's rates and characteristics, as ``reports.scoring.score_characteristics`` gives them."""


def _total_rate(rates: Sequence[RateResult]) -> RateResult | None:
    return next((r for r in rates if r.group == TOTAL), None)


# ---- position among the councils ------------------------------------------------------------------------------------


def position(round: str, characteristics: Sequence[CharacteristicResult], peers: Sequence[Scored]) -> Position:
    """The council's characteristics beside the other councils' medians (aggregates only; module docstring)."""
    rows = []
    for c in characteristics:
        levels: list[int] = []
        respondents = 0
        for rates, theirs in peers:
            found = next((p for p in theirs if p.section_id == c.section_id), None)
            level = None if found is None else found.total.median_level
            if level is None:
                continue
            levels.append(level)
            total = _total_rate(rates)
            respondents += total.responded if total else 0
        enough = len(levels) >= MIN_PEERS
        rows.append(PeerCharacteristic(
            section_id=c.section_id,
            title=c.title,
            own=c.total,
            councils=len(levels),
            left_out=len(peers) - len(levels),
            at_level=(levels.count(1), levels.count(2), levels.count(3)) if enough else None,
            peer_median=quantile(levels, 0.5) if enough else None,
            respondents=respondents if enough else None,
        ))
    return Position(round=round, councils=len(peers), min_councils=MIN_PEERS, characteristics=tuple(rows))


# ---- change since the previous round -----------------------------------------------------------------------------


def _at_or_above(b: Breakdown, level: int) -> tuple[str, ...]:
    return tuple(c for c in b.categories if (b.categories.level(c) or 0) >= level)


def group_change(group: str, then: Breakdown | None, now: Breakdown | None, invited_then: int,
                 invited_now: int) -> GroupChange:
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


def _groups(*lists: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(g for items in lists for g in items))


def change(previous: SurveyData, then: Scored, now: Scored) -> Change:
    """The council's previous round (``previous``, scored as ``then``) beside this one (``now``)."""
    then_rates, then_chars = then
    now_rates, now_chars = now
    by_group_then = {r.group: r for r in then_rates}
    by_group_now = {r.group: r for r in now_rates}
    rates = tuple(RateChange(g, by_group_then.get(g), by_group_now.get(g))
                  for g in _groups([g for g in by_group_now if g != TOTAL], [g for g in by_group_then if g != TOTAL],
                                   [TOTAL]))
    invited_then = {g: r.invited for g, r in by_group_then.items()}
    invited_now = {g: r.invited for g, r in by_group_now.items()}
    earlier = {c.section_id: c for c in then_chars}
    characteristics = []
    for c in now_chars:
        before = earlier.get(c.section_id)
        if before is None:
            continue
        groups = {g: group_change(g, before.group(g), c.group(g), invited_then.get(g, 0), invited_now.get(g, 0))
                  for g in _groups(c.groups, before.groups, [TOTAL])}
        characteristics.append(CharacteristicChange(c.section_id, c.title, groups))
    return Change(previous.round, previous.opens_on, previous.closes_on, rates, tuple(characteristics))


# ---- good practice --------------------------------------------------------------------------------------------------


def good_practice(characteristics: Sequence[CharacteristicResult],
                  examples: Sequence[PracticeExample]) -> tuple[PracticeGroup, ...]:
    """The examples per characteristic that has any, Level 1 characteristics (the council's Total median) first."""
    groups = [PracticeGroup(c.section_id, c.title, c.total.median_level,
                            tuple(e for e in examples if c.section_id in e.characteristics))
              for c in characteristics]
    return tuple(sorted((g for g in groups if g.examples), key=lambda g: not g.leads))


# ---- all three --------------------------------------------------------------------------------------------------


def compare(data: SurveyData, scored: Scored, peers: Sequence[Scored] = (), previous: Scored | None = None,
            examples: Sequence[PracticeExample] | None = None) -> Comparison:
    """What ``SurveyReport.comparison`` holds: the position among ``peers`` when the data names its round, the change
    since ``data.previous`` (scored as ``previous``) when there is one, and the good practice (``examples``: the
    shipped file when None).  ``reports.scoring.score`` scores the peers and the previous round with the same
    ``score_characteristics`` as the national view."""
    rates, characteristics = scored
    where = None if data.round is None else position(data.round, characteristics, peers)
    since = None if data.previous is None or previous is None else change(data.previous, previous, scored)
    chosen = shipped_good_practice() if examples is None else examples
    return Comparison(where, since, good_practice(characteristics, chosen))


# ---- the partial's context --------------------------------------------------------------------------------------


def level_text(t: ReportTexts, level: int | None) -> str:
    return t("cmp_none") if level is None else t.level(level)


def levels_text(t: ReportTexts, levels: Sequence[int]) -> str:
    return t("cmp_and").join(t.level(level) for level in levels)


def distribution(t: ReportTexts, b: Breakdown | None) -> str:
    """"Level 1 40% · Level 2 45% · Level 3 15% (n 40)", or why it is not shown."""
    if b is None:
        return t("not_asked")
    if not b.shown or b.shares is None:
        return t.reason(b) or t("cmp_none")
    parts = " · ".join(f"{t.level(b.categories.level(c))} {pct(s)}%" for c, s in zip(b.categories, b.shares,
                                                                                       strict=True))
    return t("cmp_distribution", levels=parts, n=b.answered)


def _median(t: ReportTexts, b: Breakdown | None) -> str:
    if b is None:
        return t("not_asked")
    return t.reason(b) if b.median_level is None else t.level(b.median_level)


def _rate(t: ReportTexts, r: RateResult | None) -> str:
    if r is None:
        return t("not_asked")
    margin = "" if r.margin_points is None else t("cmp_margin", points=r.margin_points)
    return t("cmp_rate", responded=r.responded, invited=r.invited,
             percentage="–" if r.percentage is None else r.percentage, margin=margin).strip()


def peers_text(t: ReportTexts, c: PeerCharacteristic) -> str:
    if c.at_level is None:
        return t("cmp_not_possible_short", min=MIN_PEERS)
    counts = t("cmp_at_levels", l1=c.at_level[0], l2=c.at_level[1], l3=c.at_level[2])
    return t("cmp_most_at", levels=levels_text(t, c.modal_levels), counts=counts)


def movement_text(t: ReportTexts, g: GroupChange) -> str:
    text = t(f"cmp_movement_{g.movement.value}")
    detected = [s for s in g.shares if s.detected]
    if detected:
        text += " " + t("cmp_detected", shares="; ".join(
            t("cmp_share_change", share=t(f"cmp_share_from_{s.from_level}"), then=pct(s.then), now=pct(s.now),
              margin=pct(s.margin)) for s in detected))
    return text


def _table(caption: str, columns: list[str], rows: list[tuple[str, list[str]]]) -> dict[str, Any]:
    return {"caption": caption, "columns": columns, "rows": [{"header": h, "cells": cells} for h, cells in rows]}


def _position_context(t: ReportTexts, p: Position, authority: str) -> dict[str, Any]:
    possible = any(c.possible for c in p.characteristics)
    rows = []
    for c in p.characteristics:
        own = (t("cmp_own_left_out") if c.own_level is None else
               t("cmp_own", level=t.level(c.own_level), distribution=distribution(t, c.own)))
        relation = t(f"cmp_relation_{c.relation.value}", level=level_text(t, c.peer_median)) if c.relation else "–"
        compared = t("cmp_councils", councils=c.councils, left_out=c.left_out)
        rows.append((c.title.get(t.language), [own, peers_text(t, c), relation, compared,
                                               "–" if c.respondents is None else str(c.respondents)]))
    return {
        "heading": t("cmp_position_heading"),
        "intro": t("cmp_position_intro", authority=authority, round=p.round, councils=p.councils),
        "possible": possible,
        "not_possible": None if possible else t("cmp_not_possible", min=MIN_PEERS, round=p.round),
        "headline": t("cmp_position_headline", authority=authority, below=p.count(Relation.BELOW),
                      level=p.count(Relation.LEVEL), above=p.count(Relation.ABOVE),
                      n=len(p.characteristics)) if possible else None,
        "table": _table(t("cmp_position_caption", round=p.round),
                        [t("cmp_col_characteristic"), authority, t("cmp_col_others"), t("cmp_col_relation"),
                         t("cmp_col_councils"), t("cmp_col_respondents")], rows) if possible else None,
        "note": t("cmp_position_note", min=MIN_PEERS),
    }


def _change_context(t: ReportTexts, c: Change, report: SurveyReport, authority: str) -> dict[str, Any]:
    previous = c.previous_round or t("cmp_previous_unnamed")
    current = report.round or t("cmp_current_unnamed")
    fieldwork = (t("cmp_change_fieldwork", previous=previous, fieldwork=t(
        "fieldwork", opens=t.date(c.previous_opens_on), closes=t.date(c.previous_closes_on)))
        if c.previous_opens_on and c.previous_closes_on else "")
    rate_rows = [(t.group(r.group), [_rate(t, r.then), _rate(t, r.now)]) for r in c.rates]
    rows = []
    for ch in c.characteristics:
        for g in ch.groups.values():
            header = t("cmp_characteristic_group", characteristic=ch.title.get(t.language), group=t.group(g.group))
            rows.append((header, [_median(t, g.then), _median(t, g.now), distribution(t, g.then),
                                  distribution(t, g.now), movement_text(t, g)]))
    return {
        "heading": t("cmp_change_heading", previous=previous),
        "intro": t("cmp_change_intro", authority=authority, previous=previous, current=current,
                   fieldwork=fieldwork).strip(),
        "rates": _table(t("cmp_change_rates_caption"),
                        [t("col_recipients"), t("cmp_col_round", round=previous), t("cmp_col_round", round=current)],
                        rate_rows),
        "table": _table(t("cmp_change_caption", previous=previous, current=current),
                        [t("cmp_col_characteristic_group"), t("cmp_col_median_then"), t("cmp_col_median_now"),
                         t("cmp_col_then"), t("cmp_col_now"), t("cmp_col_change")], rows) if rows else None,
        "note": t("cmp_change_note"),
    }


def _practice_context(t: ReportTexts, groups: Sequence[PracticeGroup], authority: str) -> dict[str, Any]:
    seen: dict[str, str] = {}
    sections = []
    for g in groups:
        title = g.title.get(t.language)
        examples = []
        for e in g.examples:
            examples.append({
                "title": e.title.get(t.language),
                "organisation": e.organisation.get(t.language),
                "summary": None if e.id in seen else e.summary.get(t.language),
                "see_above": t("cmp_see_above", characteristic=seen[e.id]) if e.id in seen else None,
                "source": t("cmp_source", source=e.source),
            })
            seen.setdefault(e.id, title)
        sections.append({
            "title": title,
            "median": t("cmp_practice_median", authority=authority, level=level_text(t, g.median)),
            "leads": g.leads,
            "examples": examples,
        })
    return {"heading": t("cmp_practice_heading"), "intro": t("cmp_practice_intro", authority=authority),
            "sections": sections}


def comparison_context(report: SurveyReport, language: str = "en") -> dict[str, Any]:
    """The context of ``templates/comparisons.html.j2``: ``{"comparisons": {...}}`` (its docstring lists the keys),
    every text already in ``language`` and plain (the template escapes it); ``{"comparisons": None}`` when the
    report has no comparison.  ``html.py`` passes it beside its own context and includes the partial."""
    comparison = report.comparison
    if comparison is None:
        return {"comparisons": None}
    t = texts(language)
    authority = report.authority_name(language)
    return {"comparisons": {
        "position": None if comparison.position is None else _position_context(t, comparison.position, authority),
        "change": None if comparison.change is None else _change_context(t, comparison.change, report, authority),
        "good_practice": _practice_context(t, comparison.good_practice, authority) if comparison.good_practice
        else None,
    }}


def render_comparisons(report: SurveyReport, language: str = "en") -> str:
    """The partial on its own (HTML of its sections, no page around it): for tests and for a page that wants only
    these sections."""
    return template_environment().get_template(TEMPLATE).render(**comparison_context(report, language))

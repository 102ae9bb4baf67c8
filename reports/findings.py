"""Findings in words (issue 22 item 1): the key findings of a council's report and "What we found" under each theme
and for the key characteristics, written by rules from the view-model (``reports.model``) in English and Cymraeg.

Each finding is one plain sentence per language: the finding first, then its evidence in words ("about 6 in 10"),
no symbols and no statistics jargon beyond "the margin of error", which the method explains once
(``fnd_method``, the ``findings_method`` macro of ``templates/findings.html.j2``).

The rules (``rule`` of a ``Finding``)
    placement         each characteristic's Total: where most respondents place the council and how united they are
                      ("largely agree" at two in three or more at one level, "most" above half, "divided" as
                      ``Breakdown.divided`` says, an even split between levels); a Total published as its median
                      only gives the middle answer and says why the rest is withheld.
    group_difference  officers beside members (every pair of groups asked), each shown in full: on a characteristic
                      the shares at Level 2 or above and at Level 3, on a statement asked in the same words the
                      share agreeing, tested with the test of a change between two rounds
                      (``comparison.group_change`` / ``stats.share_change``, each group corrected against its own
                      number invited); stated only beyond the margin of error.
    majority_agree /  a statement's Total (or each group's, where the groups were asked in different words or only
    majority_disagree one group was asked) with more than half agreeing (disagreeing) by more than its margin of
                      error (``stats.beyond_margin``).
    divided           a statement with neither side above half and a quarter or more on each side (more than half
                      on one side without a clear majority is within the margin: nothing is said).
    change            a group's change since the previous round beyond the margin (``Comparison.change``, tested
                      there); ``change_none`` says, once, that nothing changed beyond it where that is so.
    position          each group beside the same group at most other councils of the round (``Comparison.position``:
                      more than half of those compared above, at or below its own level): the characteristics where
                      it places the council lower, higher, or at the same level on all.
    early_late        a caveat where those who answered only after a reminder differ from those who answered before
                      any beyond the margin (``SurveyReport.early_late``, tested there).

Disclosure: a rule reads only figures the view-model publishes — a breakdown's shares only when it is shown in full
(``Detail.FULL``), its median when it is published, a test only where the comparison published one — so which
findings appear is a function of published figures alone and nothing withheld can be inferred from it.

Strength (the order): the size of the majority or difference measured in margins of error — (share - 1/2) /
margin for a majority, |adjusted difference| / its margin for a difference (so above 1 means beyond the margin),
(1/2 - agreement) or (the smaller end - 1/4) over the margin for a division; a margin of 0 (everyone answered)
counts as 1 point.  The council's place among the councils, which no test stands behind, ranks as if at the margin
(1); a middle answer alone, and "no change", rank last (0).  Ties keep the questionnaire's order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction

from reports import finding_words as fw
from reports.comparison import group_change
from reports.finding_words import Finding, share_words
from reports.model import (
    TOTAL,
    Breakdown,
    Detail,
    Movement,
    Reason,
    Relation,
    ShareChange,
    StatementResult,
    SurveyReport,
)
from reports.stats import beyond_margin
from reports.texts import ReportTexts, texts
from reports.vocabulary import DEFAULT_LANGUAGE, Side

__all__ = [
    "Finding",
    "characteristic_findings",
    "council_findings",
    "find",
    "key_findings",
    "share_words",
    "theme_findings",
]


# ---- the key characteristics -------------------------------------------------------------------------------------


def _placement(report: SurveyReport) -> list[Finding]:
    found = []
    for c in report.characteristics:
        b, title = c.total, fw.title(c.title)
        if b is None or b.detail is Detail.HIDDEN or b.median_level is None:
            continue
        if not fw.full(b):
            key = "fnd_middle_protected" if b.reason is Reason.PROTECTS_HIDDEN else "fnd_middle_few"
            found.append(
                Finding("placement", c.section_id, None, 0.0, fw.say(key, level=b.median_level, characteristic=title))
            )
            continue
        assert b.shares is not None and b.agreement is not None
        levels = [(b.categories.level(cat) or 0, share) for cat, share in zip(b.categories, b.shares, strict=True)]
        modal = [level for level, share in levels if share == b.agreement]
        low, high = b.share(b.categories.lowest or ""), b.share(b.categories.highest or "")
        if len(modal) > 1:
            text = fw.say(
                "fnd_split",
                levels=lambda t, m=modal: t("fnd_levels_and").join(t.level(x) for x in m),
                characteristic=title,
                share=fw.share(b.agreement),
            )
            strength = fw.strength(fw.HALF - b.agreement if b.agreement < fw.HALF else 0, b.margin)
        elif b.divided:
            text = fw.say("fnd_divided_levels", characteristic=title, distribution=_distribution(levels))
            strength = fw.strength(max(fw.HALF - b.agreement, min(low or 0, high or 0) - fw.QUARTER), b.margin)
        else:
            key = (
                "fnd_unanimous"
                if b.agreement == 1
                else "fnd_united"
                if b.agreement >= fw.UNITED
                else "fnd_most"
                if b.agreement > fw.HALF
                else "fnd_most_often"
            )
            text = fw.say(key, level=modal[0], characteristic=title, share=fw.share(b.agreement))
            strength = fw.strength(b.agreement - fw.HALF, b.margin)
        found.append(Finding("placement", c.section_id, None, strength, text))
    return found


def _distribution(levels: Sequence[tuple[int, Fraction]]) -> Callable[[ReportTexts], str]:
    """ "about 4 in 10 chose Level 1, about 2 in 10 Level 2, about 4 in 10 Level 3" (levels nobody chose left out)."""

    def words(t: ReportTexts) -> str:
        chosen = [(level, share) for level, share in sorted(levels) if share > 0]
        return ", ".join(
            t("fnd_dist_first" if i == 0 else "fnd_dist_next", share=fw.share_words(t, share), level=t.level(level))
            for i, (level, share) in enumerate(chosen)
        )

    return words


def _invited(report: SurveyReport) -> dict[str, int]:
    return {r.group: r.invited for r in report.rates}


def _pairs(report: SurveyReport, groups: Mapping[str, Breakdown]) -> list[tuple[str, str]]:
    """Every pair of groups shown in full, in the report's order (officers before members)."""
    shown = [g for g in report.roles if fw.full(groups.get(g))]
    return [(a, b) for i, a in enumerate(shown) for b in shown[i + 1 :]]


def _group_evidence(a: str, b: str, shares: Sequence[ShareChange], key: str) -> Callable[[ReportTexts], str]:
    """ "among members, about 3 in 10 chose Level 2 or above; among officers, about 8 in 10" for each share found
    beyond its margin (b's share first: the group the sentence is about)."""

    def words(t: ReportTexts) -> str:
        return t("fnd_evidence_join").join(
            t(
                key,
                first=fw.who(b)(t),
                second=fw.who(a)(t),
                label=fw.label(s.from_level)(t),
                first_share=fw.share_words(t, s.now),
                second_share=fw.share_words(t, s.then),
            )
            for s in shares
            if s.detected
        )

    return words


def _group_differences(report: SurveyReport) -> list[Finding]:
    """Officers beside members on each characteristic, with the test of a change between two rounds
    (``reports.comparison.group_change``: the first group as "then", the second as "now")."""
    invited, found = _invited(report), []
    for c in report.characteristics:
        for a, b in _pairs(report, c.groups):
            shares = group_change(b, c.groups[a], c.groups[b], invited.get(a, 0), invited.get(b, 0)).shares
            direction = fw.direction(shares)
            if direction is None:
                continue
            if direction == "mixed":
                kind = fw.mixed_kind(shares)
                text = fw.say(
                    f"fnd_group_{kind}",
                    who=fw.who(b),
                    than=fw.than(a),
                    characteristic=fw.title(c.title),
                    evidence=_group_evidence(a, b, shares, "fnd_evidence_groups"),
                )
            else:  # the sentence is about the group placing the council lower
                lower, higher = (b, a) if direction == "down" else (a, b)
                flipped = (
                    shares
                    if direction == "down"
                    else tuple(
                        ShareChange(s.from_level, s.now, s.then, -s.adjusted, s.margin, s.detected) for s in shares
                    )
                )
                text = fw.say(
                    "fnd_group_lower",
                    who=fw.who(lower),
                    than=fw.than(higher),
                    characteristic=fw.title(c.title),
                    evidence=_group_evidence(higher, lower, flipped, "fnd_evidence_groups"),
                )
            found.append(Finding("group_difference", c.section_id, None, fw.most(shares), text))
    return found


def _changes(report: SurveyReport) -> list[Finding]:
    change = None if report.comparison is None else report.comparison.change
    if change is None:
        return []
    found, tested = [], 0
    for c in change.characteristics:
        for g in c.groups.values():
            tested += g.group == TOTAL and g.movement is Movement.NONE
            direction = fw.MOVED.get(g.movement.value)
            if direction is None or not any(s.detected for s in g.shares):
                continue
            key = f"fnd_change_{fw.mixed_kind(g.shares)}" if direction == "mixed" else f"fnd_change_{direction}"
            found.append(
                Finding(
                    "change",
                    c.section_id,
                    None,
                    fw.most(g.shares),
                    fw.say(
                        key,
                        who=fw.who(g.group),
                        characteristic=fw.title(c.title),
                        round=fw.round(change.previous_round),
                        evidence=_change_evidence(g.shares),
                    ),
                )
            )
    if not found and tested:
        found.append(
            Finding(
                "change_none",
                None,
                None,
                0.0,
                fw.say(
                    "fnd_change_none",
                    round=fw.round(change.previous_round),
                    count=fw.count("fnd_n_characteristics", tested),
                ),
            )
        )
    return found


def _change_evidence(shares: Sequence[ShareChange]) -> Callable[[ReportTexts], str]:
    """ "at Level 2 or above, about 2 in 10 then, about 8 in 10 now" for each share found beyond its margin."""
    return lambda t: t("fnd_evidence_join").join(
        t(
            "fnd_evidence_change",
            label=fw.label(s.from_level)(t),
            then=fw.share_words(t, s.then),
            now=fw.share_words(t, s.now),
        )
        for s in shares
        if s.detected
    )


def _of_compared(k: int, n: int) -> Callable[[ReportTexts], str]:
    """ "2 of the 7 characteristics compared"; "all 7 characteristics compared"; "the one characteristic compared"."""
    return fw.count("fnd_all_compared", n) if k == n else lambda t: t("fnd_of_compared", k=k, n=n)


def _position(report: SurveyReport) -> list[Finding]:
    """Each group beside the same group at most other councils of the round (``Comparison.position``: "most" is more
    than half of those compared, each by the level most of its group chose)."""
    position = None if report.comparison is None else report.comparison.position
    if position is None:
        return []
    found = []
    for group in position.groups():
        standing = {
            c.section_id: g.relation
            for c in position.characteristics
            if (g := c.group(group)) is not None and g.possible and g.own_level is not None
        }
        if not standing:
            continue
        n, said = len(standing), []
        for relation, key in ((Relation.BELOW, "fnd_position_below"), (Relation.ABOVE, "fnd_position_above")):
            these = [c.title for c in position.characteristics if standing.get(c.section_id) is relation]
            if these:
                said.append(
                    Finding(
                        "position",
                        None,
                        None,
                        fw.UNTESTED,
                        fw.say(
                            key,
                            who=fw.who(group),
                            round=fw.round(position.round),
                            names=fw.names(these),
                            of=_of_compared(len(these), n),
                        ),
                    )
                )
        if not said and all(r is Relation.LEVEL for r in standing.values()):
            said.append(
                Finding(
                    "position",
                    None,
                    None,
                    fw.UNTESTED,
                    fw.say(
                        "fnd_position_level",
                        who=fw.who(group),
                        round=fw.round(position.round),
                        all=fw.count("fnd_all_compared", n),
                    ),
                )
            )
        found += said
    return found


def _early_late(report: SurveyReport) -> list[Finding]:
    e = report.early_late
    if e is None:
        return []
    found = []
    for c in e.characteristics:
        for g in c.groups.values():
            direction = fw.LATE.get(getattr(g.difference, "value", g.difference))
            if direction is None or not g.detected:
                continue
            key = {"down": "fnd_late_lower", "up": "fnd_late_higher", "mixed": "fnd_late_mixed"}[direction]
            evidence = _late_evidence(g.detected)
            size = e.size(g.group)
            if (
                size is not None
                and size.late
                and size.early
                and f"fnd_n_{g.group}_one" in texts(DEFAULT_LANGUAGE).entries
            ):
                text = fw.say(
                    f"{key}_sized",
                    late=fw.count(f"fnd_n_{g.group}", size.late),
                    early=size.early,
                    characteristic=fw.title(c.title),
                    evidence=evidence,
                )
            else:
                text = fw.say(key, who=fw.who(g.group), characteristic=fw.title(c.title), evidence=evidence)
            found.append(Finding("early_late", c.section_id, None, fw.most(g.shares), text))
    return found


def _late_evidence(shares: Sequence[ShareChange]) -> Callable[[ReportTexts], str]:
    """ "at Level 2 or above, about 3 in 10 against about 8 in 10" (late first) for each share beyond its margin."""
    return lambda t: t("fnd_evidence_join").join(
        t(
            "fnd_evidence_late",
            label=fw.label(s.from_level)(t),
            late_share=fw.share_words(t, s.now),
            early_share=fw.share_words(t, s.then),
        )
        for s in shares
    )


# ---- theme statements --------------------------------------------------------------------------------------------


def _speakers(s: StatementResult) -> list[tuple[str, Breakdown, object]]:
    """Whose answers a statement's findings speak of, with the wording they were asked: the Total where every group
    was asked the same words and it is shown in full; else each group shown in full (never a pooled figure of
    groups asked in different words)."""
    if s.total is not None and not s.reworded:
        return [(TOTAL, s.total, s.text)] if fw.full(s.total) else []
    return [(g, b, s.texts[g]) for g, b in s.groups.items() if fw.full(b)]


def _statement_findings(report: SurveyReport) -> list[Finding]:
    invited, found = _invited(report), []
    for theme in report.themes:
        for s in theme.statements:
            for group, b, wording in _speakers(s):
                agree, disagree = b.agree, b.disagree
                assert agree is not None and disagree is not None
                params: dict[str, fw.Param] = {
                    "who": fw.who(group),
                    "statement": fw.quoted(wording),
                    "agree": fw.share(agree),
                    "disagree": fw.share(disagree),
                }
                if agree > fw.HALF and beyond_margin(agree - fw.HALF, b.margin or 0.0):
                    rule, size = "majority_agree", agree - fw.HALF
                elif disagree > fw.HALF and beyond_margin(disagree - fw.HALF, b.margin or 0.0):
                    rule, size = "majority_disagree", disagree - fw.HALF
                elif fw.QUARTER <= agree <= fw.HALF and fw.QUARTER <= disagree <= fw.HALF:
                    rule, size = "divided", min(agree, disagree) - fw.QUARTER
                else:
                    continue
                key = f"fnd_all_{rule[9:]}" if rule.startswith("majority") and size == fw.HALF else f"fnd_{rule}"
                found.append(
                    Finding(rule, s.question_id, theme.section_id, fw.strength(size, b.margin), fw.say(key, **params))
                )
            if s.total is None or s.reworded:
                continue  # groups asked in different words are not compared: they answered different questions
            for a, b in _pairs(report, s.groups):
                first, second = s.groups[a], s.groups[b]
                ids = first.categories.on_side(Side.AGREE)
                assert first.answered and second.answered and first.counts and second.counts
                count = [
                    sum((n for c, n in zip(x.categories, x.counts, strict=True) if c in ids), Fraction(0))
                    for x in (first, second)
                ]  # type: ignore[arg-type]
                shares = fw.tested(
                    [(1, count[0], first.answered, count[1], second.answered, invited.get(a, 0), invited.get(b, 0))]
                )
                direction = fw.direction(shares)
                if direction is None:
                    continue
                lower, higher = (b, a) if direction == "down" else (a, b)
                low, high = (shares[0].now, shares[0].then) if direction == "down" else (shares[0].then, shares[0].now)
                found.append(
                    Finding(
                        "group_difference",
                        s.question_id,
                        theme.section_id,
                        fw.most(shares),
                        fw.say(
                            "fnd_statement_lower",
                            who=fw.who(lower),
                            than=fw.than(higher),
                            statement=fw.quoted(s.text),
                            lower=fw.who(lower),
                            higher=fw.who(higher),
                            lower_share=fw.share(low),
                            higher_share=fw.share(high),
                        ),
                    )
                )
    return found


# ---- the findings ------------------------------------------------------------------------------------------------


def find(report: SurveyReport) -> tuple[Finding, ...]:
    """Every finding of the report, strongest first (ties: by rule, then in the questionnaire's order)."""
    found = [
        *_placement(report),
        *_group_differences(report),
        *_statement_findings(report),
        *_changes(report),
        *_position(report),
        *_early_late(report),
    ]
    ranked = sorted(enumerate(found), key=lambda item: (-item[1].strength, fw.ORDER.index(item[1].rule), item[0]))
    return tuple(f for _, f in ranked)


def key_findings(report: SurveyReport, limit: int = 5) -> tuple[Finding, ...]:
    """The strongest findings, at most ``limit``, each rule said once of each subject: the strongest of a
    characteristic's changes (officers, members, all respondents) leads, and the others stay in "What we found"."""
    chosen: list[Finding] = []
    for f in find(report):
        if len(chosen) < limit and all((f.rule, f.subject) != (c.rule, c.subject) for c in chosen):
            chosen.append(f)
    return tuple(chosen)


def theme_findings(report: SurveyReport, theme_id: str) -> tuple[Finding, ...]:
    """The findings of one theme (its statements), strongest first."""
    return tuple(f for f in find(report) if f.theme == theme_id)


def council_findings(report: SurveyReport) -> tuple[Finding, ...]:
    """The findings about the council as a whole rather than one characteristic or statement (its place among the
    councils of its round, no change since the previous round), strongest first."""
    return tuple(f for f in find(report) if f.theme is None and f.subject is None)


def characteristic_findings(report: SurveyReport) -> tuple[Finding, ...]:
    """The findings about the key characteristics and the council as a whole (its place among the councils, no
    change since the previous round), strongest first."""
    return tuple(f for f in find(report) if f.theme is None)

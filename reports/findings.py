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

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from reports.vocabulary import DEFAULT_LANGUAGE
from reports.vocabulary import Side
from reports.comparison import group_change
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
from reports.stats import beyond_margin, share_change
from reports.texts import LANGUAGES, ReportTexts, texts

__all__ = ["Finding", "characteristic_findings", "council_findings", "find", "key_findings", "share_words",
           "theme_findings"]

MARGIN_FLOOR = 0.01
"""A margin of 0 (everyone invited answered) counts as 1 point, so that a strength stays finite."""
UNTESTED = 1.0
"""The strength of a finding no test stands behind (the council among the councils): as if at the margin."""
UNITED = Fraction(2, 3)
"""Two in three or more at one level: respondents "largely agree"."""
QUARTER, HALF = Fraction(1, 4), Fraction(1, 2)
_MOVED = {Movement.UP.value: "up", Movement.DOWN.value: "down", Movement.MIXED.value: "mixed"}
_LATE = {"lower": "down", "higher": "up", "mixed": "mixed"}  # reports.early_late.Difference values
_ORDER = ("placement", "group_difference", "majority_agree", "majority_disagree", "divided", "change", "position",
          "early_late", "change_none")


@dataclass(frozen=True)
class Finding:
    """One finding: one plain-text sentence per language, the finding first and then its evidence."""

    rule: str  # placement, group_difference, majority_agree, majority_disagree, divided, change, change_none,
    #            position, early_late
    subject: str | None  # the characteristic's section id or the statement's question id; None: the whole council
    theme: str | None  # the theme's section id for a theme's findings (None for characteristics and overall)
    strength: float  # the size of the difference or majority against its margin; larger first
    text: Mapping[str, str]  # language -> one plain-text sentence (no HTML)


# ---- words --------------------------------------------------------------------------------------------------------

Param = str | int | Callable[[ReportTexts], str]


def _say(key: str, **params: Param) -> dict[str, str]:
    """The text ``key`` in every language, its {placeholders} filled (a callable is given that language's texts),
    its first letter a capital."""
    said = {}
    for language in LANGUAGES:
        t = texts(language)
        sentence = t(key, **{k: v(t) if callable(v) else v for k, v in params.items()})
        said[language] = sentence[:1].upper() + sentence[1:]
    return said


def share_words(t: ReportTexts, share: Fraction) -> str:
    """A share in words, as an auditor writes it: "all", "nearly all", "half", "about half", "a quarter", "about two
    in three", "7 in 10", "about 6 in 10", "very few", "none" ("about" unless the share is exactly that)."""
    if share in (0, 1, HALF):
        return t({Fraction(0): "fnd_share_none", Fraction(1): "fnd_share_all", HALF: "fnd_share_half_exactly"}[share])
    if share >= Fraction(19, 20):
        return t("fnd_share_nearly_all")
    if share < Fraction(1, 20):
        return t("fnd_share_very_few")
    for key, near in (("quarter", QUARTER), ("third", Fraction(1, 3)), ("half", HALF),
                      ("two_thirds", Fraction(2, 3)), ("three_quarters", Fraction(3, 4))):
        if share == near:
            return t(f"fnd_share_{key}_exactly")
        if abs(share - near) <= Fraction(2, 100):
            return t(f"fnd_share_{key}")
    tenths = int(share * 10 + HALF)
    if tenths == 5:
        return t("fnd_share_half")
    return t("fnd_share_tenths_exactly" if share * 10 == tenths else "fnd_share_tenths", n=tenths)


def _share(share: Fraction) -> Callable[[ReportTexts], str]:
    return lambda t: share_words(t, share)


def _who(group: str) -> Callable[[ReportTexts], str]:
    """Officers, members, respondents: a group as a sentence names it."""
    return lambda t: t(f"fnd_who_{group}") if f"fnd_who_{group}" in t.entries else t.group(group).lower()


def _than(group: str) -> Callable[[ReportTexts], str]:
    """"than officers" (Welsh: "na swyddogion", "nag aelodau": the form after "na" is data, not worked out)."""
    return lambda t: (t(f"fnd_than_{group}") if f"fnd_than_{group}" in t.entries
                      else t("fnd_than", who=_who(group)(t)))


def _title(text: object) -> Callable[[ReportTexts], str]:
    return lambda t: text.get(t.language)  # type: ignore[attr-defined]


def _quoted(text: object) -> Callable[[ReportTexts], str]:
    """A statement's wording, as the group was asked it, without its full stop (it is quoted mid-sentence)."""
    return lambda t: " ".join(text.get(t.language).split()).rstrip(". ")  # type: ignore[attr-defined]


def _count(key: str, n: int) -> Callable[[ReportTexts], str]:
    """"1 characteristic", "6 characteristics" (Welsh: a numeral takes the singular, "6 nodwedd")."""
    return lambda t: t(f"{key}_one" if n == 1 else f"{key}_other", n=n)


def _names(titles: Sequence[object]) -> Callable[[ReportTexts], str]:
    def names(t: ReportTexts) -> str:
        items = [title.get(t.language) for title in titles]  # type: ignore[attr-defined]
        return items[0] if len(items) == 1 else t("fnd_list_last").join([", ".join(items[:-1]), items[-1]])
    return names


def _round(name: str | None) -> Callable[[ReportTexts], str]:
    return lambda t: t("fnd_round_named", round=name) if name else t("fnd_round_unnamed")


def _label(from_level: int) -> Callable[[ReportTexts], str]:
    return lambda t: t(f"fnd_label_from_{from_level}")


def _strength(size: Fraction | float, margin: float | None) -> float:
    return float(size) / max(margin or 0.0, MARGIN_FLOOR)


# ---- tests on published figures ----------------------------------------------------------------------------------


def _tested(pairs: Iterable[tuple[int, Fraction, int, Fraction, int, int, int]]) -> tuple[ShareChange, ...]:
    """Each (level, count a, n a, count b, n b, N a, N b): the share of group b beside group a's, with the test of a
    change between two independent samples (``stats.share_change``, b as "now"), as ``group_change`` tests a
    characteristic's shares (here: a statement's share agreeing)."""
    found = []
    for level, x_a, n_a, x_b, n_b, big_a, big_b in pairs:
        adjusted, moe = share_change((x_a, n_a, big_a), (x_b, n_b, big_b))
        found.append(ShareChange(level, x_a / n_a, x_b / n_b, adjusted, moe, beyond_margin(adjusted, moe)))
    return tuple(found)


def _direction(shares: Sequence[ShareChange]) -> str | None:
    """"up", "down" or "mixed" from the shares found beyond their margins; None when none is."""
    up = any(s.detected and s.adjusted > 0 for s in shares)
    down = any(s.detected and s.adjusted < 0 for s in shares)
    return "mixed" if up and down else "up" if up else "down" if down else None


def _most(shares: Sequence[ShareChange]) -> float:
    return max(_strength(abs(s.adjusted), s.margin) for s in shares if s.detected)


def _mixed_kind(shares: Sequence[ShareChange]) -> str:
    """Mixed: "spread" when b has fewer at Level 2 or above and more at Level 3 (more at both ends), "middle" when
    the other way round (more at Level 2)."""
    two = next(s for s in shares if s.from_level == 2)
    return "spread" if two.adjusted < 0 else "middle"


def _full(b: Breakdown | None) -> bool:
    return b is not None and b.detail is Detail.FULL and b.shares is not None and bool(b.answered)


# ---- the key characteristics -------------------------------------------------------------------------------------


def _placement(report: SurveyReport) -> list[Finding]:
    found = []
    for c in report.characteristics:
        b, title = c.total, _title(c.title)
        if b is None or b.detail is Detail.HIDDEN or b.median_level is None:
            continue
        if not _full(b):
            key = "fnd_middle_protected" if b.reason is Reason.PROTECTS_HIDDEN else "fnd_middle_few"
            found.append(Finding("placement", c.section_id, None, 0.0,
                                 _say(key, level=b.median_level, characteristic=title)))
            continue
        assert b.shares is not None and b.agreement is not None
        levels = [(b.categories.level(cat) or 0, share) for cat, share in zip(b.categories, b.shares, strict=True)]
        modal = [level for level, share in levels if share == b.agreement]
        low, high = b.share(b.categories.lowest or ""), b.share(b.categories.highest or "")
        if len(modal) > 1:
            text = _say("fnd_split", levels=lambda t, m=modal: t("fnd_levels_and").join(t.level(x) for x in m),
                        characteristic=title, share=_share(b.agreement))
            strength = _strength(HALF - b.agreement if b.agreement < HALF else 0, b.margin)
        elif b.divided:
            text = _say("fnd_divided_levels", characteristic=title, distribution=_distribution(levels))
            strength = _strength(max(HALF - b.agreement, min(low or 0, high or 0) - QUARTER), b.margin)
        else:
            key = ("fnd_unanimous" if b.agreement == 1 else "fnd_united" if b.agreement >= UNITED
                   else "fnd_most" if b.agreement > HALF else "fnd_most_often")
            text = _say(key, level=modal[0], characteristic=title, share=_share(b.agreement))
            strength = _strength(b.agreement - HALF, b.margin)
        found.append(Finding("placement", c.section_id, None, strength, text))
    return found


def _distribution(levels: Sequence[tuple[int, Fraction]]) -> Callable[[ReportTexts], str]:
    """"about 4 in 10 chose Level 1, about 2 in 10 Level 2, about 4 in 10 Level 3" (levels nobody chose left out)."""
    def words(t: ReportTexts) -> str:
        chosen = [(level, share) for level, share in sorted(levels) if share > 0]
        return ", ".join(t("fnd_dist_first" if i == 0 else "fnd_dist_next", share=share_words(t, share),
                           level=t.level(level)) for i, (level, share) in enumerate(chosen))
    return words


def _invited(report: SurveyReport) -> dict[str, int]:
    return {r.group: r.invited for r in report.rates}


def _pairs(report: SurveyReport, groups: Mapping[str, Breakdown]) -> list[tuple[str, str]]:
    """Every pair of groups shown in full, in the report's order (officers before members)."""
    shown = [g for g in report.roles if _full(groups.get(g))]
    return [(a, b) for i, a in enumerate(shown) for b in shown[i + 1:]]


def _group_evidence(a: str, b: str, shares: Sequence[ShareChange], key: str) -> Callable[[ReportTexts], str]:
    """"among members, about 3 in 10 chose Level 2 or above; among officers, about 8 in 10" for each share found
    beyond its margin (b's share first: the group the sentence is about)."""
    def words(t: ReportTexts) -> str:
        return t("fnd_evidence_join").join(
            t(key, first=_who(b)(t), second=_who(a)(t), label=_label(s.from_level)(t),
              first_share=share_words(t, s.now), second_share=share_words(t, s.then))
            for s in shares if s.detected)
    return words


def _group_differences(report: SurveyReport) -> list[Finding]:
    """Officers beside members on each characteristic, with the test of a change between two rounds
    (``reports.comparison.group_change``: the first group as "then", the second as "now")."""
    invited, found = _invited(report), []
    for c in report.characteristics:
        for a, b in _pairs(report, c.groups):
            shares = group_change(b, c.groups[a], c.groups[b], invited.get(a, 0), invited.get(b, 0)).shares
            direction = _direction(shares)
            if direction is None:
                continue
            if direction == "mixed":
                kind = _mixed_kind(shares)
                text = _say(f"fnd_group_{kind}", who=_who(b), than=_than(a), characteristic=_title(c.title),
                            evidence=_group_evidence(a, b, shares, "fnd_evidence_groups"))
            else:  # the sentence is about the group placing the council lower
                lower, higher = (b, a) if direction == "down" else (a, b)
                flipped = shares if direction == "down" else tuple(
                    ShareChange(s.from_level, s.now, s.then, -s.adjusted, s.margin, s.detected) for s in shares)
                text = _say("fnd_group_lower", who=_who(lower), than=_than(higher), characteristic=_title(c.title),
                            evidence=_group_evidence(higher, lower, flipped, "fnd_evidence_groups"))
            found.append(Finding("group_difference", c.section_id, None, _most(shares), text))
    return found


def _changes(report: SurveyReport) -> list[Finding]:
    change = None if report.comparison is None else report.comparison.change
    if change is None:
        return []
    found, tested = [], 0
    for c in change.characteristics:
        for g in c.groups.values():
            tested += g.group == TOTAL and g.movement is Movement.NONE
            direction = _MOVED.get(g.movement.value)
            if direction is None or not any(s.detected for s in g.shares):
                continue
            key = (f"fnd_change_{_mixed_kind(g.shares)}" if direction == "mixed"
                   else f"fnd_change_{direction}")
            found.append(Finding("change", c.section_id, None, _most(g.shares),
                                 _say(key, who=_who(g.group), characteristic=_title(c.title),
                                      round=_round(change.previous_round), evidence=_change_evidence(g.shares))))
    if not found and tested:
        found.append(Finding("change_none", None, None, 0.0, _say(
            "fnd_change_none", round=_round(change.previous_round), count=_count("fnd_n_characteristics", tested))))
    return found


def _change_evidence(shares: Sequence[ShareChange]) -> Callable[[ReportTexts], str]:
    """"at Level 2 or above, about 2 in 10 then, about 8 in 10 now" for each share found beyond its margin."""
    return lambda t: t("fnd_evidence_join").join(
        t("fnd_evidence_change", label=_label(s.from_level)(t), then=share_words(t, s.then), now=share_words(t, s.now))
        for s in shares if s.detected)


def _of_compared(k: int, n: int) -> Callable[[ReportTexts], str]:
    """"2 of the 7 characteristics compared"; "all 7 characteristics compared"; "the one characteristic compared"."""
    return _count("fnd_all_compared", n) if k == n else lambda t: t("fnd_of_compared", k=k, n=n)


def _position(report: SurveyReport) -> list[Finding]:
    """Each group beside the same group at most other councils of the round (``Comparison.position``: "most" is more
    than half of those compared, each by the level most of its group chose)."""
    position = None if report.comparison is None else report.comparison.position
    if position is None:
        return []
    found = []
    for group in position.groups():
        standing = {c.section_id: g.relation for c in position.characteristics
                    if (g := c.group(group)) is not None and g.possible and g.own_level is not None}
        if not standing:
            continue
        n, said = len(standing), []
        for relation, key in ((Relation.BELOW, "fnd_position_below"), (Relation.ABOVE, "fnd_position_above")):
            these = [c.title for c in position.characteristics if standing.get(c.section_id) is relation]
            if these:
                said.append(Finding("position", None, None, UNTESTED, _say(
                    key, who=_who(group), round=_round(position.round), names=_names(these),
                    of=_of_compared(len(these), n))))
        if not said and all(r is Relation.LEVEL for r in standing.values()):
            said.append(Finding("position", None, None, UNTESTED, _say(
                "fnd_position_level", who=_who(group), round=_round(position.round),
                all=_count("fnd_all_compared", n))))
        found += said
    return found


def _early_late(report: SurveyReport) -> list[Finding]:
    e = report.early_late
    if e is None:
        return []
    found = []
    for c in e.characteristics:
        for g in c.groups.values():
            direction = _LATE.get(getattr(g.difference, "value", g.difference))
            if direction is None or not g.detected:
                continue
            key = {"down": "fnd_late_lower", "up": "fnd_late_higher", "mixed": "fnd_late_mixed"}[direction]
            evidence = _late_evidence(g.detected)
            size = e.size(g.group)
            if size is not None and size.late and size.early and f"fnd_n_{g.group}_one" in texts(DEFAULT_LANGUAGE).entries:
                text = _say(f"{key}_sized", late=_count(f"fnd_n_{g.group}", size.late), early=size.early,
                            characteristic=_title(c.title), evidence=evidence)
            else:
                text = _say(key, who=_who(g.group), characteristic=_title(c.title), evidence=evidence)
            found.append(Finding("early_late", c.section_id, None, _most(g.shares), text))
    return found


def _late_evidence(shares: Sequence[ShareChange]) -> Callable[[ReportTexts], str]:
    """"at Level 2 or above, about 3 in 10 against about 8 in 10" (late first) for each share beyond its margin."""
    return lambda t: t("fnd_evidence_join").join(
        t("fnd_evidence_late", label=_label(s.from_level)(t), late_share=share_words(t, s.now),
          early_share=share_words(t, s.then)) for s in shares)


# ---- theme statements --------------------------------------------------------------------------------------------


def _speakers(s: StatementResult) -> list[tuple[str, Breakdown, object]]:
    """Whose answers a statement's findings speak of, with the wording they were asked: the Total where every group
    was asked the same words and it is shown in full; else each group shown in full (never a pooled figure of
    groups asked in different words)."""
    if s.total is not None and not s.reworded:
        return [(TOTAL, s.total, s.text)] if _full(s.total) else []
    return [(g, b, s.texts[g]) for g, b in s.groups.items() if _full(b)]


def _statement_findings(report: SurveyReport) -> list[Finding]:
    invited, found = _invited(report), []
    for theme in report.themes:
        for s in theme.statements:
            for group, b, wording in _speakers(s):
                agree, disagree = b.agree, b.disagree
                assert agree is not None and disagree is not None
                params: dict[str, Param] = {"who": _who(group), "statement": _quoted(wording),
                                            "agree": _share(agree), "disagree": _share(disagree)}
                if agree > HALF and beyond_margin(agree - HALF, b.margin or 0.0):
                    rule, size = "majority_agree", agree - HALF
                elif disagree > HALF and beyond_margin(disagree - HALF, b.margin or 0.0):
                    rule, size = "majority_disagree", disagree - HALF
                elif QUARTER <= agree <= HALF and QUARTER <= disagree <= HALF:
                    rule, size = "divided", min(agree, disagree) - QUARTER
                else:
                    continue
                key = f"fnd_all_{rule[9:]}" if rule.startswith("majority") and size == HALF else f"fnd_{rule}"
                found.append(Finding(rule, s.question_id, theme.section_id, _strength(size, b.margin),
                                     _say(key, **params)))
            if s.total is None or s.reworded:
                continue  # groups asked in different words are not compared: they answered different questions
            for a, b in _pairs(report, s.groups):
                first, second = s.groups[a], s.groups[b]
                ids = first.categories.on_side(Side.AGREE)
                assert first.answered and second.answered and first.counts and second.counts
                count = [sum((n for c, n in zip(x.categories, x.counts, strict=True) if c in ids), Fraction(0))
                         for x in (first, second)]  # type: ignore[arg-type]
                shares = _tested([(1, count[0], first.answered, count[1], second.answered, invited.get(a, 0),
                                   invited.get(b, 0))])
                direction = _direction(shares)
                if direction is None:
                    continue
                lower, higher = (b, a) if direction == "down" else (a, b)
                low, high = (shares[0].now, shares[0].then) if direction == "down" else (shares[0].then,
                                                                                          shares[0].now)
                found.append(Finding("group_difference", s.question_id, theme.section_id, _most(shares), _say(
                    "fnd_statement_lower", who=_who(lower), than=_than(higher), statement=_quoted(s.text),
                    lower=_who(lower), higher=_who(higher), lower_share=_share(low), higher_share=_share(high))))
    return found


# ---- the findings ------------------------------------------------------------------------------------------------


def find(report: SurveyReport) -> tuple[Finding, ...]:
    """Every finding of the report, strongest first (ties: by rule, then in the questionnaire's order)."""
    found = [*_placement(report), *_group_differences(report), *_statement_findings(report), *_changes(report),
             *_position(report), *_early_late(report)]
    ranked = sorted(enumerate(found), key=lambda item: (-item[1].strength, _ORDER.index(item[1].rule), item[0]))
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

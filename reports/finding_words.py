"""The sentence toolkit of the findings (``reports.findings``): a ``Finding`` and the words and tests its rules are
written with — a share in words ("two in three"), a group, a council or a round named in the reader's language, the
strength of a finding against its margin, and the tests that a change between published figures goes beyond it.
Each helper returns a function of the texts (``ReportTexts``), so one finding is written in every language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from reports.model import (
    Breakdown,
    Detail,
    Movement,
    ShareChange,
)
from reports.stats import beyond_margin, share_change
from reports.texts import LANGUAGES, ReportTexts, texts

MARGIN_FLOOR = 0.01
"""A margin of 0 (everyone invited answered) counts as 1 point, so that a strength stays finite."""
UNTESTED = 1.0
"""The strength of a finding no test stands behind (the council among the councils): as if at the margin."""
UNITED = Fraction(2, 3)
"""Two in three or more at one level: respondents "largely agree"."""
QUARTER, HALF = Fraction(1, 4), Fraction(1, 2)
MOVED = {Movement.UP.value: "up", Movement.DOWN.value: "down", Movement.MIXED.value: "mixed"}
LATE = {"lower": "down", "higher": "up", "mixed": "mixed"}  # reports.early_late.Difference values
ORDER = (
    "placement",
    "group_difference",
    "majority_agree",
    "majority_disagree",
    "divided",
    "change",
    "position",
    "early_late",
    "change_none",
)


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


def say(key: str, **params: Param) -> dict[str, str]:
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
    for key, near in (
        ("quarter", QUARTER),
        ("third", Fraction(1, 3)),
        ("half", HALF),
        ("two_thirds", Fraction(2, 3)),
        ("three_quarters", Fraction(3, 4)),
    ):
        if share == near:
            return t(f"fnd_share_{key}_exactly")
        if abs(share - near) <= Fraction(2, 100):
            return t(f"fnd_share_{key}")
    tenths = int(share * 10 + HALF)
    if tenths == 5:
        return t("fnd_share_half")
    return t("fnd_share_tenths_exactly" if share * 10 == tenths else "fnd_share_tenths", n=tenths)


def share(share: Fraction) -> Callable[[ReportTexts], str]:
    return lambda t: share_words(t, share)


def who(group: str) -> Callable[[ReportTexts], str]:
    """Officers, members, respondents: a group as a sentence names it."""
    return lambda t: t(f"fnd_who_{group}") if f"fnd_who_{group}" in t.entries else t.group(group).lower()


def than(group: str) -> Callable[[ReportTexts], str]:
    """ "than officers" (Welsh: "na swyddogion", "nag aelodau": the form after "na" is data, not worked out)."""
    return lambda t: t(f"fnd_than_{group}") if f"fnd_than_{group}" in t.entries else t("fnd_than", who=who(group)(t))


def title(text: object) -> Callable[[ReportTexts], str]:
    return lambda t: text.get(t.language)  # type: ignore[attr-defined]


def quoted(text: object) -> Callable[[ReportTexts], str]:
    """A statement's wording, as the group was asked it, without its full stop (it is quoted mid-sentence)."""
    return lambda t: " ".join(text.get(t.language).split()).rstrip(". ")  # type: ignore[attr-defined]


def count(key: str, n: int) -> Callable[[ReportTexts], str]:
    """ "1 characteristic", "6 characteristics" (Welsh: a numeral takes the singular, "6 nodwedd")."""
    return lambda t: t(f"{key}_one" if n == 1 else f"{key}_other", n=n)


def names(titles: Sequence[object]) -> Callable[[ReportTexts], str]:
    def names(t: ReportTexts) -> str:
        items = [title.get(t.language) for title in titles]  # type: ignore[attr-defined]
        return items[0] if len(items) == 1 else t("fnd_list_last").join([", ".join(items[:-1]), items[-1]])

    return names


def round(name: str | None) -> Callable[[ReportTexts], str]:
    return lambda t: t("fnd_round_named", round=name) if name else t("fnd_round_unnamed")


def label(from_level: int) -> Callable[[ReportTexts], str]:
    return lambda t: t(f"fnd_label_from_{from_level}")


def strength(size: Fraction | float, margin: float | None) -> float:
    return float(size) / max(margin or 0.0, MARGIN_FLOOR)


# ---- tests on published figures ----------------------------------------------------------------------------------


def tested(pairs: Iterable[tuple[int, Fraction, int, Fraction, int, int, int]]) -> tuple[ShareChange, ...]:
    """Each (level, count a, n a, count b, n b, N a, N b): the share of group b beside group a's, with the test of a
    change between two independent samples (``stats.share_change``, b as "now"), as ``group_change`` tests a
    characteristic's shares (here: a statement's share agreeing)."""
    found = []
    for level, x_a, n_a, x_b, n_b, big_a, big_b in pairs:
        adjusted, moe = share_change((x_a, n_a, big_a), (x_b, n_b, big_b))
        found.append(ShareChange(level, x_a / n_a, x_b / n_b, adjusted, moe, beyond_margin(adjusted, moe)))
    return tuple(found)


def direction(shares: Sequence[ShareChange]) -> str | None:
    """ "up", "down" or "mixed" from the shares found beyond their margins; None when none is."""
    up = any(s.detected and s.adjusted > 0 for s in shares)
    down = any(s.detected and s.adjusted < 0 for s in shares)
    return "mixed" if up and down else "up" if up else "down" if down else None


def most(shares: Sequence[ShareChange]) -> float:
    return max(strength(abs(s.adjusted), s.margin) for s in shares if s.detected)


def mixed_kind(shares: Sequence[ShareChange]) -> str:
    """Mixed: "spread" when b has fewer at Level 2 or above and more at Level 3 (more at both ends), "middle" when
    the other way round (more at Level 2)."""
    two = next(s for s in shares if s.from_level == 2)
    return "spread" if two.adjusted < 0 else "middle"


def full(b: Breakdown | None) -> bool:
    return b is not None and b.detail is Detail.FULL and b.shares is not None and bool(b.answered)

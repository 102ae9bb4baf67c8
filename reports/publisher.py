"""Who publishes a council's report, and the council's Welsh name as generated sentences need it.

Plain data, built by the adapters from configuration (``config/publisher.py`` reads ``config/publisher.yaml``;
``config/authorities.py`` reads the mutated forms beside each council's name in ``config/authorities.yaml``) and
handed in on ``SurveyData.publisher`` and ``SurveyData.authority_forms``; scoring copies both onto the
``SurveyReport``.  ``reports/`` reads no file and imports nothing from ``config/``.

Welsh mutates the first word of a name after certain words, and "yn" (in) changes itself: "yng Nghyngor Sir y
Fflint", "o Gyngor Sir y Fflint", "gyda Chyngor Sir y Fflint".  The forms are kept as data beside each name (method
notes: "keep each council's mutated forms as data rather than computing them"); ``welsh_after(report, word)``
writes a word and the name after it, and a sentence template never writes "yn {authority}" itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reports.vocabulary import DEFAULT_LANGUAGE

SOFT_TRIGGERS = frozenset(
    {"o", "i", "gan", "ar", "am", "at", "dros", "drwy", "trwy", "heb", "wrth", "dan", "tan", "hyd"}
)
"""Words after which the soft mutation applies."""
ASPIRATE_TRIGGERS = frozenset({"â", "a", "gyda", "tua", "na"})
"""Words after which the aspirate mutation applies (â, gyda: "with"; a: "and")."""
NASAL_TRIGGERS = frozenset({"fy"})
"""Words after which the nasal mutation applies; "yn" (in) takes it too, and changes itself (``WelshName.yn``)."""


_KEEP = {"ch": "ch", "ph": "ph", "th": "th"}  # digraphs: never read as c, p, t
SOFT = {**_KEEP, "c": "g", "p": "b", "t": "d", "g": "", "b": "f", "d": "dd", "m": "f", "ll": "l", "rh": "r"}
NASAL = {**_KEEP, "c": "ngh", "p": "mh", "t": "nh", "g": "ng", "b": "m", "d": "n"}
ASPIRATE = {**_KEEP, "c": "ch", "p": "ph", "t": "th"}
YN = {**dict.fromkeys(_KEEP, "yn"), "c": "yng", "g": "yng", "p": "ym", "b": "ym", "m": "ym"}
"""The first letters each mutation changes (digraphs ch, ll, ph, rh, th first: ``WelshName.of``), and the form
"yn" itself takes before them."""


@dataclass(frozen=True)
class WelshName:
    """A council's Welsh name and its mutated forms (the first word mutates; the rest stays)."""

    name: str  # "Cyngor Sir y Fflint"
    soft: str  # "Gyngor Sir y Fflint": after o, i, gan, ar ... (SOFT_TRIGGERS)
    nasal: str  # "Nghyngor Sir y Fflint": after fy
    aspirate: str  # "Chyngor Sir y Fflint": after â, gyda, a ... (ASPIRATE_TRIGGERS)
    yn: str  # "yng Nghyngor Sir y Fflint": the whole phrase for "in", since "yn" changes before a nasal mutation

    @classmethod
    def of(cls, name: str) -> WelshName:
        """The forms worked out by the usual rules, for a name given without them (a council added to a
        deployment's own list): the configured forms are used wherever they are given."""
        first, _, rest = name.partition(" ")
        tail = f" {rest}" if rest else ""

        def mutate(table: Mapping[str, str]) -> str:
            for radical in sorted(table, key=len, reverse=True):
                if first.casefold().startswith(radical):
                    changed = table[radical] + first[len(radical) :]
                    return (changed[:1].upper() + changed[1:] if first[:1].isupper() else changed) + tail
            return name

        nasal = mutate(NASAL)
        yn = next((form for letters, form in YN.items() if first.casefold().startswith(letters)), "yn")
        return cls(name, mutate(SOFT), nasal, mutate(ASPIRATE), f"{yn} {nasal}")

    def after(self, word: str) -> str:
        """``word`` and the name as it stands after it: "o Gyngor Sir y Fflint"; "yn" gives ``yn``."""
        key = word.casefold()
        if key == "yn":
            return self.yn
        if key in SOFT_TRIGGERS:
            return f"{word} {self.soft}"
        if key in ASPIRATE_TRIGGERS:
            return f"{word} {self.aspirate}"
        if key in NASAL_TRIGGERS:
            return f"{word} {self.nasal}"
        return f"{word} {self.name}"


@dataclass(frozen=True)
class Publisher:
    """The audit body that publishes the report (``config/publisher.yaml``): every text per language ("en", "cy")."""

    audit_body: Mapping[str, str]  # "Audit Wales" / "Archwilio Cymru"
    national_report: Mapping[str, str]  # the national study report's title
    national_report_where: Mapping[str, str] = field(default_factory=dict)  # where it is published: "audit.wales"
    contact: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # address, phone, email, website lines
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # "why making better use of data matters"
    benefits: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # the benefits, one per item
    contact_short: Mapping[str, str] = field(default_factory=dict)  # one line for the top of the report

    def text(self, name: str, language: str) -> str:
        """One of the single texts in ``language`` (English when the language has none)."""
        values: Mapping[str, str] = getattr(self, name)
        return values.get(language) or values.get(DEFAULT_LANGUAGE, "")

    def lines(self, name: str, language: str) -> tuple[str, ...]:
        values: Mapping[str, tuple[str, ...]] = getattr(self, name)
        return tuple(values.get(language) or values.get(DEFAULT_LANGUAGE, ()))


def welsh_after(report: object, word: str) -> str:
    """``word`` followed by the council's Welsh name, mutated as ``word`` requires ("yng Nghyngor Sir y Fflint" for
    "yn").  ``report`` is a ``SurveyReport`` (or ``SurveyData``); without configured forms the Welsh name's are
    worked out by the usual rules (``WelshName.of``), and a council with an English name only is left unmutated."""
    forms: WelshName | None = getattr(report, "authority_forms", None)
    if forms is not None:
        return forms.after(word)
    welsh = getattr(report, "authority_cy", None)
    if welsh:
        return WelshName.of(welsh).after(word)
    return f"{word} {getattr(report, 'authority', '')}"  # an English name only: not mutated

"""Typed answers to button questions: how typed text is normalised and matched against what an option declares.

People who type rather than tap (screen readers, keyboards, habit) may answer a button question by typing an option.
Each button type says which texts select each of its options (``ButtonKind.typed_forms``, built from declared data
only); this module holds the rules they share.

**Normalisation** (``normalise``), applied alike to what is typed and to every declared form before comparing:
Unicode compatibility decomposition (NFKD) with the combining marks dropped, so accents and the Welsh circumflex
are forgiven ("ŵ" -> "w", "²" -> "2"); case-folded; apostrophes of every kind (' ’ ‘ ` ´ ʼ) removed, so "don't",
"don’t" and "dont" are one; punctuation and symbols around the text dropped ("Level 2.", "(2)", "“Agree”!");
all whitespace removed, so "Lefel  2", " level 2 " and "level2" are one.  Inner punctuation other than apostrophes
stays: "level-2" is not "level 2".

**Matching** (``Matcher``): the normalised text must equal a normalised form of exactly one option.  Nothing is
guessed: no partial match, no spelling correction, no "contains"; text matching no option, or forms of two options,
is refused and the engine gives its reply for a button question.  Typed words are accepted in every language of the
questionnaire whatever the respondent's chosen language, because people mix them ("Lefel 2" in an English chat).

**Declared words** live with the type (``DONT_KNOW_TYPED``, ``NUMBER_WORDS``) or in the questionnaire: an option or
a scale point may declare ``typed: {en: [...], cy: [...]}``, other words that select it.  A declared word that would
select two options of one question is a questionnaire error (``collisions``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from flows.questions.schema import Text, Words

_APOSTROPHES = re.compile("['\u2018\u2019\u201b`\u00b4\u02bc\u2032]")
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The key typed text is compared by (see the module's docstring).  Never raises, whatever the text holds."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    bare = _APOSTROPHES.sub("", bare)
    bare = _EDGES.sub("", bare)
    return _SPACE.sub("", bare)


DONT_KNOW_TYPED = Words(
    en=("don't know", "do not know", "i don't know", "dk"),
    cy=("ddim yn gwybod", "dim yn gwybod", "dwi ddim yn gwybod"),
)
"""What selects "Don't know" besides its label (the questionnaire's ``dont_know``) in each language."""

NUMBER_WORDS: Mapping[int, Words] = {
    1: Words(en=("one",), cy=("un",)),
    2: Words(en=("two",), cy=("dau", "dwy")),
    3: Words(en=("three",), cy=("tri", "tair")),
    4: Words(en=("four",), cy=("pedwar", "pedair")),
    5: Words(en=("five",), cy=("pump", "pum")),
    6: Words(en=("six",), cy=("chwech", "chwe")),
    7: Words(en=("seven",), cy=("saith",)),
    8: Words(en=("eight",), cy=("wyth",)),
    9: Words(en=("nine",), cy=("naw",)),
    10: Words(en=("ten",), cy=("deg",)),
}
"""Number words, for options that are numbered (``numbered_forms``); both genders of the Welsh numbers."""

_NUMBERED_LABEL = re.compile(r"^(.*?)\s*(\d+)$")


def label_texts(text: Text | None) -> list[str]:
    """A label in every language it is given in (not falling back to English)."""
    if text is None:
        return []
    return [value for value in (text.en, text.cy) if value and value.strip()]


def numbered_forms(number: int, labels: Iterable[str]) -> list[str]:
    """The typed forms of option ``number`` whose label declares the number ("Level 2", "Lefel 2": it ends in 2):
    the digits, the number in words, and each label's words before the number followed by either ("level 2",
    "lefel dau", "level two").  None when no label ends in the option's own number."""
    prefixes = []
    for label in labels:
        found = _NUMBERED_LABEL.match(" ".join(label.split()))
        if found and int(found.group(2)) == number:
            prefixes.append(found.group(1))
    if not prefixes:
        return []
    numbers = [str(number), *NUMBER_WORDS.get(number, Words()).all()]
    return [f"{prefix} {n}".strip() for prefix in {"", *prefixes} for n in numbers]


class Matcher:
    """Normalised form -> the option ids it selects, built once per question from ``forms`` (option id -> texts)."""

    def __init__(self, forms: Mapping[str, Iterable[str]]):
        table: dict[str, set[str]] = {}
        for option_id, texts in forms.items():
            for text in texts:
                key = normalise(text)
                if key:
                    table.setdefault(key, set()).add(option_id)
        self.table = table

    def match(self, text: str) -> str | None:
        """The one option ``text`` selects; None when it selects none, or more than one (never guessed)."""
        found = self.table.get(normalise(text), set())
        return next(iter(found)) if len(found) == 1 else None


def collisions(where: str, declared: Mapping[str, Iterable[str]], forms: Mapping[str, Iterable[str]]) -> list[str]:
    """Problems of declared typed words (option id -> words): one that is empty once normalised, or that selects an
    option other than its own (``forms``: every form of every option, declared words included)."""
    matcher = Matcher(forms)
    where = f"{where} " if where else ""
    problems = []
    for option_id, words in declared.items():
        for word in words:
            key = normalise(word)
            if not key:
                problems.append(f"{where}option {option_id}: typed word {word!r} has no letters or digits")
                continue
            others = sorted(matcher.table.get(key, set()) - {option_id})
            if others:
                problems.append(f"{where}option {option_id}: typed word {word!r} would also select {', '.join(others)}")
    return problems

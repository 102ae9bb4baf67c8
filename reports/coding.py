"""Reading free-text comments: which codes of the codebook a comment mentions, which language it is written in, and
whether two comments say the same thing.  Pure text functions over plain data (``reports.comments`` uses them).

Keywords (``Codebook``: each code's keywords in English and in Cymraeg)
    Matched case- and accent-insensitively (``fold``: "Gwybodaeth" and "gwybodaeth", "ŵ" and "w" are the same), on
    whole words: "silo" matches "silo" only, "silo*" (a stem) also "silos" and "siloed".  A keyword of several words
    is a phrase, matched as consecutive words ("data sharing", "sharing agreement*"); hyphens and apostrophes
    separate words, so "data-sharing" is the phrase "data sharing".  Every keyword is tried on every comment,
    whatever its language: respondents mix them.  A Welsh keyword also matches the mutated forms of its first word
    (soft, nasal and aspirate mutation, and h- before a vowel: "cytundeb" matches "gytundeb", "nghytundeb" and
    "chytundeb"; "data" matches "ddata"), except a stem that mutation would shorten below four letters.

Language
    ``language_of`` counts the words of a comment that are common in one language and not the other ("the",
    "and", "we" ... against "yn", "mae", "ddim" ...); the larger count wins, and a tie (a comment too short to
    tell) falls back to the language the respondent chose.

Identical comments
    ``same_key``: comments are identical when they differ only in case, accents, spacing and the punctuation that
    ends them ("Silos." and "silos").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from reports.vocabulary import ENGLISH, WELSH
from reports.wording import Wording

STEM = "*"
MIN_STEM = 3
"""A stem shorter than this would match too much ("da*" is in "data", "day" and "dark")."""
MIN_MUTATED_STEM = 4

_WORD = re.compile(r"[^\W_]+")
_RAW_WORD = re.compile(r"[^\W_]+")  # before folding: ŵ and ŷ are still there
_ENGLISH_SHAPE = re.compile(r"[kqvxz]|(?:ing|tion|ness|ly)$")
_WELSH_SHAPE = re.compile(r"[ŵŷ]|dd|(?:iau|wyr|aeth)$")
_SPACE = re.compile(r"\s+")
_ENDING = re.compile(r"[\s.!?…;:,]+$")

_SOFT = {"c": "g", "p": "b", "t": "d", "g": "", "b": "f", "d": "dd", "ll": "l", "m": "f", "rh": "r"}
_NASAL = {"c": "ngh", "p": "mh", "t": "nh", "g": "ng", "b": "m", "d": "n"}
_ASPIRATE = {"c": "ch", "p": "ph", "t": "th"}
_DIGRAPHS = ("ch", "dd", "ff", "ng", "ph", "th")  # letters of their own: their first letter does not mutate
_VOWELS = "aeiouwy"

# Words frequent in one language and not words of the other (after ``fold``): enough to tell a sentence's language.
_WELSH = frozenset(
    "yn yr mae ddim nid nad nac ein eich eu gan gyda sydd bod fod wedi ydy yw ydyn oes hyn hynny hefyd ond neu pan "
    "fel angen gwneud nhw chi fe iawn cael gael dros rhwng trwy drwy oherwydd achos felly pob llawer hwn hon ddata "
    "rhannu cyngor ac ar ni fy dy ei os mwy sy gall gallu dylai bydd byddai roedd oedd dim byd".split()
)
_ENGLISH = frozenset(
    "the and is are of to we it not have has with for that this there they be do our can will would more so in on "
    "was were been but or as by from what which who how don doesn isn no than their them these those us you your "
    "its about into too very just should could need needs".split()
)


def fold(text: str) -> str:
    """Lower case without accents: what keyword matching compares."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(text)))


def same_key(text: str) -> str:
    """What two identical comments share (``fold``ed, spaces collapsed, closing punctuation dropped)."""
    return _ENDING.sub("", _SPACE.sub(" ", fold(text)).strip())


# ---- the codebook (built from config/codebook.yaml by config/codebook.py; reports/ reads no file) ----------------


@dataclass(frozen=True)
class Code:
    """One code of the codebook: a barrier or theme comments mention, with its label and keywords per language."""

    id: str
    label: Wording
    keywords: Mapping[str, tuple[str, ...]]  # language -> keywords ("silo*": a stem; "data sharing": a phrase)


@dataclass(frozen=True)
class Codebook:
    """The codes, in the order the codebook lists them (``SurveyData.codebook``; ``reports.comments`` uses it)."""

    codes: tuple[Code, ...]

    def matcher(self) -> Matcher:
        return Matcher({c.id: c.keywords for c in self.codes})


# ---- keywords -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    """One keyword, read: its words (folded) and whether the last is a stem."""

    words: tuple[str, ...]
    stem: bool

    def count(self, text: Sequence[str]) -> int:
        """How many times the keyword occurs in ``text`` (a comment's ``words``)."""
        n, size = 0, len(self.words)
        for i in range(len(text) - size + 1):
            if all(text[i + j] == w for j, w in enumerate(self.words[:-1])):
                last = text[i + size - 1]
                if last == self.words[-1] or (self.stem and last.startswith(self.words[-1])):
                    n += 1
        return n


def pattern(keyword: str) -> Pattern:
    """A keyword as written in the codebook ("silo*", "data sharing"); ValueError saying what is wrong with it."""
    text = keyword.strip()
    stem = text.endswith(STEM)
    body = text[:-1] if stem else text
    if STEM in body:
        raise ValueError(f"keyword {keyword!r}: '*' may only end a keyword (it marks a stem)")
    found = words(body)
    if not found:
        raise ValueError(f"keyword {keyword!r} has no letters or digits")
    if stem and len(found[-1]) < MIN_STEM:
        raise ValueError(f"keyword {keyword!r}: a stem needs at least {MIN_STEM} letters, or it matches too much")
    return Pattern(found, stem)


def _mutations(word: str) -> list[str]:
    """The mutated forms of a Welsh word (folded): soft, nasal, aspirate, and h- before a vowel."""
    if word[:1] in _VOWELS:
        return ["h" + word]
    if word.startswith(_DIGRAPHS):
        return []
    forms = []
    for table in (_SOFT, _NASAL, _ASPIRATE):
        for radical in sorted(table, key=len, reverse=True):
            if word.startswith(radical):
                forms.append(table[radical] + word[len(radical) :])
                break
    return [f for f in forms if f and f != word]


def welsh_patterns(p: Pattern) -> list[Pattern]:
    """A Welsh keyword and its mutated forms (the first word mutates)."""
    found = [p]
    for form in _mutations(p.words[0]):
        if p.stem and len(p.words) == 1 and len(form) < MIN_MUTATED_STEM:
            continue
        found.append(Pattern((form, *p.words[1:]), p.stem))
    return found


class Matcher:
    """The codebook made ready to match: ``codes(text)`` gives the codes a comment mentions and how often."""

    def __init__(self, keywords: Mapping[str, Mapping[str, Iterable[str]]]):
        """``keywords``: code id -> language -> its keywords (the codebook's order is kept)."""
        self._patterns: dict[str, list[Pattern]] = {}
        for code, by_language in keywords.items():
            found: list[Pattern] = []
            for language, listed in by_language.items():
                for keyword in listed:
                    p = pattern(keyword)
                    found += welsh_patterns(p) if language == WELSH else [p]
            self._patterns[code] = list(dict.fromkeys(found))

    def codes(self, text: str) -> dict[str, int]:
        """Code id -> how many keyword occurrences of it ``text`` has, for the codes it mentions, in codebook order."""
        found = words(text)
        hits = {code: sum(p.count(found) for p in patterns) for code, patterns in self._patterns.items()}
        return {code: n for code, n in hits.items() if n}


# ---- language -----------------------------------------------------------------------------------------------------


def language_of(text: str, fallback: str) -> str:
    """ "cy" or "en": the language ``text`` is written in, or ``fallback`` (the respondent's) when it cannot tell.

    Words common in one language and not the other first; where they do not decide (a short comment), the shape of
    the words: English has k, q, v, x and z, and words ending in -ing, -tion, -ness or -ly; Welsh has ŵ, ŷ, dd and
    words ending in -iau, -wyr or -aeth."""
    found = words(text)
    welsh = sum(w in _WELSH for w in found)
    english = sum(w in _ENGLISH for w in found)
    if welsh == english:
        welsh = sum(bool(_WELSH_SHAPE.search(w)) for w in _RAW_WORD.findall(text.casefold()))
        english = sum(bool(_ENGLISH_SHAPE.search(w)) for w in found)
    if welsh != english:
        return WELSH if welsh > english else ENGLISH
    return fallback


# ---- sentences ----------------------------------------------------------------------------------------------------


def complete_sentence(text: str) -> bool:
    """Starts with a capital letter or a digit and ends with a full stop, a question or an exclamation mark."""
    stripped = text.strip().rstrip("\"'’”)]")
    return bool(stripped) and (stripped[0].isupper() or stripped[0].isdigit()) and stripped[-1] in ".!?"

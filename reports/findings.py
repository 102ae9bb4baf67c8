"""Findings in words (issue 22 item 1): the key findings of a council's report and "What we found" under each theme
and for the key characteristics, written by rules from the view-model (``reports.model``) in English and Cymraeg.

Stub: the contract other parts of the report code against; the rules follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reports.model import SurveyReport

__all__ = ["Finding", "characteristic_findings", "find", "key_findings", "theme_findings"]


@dataclass(frozen=True)
class Finding:
    """One finding: one plain-text sentence per language, the finding first and then its evidence."""

    rule: str  # e.g. "group_difference", "majority_agree", "divided", "change", "position", "early_late"
    subject: str | None  # the characteristic's section id or the statement's question id; None: the whole council
    theme: str | None  # the theme's section id for a theme's findings (None for characteristics and overall)
    strength: float  # the size of the difference or majority against its margin; larger first
    text: Mapping[str, str]  # language -> one plain-text sentence (no HTML)


def find(report: SurveyReport) -> tuple[Finding, ...]:
    """Every finding of the report, strongest first."""
    return ()


def key_findings(report: SurveyReport, limit: int = 5) -> tuple[Finding, ...]:
    """The strongest findings, at most ``limit``."""
    return find(report)[:limit]


def theme_findings(report: SurveyReport, theme_id: str) -> tuple[Finding, ...]:
    """The findings of one theme (its statements), strongest first."""
    return tuple(f for f in find(report) if f.theme == theme_id)


def characteristic_findings(report: SurveyReport) -> tuple[Finding, ...]:
    """The findings about the seven key characteristics, strongest first."""
    return tuple(f for f in find(report) if f.theme is None and f.subject is not None)

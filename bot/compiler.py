"""Compiling reports for the bot, the command line and the demo: ``flows.completion.ReportCompiler`` wired from
storage (the submitted answers, ``storage/surveys.py``) and ``reports/`` (scoring, the summary, charts, HTML and
exports).  A council's report and summary are loaded with their comparisons (the other councils of the round and the
council's previous round: ``SurveyRepository.load(with_comparisons=True)``), the national report with each council's
previous round.  Building the files is CPU work (matplotlib, templates), so it runs in a worker thread and the event
loop keeps answering respondents meanwhile."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from config.authorities import DEFAULT_AUTHORITIES, Authority, load_authorities
from config.codebook import Codebook, shipped_codebook
from config.publisher import DEFAULT_PUBLISHER, PublisherConfig, load_publisher
from flows.i18n import DEFAULT_LANGUAGE
from flows.model import Questionnaire
from flows.records import Campaign
from reports.publisher import Publisher, WelshName
from storage.surveys import SurveyRepository

if TYPE_CHECKING:
    from reports.model import SurveyData

SUMMARY_LANGUAGE = DEFAULT_LANGUAGE
PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700
Data = TypeVar("Data")


def owner_only(write: Callable[[Data, Path], list[Path]], data: Data, folder: Path) -> list[Path]:
    """``write(data, folder)`` with what it writes readable by its owner only, whatever the process's umask (the
    command line's is already 077): each file 0600, and the folders it creates 0700 (a folder that was there is
    left as it is)."""
    created = [f for f in (folder, *folder.parents) if not f.exists()]
    written = write(data, folder)
    for path in written:
        os.chmod(path, PRIVATE_FILE)
    for made in created:
        if made.is_dir():
            os.chmod(made, PRIVATE_FOLDER)
    return written


class Compiler:
    def __init__(self, surveys: SurveyRepository, questionnaires: dict[str, Questionnaire], *,
                 demonstration: bool = False, codebook: Codebook | None = None,
                 publisher: PublisherConfig | None = None, authorities: list[Authority] | None = None):
        self.surveys = surveys
        self.questionnaires = questionnaires
        self.demonstration = demonstration
        """Invented data (``datatool-bot demo``): every report, summary and export says it is a demonstration."""
        self.codebook = shipped_codebook() if codebook is None else codebook
        """How the report groups comments (``config/codebook.yaml``): read and checked here, when the bot starts."""
        self.publisher = Publisher(**(publisher or load_publisher(DEFAULT_PUBLISHER)).fields())
        """Who publishes the reports (``config/publisher.yaml``): the audit body, its national report, its contact."""
        self.welsh_names = {a.name: WelshName(a.name_cy, a.cy_forms.soft, a.cy_forms.nasal, a.cy_forms.aspirate,
                                              a.cy_forms.yn)
                            for a in (authorities or load_authorities(DEFAULT_AUTHORITIES))
                            if a.name_cy and a.cy_forms is not None}
        """Each council's Welsh name after "yn", "o", "gyda" ... (``config/authorities.yaml``), for Welsh sentences."""

    def published(self, data: SurveyData) -> SurveyData:
        """The council's data as its report and summary are written: with the publisher and the Welsh name's forms."""
        return dataclasses.replace(data, publisher=self.publisher, authority_forms=self.welsh_names.get(data.authority))

    # reports/ (matplotlib, openpyxl, Jinja2) is imported when a report is first built, not when the bot starts: a
    # running bot builds reports a few times a campaign, and those libraries are most of its memory.

    async def write_report(self, campaign: Campaign, folder: Path, *, interim: bool) -> list[Path]:
        from reports.html import write_report

        data = await self.surveys.load(campaign, self.questionnaires, interim=interim, with_comparisons=True)
        data = dataclasses.replace(self.published(data), demonstration=self.demonstration, codebook=self.codebook)
        return await asyncio.to_thread(owner_only, write_report, data, folder)

    async def write_national(self, campaigns: list[tuple[Campaign, bool]], folder: Path) -> list[Path]:
        from reports.html import write_national

        # Each council's previous round, for the change across councils; never the peers (every council is here).
        surveys = [await self.surveys.load(c, self.questionnaires, interim=interim, with_previous=True)
                   for c, interim in campaigns]
        return await asyncio.to_thread(owner_only, write_national, surveys, folder)

    async def summary(self, campaign: Campaign, *, interim: bool, language: str = SUMMARY_LANGUAGE) -> str:
        from reports.scoring import score
        from reports.summary import render_summary

        data = await self.surveys.load(campaign, self.questionnaires, interim=interim, with_comparisons=True)
        data = dataclasses.replace(self.published(data), demonstration=self.demonstration)
        return await asyncio.to_thread(lambda: render_summary(score(data), language))

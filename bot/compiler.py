"""Compiling reports for the bot, the command line and the demo: ``flows.completion.ReportCompiler`` wired from
storage (the submitted answers, ``storage/surveys.py``) and ``reports/`` (scoring, the summary, charts, HTML and
exports).  A council's report and summary are loaded with their comparisons (the other councils of the round and the
council's previous round: ``SurveyRepository.load(with_comparisons=True)``), the national report with each council's
previous round.  Building the files is CPU work (matplotlib, templates), so it runs in a worker thread and the event
loop keeps answering respondents meanwhile.

This is where the reports' files are written: ``reports/`` returns documents (``reports.documents``: a name, the
bytes, what it is, for whom, in which language) and ``write_documents`` writes them, each atomically and readable by
its owner only, and returns the manifest of what it wrote (``flows.manifest``), from which the bot posts."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from config.authorities import DEFAULT_AUTHORITIES, Authority, load_authorities
from config.codebook import Codebook, shipped_codebook
from config.good_practice import shipped_good_practice
from config.publisher import DEFAULT_PUBLISHER, PublisherConfig, load_publisher
from flows.diagnostics import where
from flows.i18n import DEFAULT_LANGUAGE
from flows.manifest import Entry, Manifest
from flows.model import Questionnaire
from flows.records import Campaign
from reports.documents import SUMMARY, Document, Documents, document
from reports.publisher import Publisher, WelshName
from storage.surveys import SurveyRepository

if TYPE_CHECKING:
    from reports.inputs import SurveyData

SUMMARY_LANGUAGE = DEFAULT_LANGUAGE
PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700
log = logging.getLogger("reports.html")  # where a failed output was always logged


def _write_file(path: Path, data: bytes) -> None:
    """``data`` into ``path`` whole or not at all: written to a temporary name (readable by its owner only, whatever
    the umask) and renamed, so what is on disk under the name is always complete."""
    part = path.with_name(f".{path.name}.part")
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(part, PRIVATE_FILE)  # a part an earlier run left keeps its mode through O_CREAT
        os.replace(part, path)
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
        raise


def write_documents(made: Documents, folder: Path) -> Manifest:
    """Write each document into ``folder`` under its name, readable by its owner only (each file 0600, and the
    folders this creates 0700; a folder that was there is left as it is); returns the manifest of what was written.
    A document that cannot be written, and each that failed to build, is logged by name and place and removed from
    the folder, with any copy an earlier run left under its name: what is there is always this run's."""
    folder = Path(folder)
    created = [f for f in (folder, *folder.parents) if not f.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    for made_folder in created:
        if made_folder.is_dir():
            os.chmod(made_folder, PRIVATE_FOLDER)
    entries: list[Entry] = []
    failed = list(made.failed)
    for doc in made.documents:
        path = folder / doc.name
        try:
            _write_file(path, doc.data)
        except OSError as exc:
            log.error("report output %s failed: %s", doc.name, where(exc))
            failed.append(doc.name)
            continue
        entries.append(_entry(doc, path))
    for name in failed:
        with contextlib.suppress(OSError):
            (folder / name).unlink(missing_ok=True)
    return Manifest(folder, tuple(entries))


def _entry(doc: Document, path: Path) -> Entry:
    return Entry(
        doc.name,
        doc.kind,
        doc.audience,
        doc.language,
        doc.media_type,
        path,
        doc.text() if doc.kind == SUMMARY else None,
    )


def stored(folder: Path) -> Manifest | None:
    """The manifest of the documents kept in ``folder`` from an earlier compilation (a campaign whose
    respondent-level data was erased keeps its final report), in the order of their names; None: no such folder."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    entries = []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        doc = document(path.name, b"")
        if doc is not None:
            if doc.kind == SUMMARY:
                doc = dataclasses.replace(doc, data=path.read_bytes())
            entries.append(_entry(doc, path))
    return Manifest(folder, tuple(entries))


def write_report(data: SurveyData, folder: Path) -> Manifest:
    """Every document of one council's report (``reports.html.report_documents``) written into ``folder``."""
    from reports.html import report_documents

    return write_documents(report_documents(data), folder)


def write_national(surveys: list[SurveyData], folder: Path) -> Manifest:
    """The national view's documents (``reports.html.national_documents``) written into ``folder``."""
    from reports.html import national_documents

    return write_documents(national_documents(surveys), folder)


class Compiler:
    def __init__(
        self,
        surveys: SurveyRepository,
        questionnaires: dict[str, Questionnaire],
        *,
        demonstration: bool = False,
        codebook: Codebook | None = None,
        publisher: PublisherConfig | None = None,
        authorities: list[Authority] | None = None,
    ):
        self.surveys = surveys
        self.questionnaires = questionnaires
        self.demonstration = demonstration
        """Invented data (``datatool-bot demo``): every report, summary and export says it is a demonstration."""
        self.codebook = shipped_codebook() if codebook is None else codebook
        """How the report groups comments (``config/codebook.yaml``): read and checked here, when the bot starts."""
        self.publisher = Publisher(**(publisher or load_publisher(DEFAULT_PUBLISHER)).fields())
        """Who publishes the reports (``config/publisher.yaml``): the audit body, its national report, its contact."""
        self.good_practice = shipped_good_practice()
        """The examples each group may be pointed to (``config/good_practice.yaml``), read and checked at start-up."""
        self.welsh_names = {
            a.name: WelshName(a.name_cy, a.cy_forms.soft, a.cy_forms.nasal, a.cy_forms.aspirate, a.cy_forms.yn)
            for a in (authorities or load_authorities(DEFAULT_AUTHORITIES))
            if a.name_cy and a.cy_forms is not None
        }
        """Each council's Welsh name after "yn", "o", "gyda" ... (``config/authorities.yaml``), for Welsh sentences."""

    def published(self, data: SurveyData) -> SurveyData:
        """The council's data as its report and summary are written: with the publisher, the good-practice examples
        and the Welsh name's forms."""
        return dataclasses.replace(
            data,
            publisher=self.publisher,
            good_practice=self.good_practice,
            authority_forms=self.welsh_names.get(data.authority),
        )

    # reports/ (matplotlib, openpyxl, Jinja2) is imported when a report is first built, not when the bot starts: a
    # running bot builds reports a few times a campaign, and those libraries are most of its memory.

    async def write_report(self, campaign: Campaign, folder: Path, *, interim: bool) -> Manifest:
        data = await self.surveys.load(campaign, self.questionnaires, interim=interim, with_comparisons=True)
        data = dataclasses.replace(self.published(data), demonstration=self.demonstration, codebook=self.codebook)
        return await asyncio.to_thread(write_report, data, folder)

    async def write_national(self, campaigns: list[tuple[Campaign, bool]], folder: Path) -> Manifest:
        # Each council's previous round, for the change across councils; never the peers (every council is here).
        surveys = [
            await self.surveys.load(c, self.questionnaires, interim=interim, with_previous=True)
            for c, interim in campaigns
        ]
        return await asyncio.to_thread(write_national, surveys, folder)

    async def stored(self, folder: Path) -> Manifest | None:
        return await asyncio.to_thread(stored, folder)

    async def summary(self, campaign: Campaign, *, interim: bool, language: str = SUMMARY_LANGUAGE) -> str:
        from reports.scoring import score
        from reports.summary import render_summary

        data = await self.surveys.load(campaign, self.questionnaires, interim=interim, with_comparisons=True)
        data = dataclasses.replace(self.published(data), demonstration=self.demonstration)
        return await asyncio.to_thread(lambda: render_summary(score(data), language))

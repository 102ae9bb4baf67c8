"""The report as an editable Word draft (``report-en.docx``, ``report-cy.docx``): stub, filled in next."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reports.charts import Chart
from reports.model import SurveyReport


def render_docx(report: SurveyReport, language: str, charts: Sequence[Chart] = ()) -> bytes:
    """The Word draft of ``report`` in ``language`` as the bytes of a .docx file (no file I/O here)."""
    from docx import Document

    document = Document()
    document.add_heading(report.authority_name(language), level=1)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()

"""The auditors' commands, and the kinds of confirmation their buttons carry."""

from __future__ import annotations

from enum import StrEnum


class AuditorCommand(StrEnum):
    RATES = "rates"
    CAMPAIGNS = "campaigns"
    NONSTARTERS = "nonstarters"
    CLOSE = "close"
    REMIND = "remind"
    SUMMARY = "summary"
    RESEND = "resend"


CLOSE = "close"  # confirmation kinds: cf:close:<campaign id>
REMIND = "remind"  # cf:remind:<one-time code> (storage.reminders.plan_manual)

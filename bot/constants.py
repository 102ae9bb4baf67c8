"""Command names and application-data keys: named once, used everywhere."""

from __future__ import annotations

from flows.service import RespondentCommand
from flows.fieldwork import AuditorCommand

START = "start"
HELP = RespondentCommand.HELP.value
RESPONDENT_COMMANDS = tuple(RespondentCommand)
"""Registered with setMyCommands (in English and Cymraeg), in this order."""

AUDITOR_COMMANDS = tuple(AuditorCommand)
AUDITOR_DESCRIPTIONS = {
    AuditorCommand.RATES: "Response rates: /rates [council]",
    AuditorCommand.CAMPAIGNS: "Campaigns, dates and status",
    AuditorCommand.NONSTARTERS: "Links never opened: /nonstarters council",
    AuditorCommand.CLOSE: "Close fieldwork early: /close council",
    AuditorCommand.REMIND: "Send a reminder round now: /remind council [member|officer]",
    AuditorCommand.SUMMARY: "Interim maturity summary: /summary council",
    AuditorCommand.RESEND: "The final report again: /resend council [item]",
}
"""Shown only in auditors' own chats (setMyCommands with a chat scope); English only (internal users)."""
DIGEST_JOB = "daily-digest"
REMINDER_JOB = "reminders"
COMPLETION_JOB = "completion"
COMPLETION_TICK_SECONDS = 60
REMINDER_TICK_SECONDS = 60
"""Due reminders are worked out from the database at every tick, so a restart loses nothing."""

SERVICES_KEY = "datatool.services"
"""Key of the ``Services`` object in ``Application.bot_data``."""

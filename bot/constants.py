"""Command names and application-data keys: named once, used everywhere."""

from __future__ import annotations

from flows.fieldwork import AuditorCommand
from flows.replies import RespondentCommand

START = "start"
HELP = RespondentCommand.HELP.value
LANGUAGE = RespondentCommand.LANGUAGE.value
"""/language: a respondent's questions, or the auditor messages of an auditor's chat or of the auditors' group."""
RESPONDENT_COMMANDS = tuple(RespondentCommand)
"""Registered with setMyCommands (in English and Cymraeg), in this order."""

AUDITOR_COMMANDS = tuple(AuditorCommand)
AUDITOR_MENU = {command: f"cmd_{command.value}" for command in AuditorCommand}
"""The message-catalogue key of each auditor command's menu text (``flows/messages.yaml``, English and Cymraeg).
The auditor menu is set only in auditors' own chats (setMyCommands with a chat scope), in the chat's language."""
AUDITOR_LANGUAGE_MENU = "cmd_auditor_language"
"""The menu text of /language in an auditor's chat and in the auditors' group."""
DIGEST_JOB = "daily-digest"
REMINDER_JOB = "reminders"
COMPLETION_JOB = "completion"
COMPLETION_TICK_SECONDS = 60
REMINDER_TICK_SECONDS = 60
FORGET_UPDATES_JOB = "forget-updates"
FORGET_UPDATES_SECONDS = 3600  # hourly: the ids of updates handled over two days ago go (storage.repositories)
"""Due reminders are worked out from the database at every tick, so a restart loses nothing."""

SERVICES_KEY = "datatool.services"
"""Key of the ``Services`` object in ``Application.bot_data``."""

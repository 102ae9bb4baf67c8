"""Command names and application-data keys: named once, used everywhere."""

from __future__ import annotations

from flows.service import RespondentCommand

START = "start"
RESPONDENT_COMMANDS = tuple(RespondentCommand)
"""Registered with setMyCommands (in English and Cymraeg), in this order."""

SERVICES_KEY = "datatool.services"
"""Key of the ``Services`` object in ``Application.bot_data``."""

"""Command names and application-data keys: named once, used everywhere."""

from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    START = "start"
    HELP = "help"


SERVICES_KEY = "datatool.services"
"""Key of the ``Services`` object in ``Application.bot_data``."""

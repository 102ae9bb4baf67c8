"""Concurrent update processing that keeps each person's updates in order.

python-telegram-bot's concurrent processing lets one person's update run while another's waits for the database or
for Telegram, but on its own it would also let two updates from the SAME person overtake each other (a double tap,
or an answer typed while the previous press is still being handled).  :class:`PerPersonUpdates` runs updates of
different people side by side, at most ``max_concurrent_updates`` at once, and one person's updates strictly in the
order Telegram delivered them: each waits for that person's previous one to finish.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def person_of(update: object) -> int | None:
    """Whose update this is (the Telegram user, else the chat); None for updates that belong to nobody."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return None


class PerPersonUpdates(BaseUpdateProcessor):
    """Different people's updates concurrently; one person's in delivery order."""

    def __init__(self, max_concurrent_updates: int):
        super().__init__(max_concurrent_updates)
        self._tails: dict[int, asyncio.Future[None]] = {}  # person -> done when their latest update is

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        person = person_of(update)
        if person is None:
            await coroutine
            return
        # Chain onto this person's latest update: taken and replaced without an await in between, so the chain
        # follows the order in which python-telegram-bot hands updates over (the order Telegram delivered them).
        previous = self._tails.get(person)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[person] = mine
        try:
            if previous is not None:
                await asyncio.shield(previous)
            await coroutine
        finally:
            mine.set_result(None)
            if self._tails.get(person) is mine:
                del self._tails[person]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

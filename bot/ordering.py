"""Concurrent update processing that keeps each person's updates in order.

python-telegram-bot's concurrent processing lets one person's update run while another's waits for the database or
for Telegram, but on its own it would also let two updates from the SAME person overtake each other (a double tap,
or an answer typed while the previous press is still being handled).  :class:`PerPersonUpdates` runs updates of
different people side by side, at most ``max_concurrent_updates`` at once, and one person's updates strictly in the
order Telegram delivered them: each waits for that person's previous one to finish.

It also tells long polling when to fetch more (:class:`PollWhenRoom`): only once an update could start at once.
python-telegram-bot alone fetches again as soon as a batch arrives, so under load it keeps every waiting update in
memory, where a crash loses it (Telegram counts an update as delivered once the next ``getUpdates`` asks past it), and
it asks Telegram again for every few updates.  Fetched when there is room, the updates wait at Telegram instead: a
crash loses at most the few that were being handled, and each ``getUpdates`` brings what arrived meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor
from telegram.request import HTTPXRequest, RequestData


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

    def __init__(self, max_concurrent_updates: int, queued: Callable[[], int] = lambda: 0):
        """``queued``: how many updates are fetched and not handed over yet (the size of the Application's queue)."""
        super().__init__(max_concurrent_updates)
        self._tails: dict[int, asyncio.Future[None]] = {}  # person -> done when their latest update is
        self._open = 0  # updates handed over and not finished: running, or waiting for a slot or for their person
        self._finished = asyncio.Event()  # set whenever one finishes
        self._queued = queued

    @property
    def open(self) -> int:
        return self._open

    async def room(self) -> None:
        """Return once fewer than ``max_concurrent_updates`` updates are fetched and unfinished, so that one more
        would start at once."""
        while self._open + self._queued() >= self.max_concurrent_updates:
            self._finished.clear()
            await self._finished.wait()

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        self._open += 1
        try:
            await super().process_update(update, coroutine)
        finally:
            self._open -= 1
            self._finished.set()

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


class PollWhenRoom(HTTPXRequest):
    """The request used for ``getUpdates`` alone: each call first waits for :meth:`PerPersonUpdates.room`."""

    def __init__(self, room: Callable[[], Awaitable[None]], **kwargs: Any):
        super().__init__(**kwargs)
        self._room = room

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **kwargs: Any
    ) -> tuple[int, bytes]:
        await self._room()
        return await super().do_request(url, method, request_data, **kwargs)

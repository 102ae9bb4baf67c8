"""Each Telegram update is decided once (issue 21, item 1).

Telegram delivers an update again, with the same ``update_id``, whenever the bot's receipt did not reach it: a
webhook answered with an error or too late, a long-polling bot that died before its next getUpdates confirmed the
offset.  So every update a respondent's entry point decides is recorded (``handled_updates``):

- an update that changes something passes its id to the store's write, which records it in the same transaction as
  the change (and refuses a second one with ``AlreadyHandled``, changing nothing);
- an update that changes nothing (a refused link, a stale button, a refused answer, a double tap) is recorded once
  it is decided, so that delivered again later, when things may have changed, it is still not acted on;
- an update older than the one that last changed the invitation it acts on (``older``) was meant for a screen that
  is gone: typed text is never applied to the question shown since.

A second delivery changes nothing and shows the person's current screen.  Time and storage come in through the
interactors' ports; nothing here reads a clock.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import datetime
from typing import Protocol, TypeVar

from flows.ports.clock import Clock
from flows.ports.errors import AlreadyHandled, StorageUnavailable
from flows.ports.respondents import Forgetting, Invitation, Ledger
from flows.replies import Reply, Who

log = logging.getLogger(__name__)
T = TypeVar("T")

_RECORDED: ContextVar[bool] = ContextVar("update recorded", default=False)
"""Within the handling of one update: whether a write has already recorded its id (``changed``)."""


class Current(Protocol):
    """The ledger, the clock, and the person's current screen (``flows.respondents.screens.Screens``)."""

    store: Ledger
    clock: Clock

    async def again(self, who: Who) -> Reply: ...


class Deciding(Protocol):
    """What an interactor's entry point offers this module: the screens, with the ledger and the clock."""

    screens: Current


def changed() -> None:
    """A write has just recorded this update's id with the change it made."""
    _RECORDED.set(True)


def older(update_id: int | None, invitation: Invitation) -> bool:
    """Did this update come before the one that last changed the invitation (``shown_by``)?  Telegram numbers updates
    in the order it receives them and one person's are handled in that order, so it is a second delivery of an update
    (one that changed nothing the first time, or one recorded before), or one overtaken by a later one: it was meant
    for a screen that is gone, and changes nothing."""
    return update_id is not None and invitation.shown_by is not None and update_id <= invitation.shown_by


async def seen_before(store: Ledger, who: Who) -> bool:
    return who.update_id is not None and await store.handled(who.update_id)


async def decided(store: Ledger, who: Who, now: datetime) -> None:
    """Record an update that changed nothing.  Best effort: the person already has their answer, and nothing was
    changed."""
    if who.update_id is None or _RECORDED.get():
        return
    try:
        await store.mark_handled(who.update_id, now)
    except StorageUnavailable as exc:
        log.warning("update not recorded as handled: %s", exc)


async def deciding(
    handle: Callable[[], Awaitable[T]], store: Ledger, clock: Clock, who: Who, again: Callable[[], Awaitable[T]]
) -> T:
    """Decide ``who``'s update with ``handle`` once: an update recorded before gets ``again`` (the current screen)."""
    token = _RECORDED.set(False)
    try:
        if await seen_before(store, who):
            return await again()
        reply = await handle()
        await decided(store, who, clock.now())
        return reply
    except AlreadyHandled:  # delivered again while the first delivery was being handled: it already counted
        return await again()
    finally:
        _RECORDED.reset(token)


def once_per_update(handle: Callable[..., Awaitable[Reply]]) -> Callable[..., Awaitable[Reply]]:
    """An entry point whose decision depends on what is stored (a link, a typed answer, a command): each Telegram
    update is decided once; one recorded before is answered with the person's current screen."""

    @functools.wraps(handle)
    async def once(self: Deciding, who: Who, *args: object) -> Reply:
        current = self.screens
        return await deciding(
            lambda: handle(self, who, *args), current.store, current.clock, who, lambda: current.again(who)
        )

    return once


class ForgetUpdates:
    """Hourly: forget the ids of updates handled long enough ago that Telegram no longer delivers them again."""

    def __init__(self, store: Forgetting, clock: Clock):
        self.store = store
        self.clock = clock

    async def __call__(self) -> int:
        return await self.store.forget_updates(self.clock.now())

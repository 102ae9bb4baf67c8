"""Keeping under Telegram's flood limits without slowing down the replies people are waiting for.

Telegram allows a bot about 30 new messages a second overall and 20 a minute in one group; beyond that it answers
429 with ``retry_after``.  python-telegram-bot's ``AIORateLimiter`` counts every request that names a chat, so a
burst of button presses (each an edit and a callback answer, which create no message) would queue behind the limit
meant for messages: 2,000 people pressing at once would wait a minute.  :class:`MessagePacer` paces only what
creates a message (:data:`PACED`):

- new messages leave evenly spaced, at ``SAFETY`` of the configured rate, never in bursts: Telegram counts them as
  they arrive, and the network can bunch requests sent exactly on the limit;
- a group chat (negative id: the auditors' chat) also gets at most ``group_per_minute`` a minute;
- a 429 means the request was certainly not carried out, so it is sent again after the wait Telegram names (up to
  ``max_retries`` times), and every paced request waits that long too;
- edits, callback answers and everything else go straight through.

A request that times out is never repeated here: it may have been delivered (``flows.delivery``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

PACED = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendmediagroup",
        "sendanimation",
        "sendaudio",
        "sendvoice",
        "sendvideo",
        "sendvideonote",
        "sendsticker",
        "sendlocation",
        "sendcontact",
        "sendpoll",
        "senddice",
        "copymessage",
        "copymessages",
        "forwardmessage",
        "forwardmessages",
    }
)
"""Bot API methods that put a new message in a chat (compared lower-case)."""

SAFETY = 0.97
"""Messages go out at this share of the configured rate: evenly spaced at 97% of 30 a second (34.4 ms apart), one can
reach Telegram up to about 30 ms late, and the next on time, without any one second there counting more than 30.
(At 98% the benchmark's strict emulator, busy with a second bot, still counted an occasional 31st.)"""

Result = bool | dict[str, Any] | list[dict[str, Any]]


class MessagePacer(BaseRateLimiter[int]):
    def __init__(
        self,
        per_second: float,
        *,
        max_retries: int = 3,
        group_per_minute: float = 20,
        clock: Callable[[], float] | None = None,
    ):
        self.interval = 1 / (per_second * SAFETY)
        self.max_retries = max_retries
        self.group_per_minute = group_per_minute
        self._clock = clock
        self._next_free = 0.0  # loop time at which the next message may leave
        self._groups: dict[int | str, AsyncLimiter] = {}

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    async def _turn(self) -> None:
        """Wait for this message's slot: slots are handed out in call order, ``interval`` apart."""
        now = self._now()
        slot = max(now, self._next_free)
        self._next_free = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)

    def _hold(self, seconds: float) -> None:
        """Telegram said wait: no message leaves before then."""
        self._next_free = max(self._next_free, self._now() + seconds)

    def _group(self, chat_id: object) -> AsyncLimiter | None:
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)  # type: ignore[call-overload]
        if not ((isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str)) or not self.group_per_minute:
            return None
        if chat_id not in self._groups:
            self._groups[chat_id] = AsyncLimiter(self.group_per_minute, 60)
        return self._groups[chat_id]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        paced = endpoint.lower() in PACED
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        group = self._group(data.get("chat_id")) if paced else None
        for attempt in range(retries + 1):
            if paced:
                if group is not None:
                    await group.acquire()
                await self._turn()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = exc.retry_after if isinstance(exc.retry_after, (int, float)) else exc.retry_after.total_seconds()
                if attempt == retries:
                    raise
                log.warning("flood control on %s: waiting %.1f s, then sending again", endpoint, wait)
                self._hold(wait + 0.1)
                if not paced:
                    await asyncio.sleep(wait + 0.1)
        raise AssertionError("unreachable")  # pragma: no cover

"""Bot API methods for getting updates: long polling (getUpdates), the webhook, logOut and close.

The updates themselves are queued by the simulated users (``users.py``) through ``EmulatorState._enqueue``.  They
leave the queue one of two ways, as on Telegram:

- **long polling**: the bot fetches them with getUpdates and confirms them with the next call's ``offset``;
- **a webhook**: while one is set (setWebhook), the emulator POSTs them to its URL itself, as JSON, one update per
  request, with the ``X-Telegram-Bot-Api-Secret-Token`` header when a ``secret_token`` was given.  As Telegram's Bot
  API server does (``WebhookActor``), it sends up to ``max_connections`` (setWebhook's, default 40) at once, but
  one at a time and in order within each of Telegram's queues: a chat's messages (and their edits) form one, a
  user's button presses another (:func:`queue_of`).  An update leaves the queue once the receiver answers 2xx; any
  other answer, or none within :attr:`UpdateMethods.webhook_timeout`, leaves it queued, and its queue is tried again
  after the ``Retry-After`` the receiver named or a pause that doubles up to :attr:`UpdateMethods.webhook_retry_max`
  (Telegram waits longer; tests should not), while the other queues go on; the error shows in getWebhookInfo's
  ``last_error_message``.  getUpdates meanwhile is a 409, and deleteWebhook (or ``stop()``) ends the delivery:
  POSTs under way are abandoned, unanswered, and their updates stay queued.  Every attempt is recorded in
  ``webhook_deliveries``.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import re
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.emulator.errors import ERR_CONFLICT_POLLING, ERR_CONFLICT_WEBHOOK, ERR_WEBHOOK_SECRET, ApiError
from bot.emulator.methods.base import MethodGroup, api_method
from bot.emulator.params import Params

# Sent unless the bot asks for them explicitly (Bot API default for allowed_updates).
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to the webhook: the update, the receiver's HTTP status (``None``: no answer) and,
    unless it was a 2xx, the error as getWebhookInfo words it; ``calls``: how many Bot API calls the emulator had
    received when the answer came (so a test can tell whether the bot acknowledged an update before or after
    replying to it)."""

    update_id: int
    status: int | None
    error: str | None = None
    calls: int = 0


def queue_of(update: dict[str, Any]) -> tuple[str, int]:
    """The queue an update travels in, as Telegram's Bot API server keys them (``webhook_queue_id``): messages and
    edited messages by chat, button presses by the user who pressed (a queue of their own, apart from the chat's
    messages).  Updates of one queue are delivered one at a time, in order; different queues at once."""
    if "callback_query" in update:
        return "callback_query", int(update["callback_query"]["from"]["id"])
    for kind in ("message", "edited_message"):
        if kind in update:
            return "chat", int(update[kind]["chat"]["id"])
    return "other", int(update["update_id"])


class UpdateMethods(MethodGroup):
    """getUpdates, setWebhook, deleteWebhook, getWebhookInfo, logOut, close; and delivering to the webhook."""

    webhook_retry_first = 0.05
    """Seconds before the first retry of a failed delivery; doubled after each failure, up to ``webhook_retry_max``."""
    webhook_retry_max = 1.0
    webhook_timeout = 10.0
    """Seconds a delivery waits for the receiver's answer."""
    MAX_CONNECTIONS = 100
    """setWebhook's largest ``max_connections`` (Telegram's limit)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.webhook_deliveries: list[WebhookDelivery] = []
        self._webhook_max_connections = 40
        self._webhook_error: tuple[int, str] | None = None  # (unix time, message) of the last failed delivery
        self._delivery: asyncio.Task[None] | None = None
        self._posting: dict[tuple[str, int], asyncio.Task[None]] = {}  # queue -> its update being POSTed
        self._ending: set[asyncio.Task[None]] = set()  # cancelled deliveries not yet finished
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0

    @api_method("logOut", "close")
    async def _api_log_out(self, p: Params) -> bool:
        return True

    @api_method("getWebhookInfo")
    async def _api_get_webhook_info(self, p: Params) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook_url:
            info["max_connections"] = self._webhook_max_connections
            if self._allowed_updates is not None:
                info["allowed_updates"] = sorted(self._allowed_updates)
            if self._webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    @api_method("setWebhook")
    async def _api_set_webhook(self, p: Params) -> bool:
        url = p.text("url") or ""  # an empty URL removes the webhook
        secret = p.text("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise ApiError(400, ERR_WEBHOOK_SECRET)
        allowed = p.obj("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None
        if p.flag("drop_pending_updates"):
            self._pending.clear()
        if url != self.webhook_url:
            self._webhook_error = None
        self.webhook_url, self.webhook_secret = url, (secret if url else None)
        self._webhook_max_connections = min(max(p.integer("max_connections", 40) or 40, 1), self.MAX_CONNECTIONS)
        if url:
            self._start_delivery()
        else:
            self._end_delivery()
        self._notify()
        return True

    @api_method("deleteWebhook")
    async def _api_delete_webhook(self, p: Params) -> bool:
        self.webhook_url, self.webhook_secret, self._webhook_error = "", None, None
        self._end_delivery()
        if p.flag("drop_pending_updates"):
            self._pending.clear()
        self._notify()
        return True

    @api_method("getUpdates")
    async def _api_get_updates(self, p: Params) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise ApiError(409, ERR_CONFLICT_WEBHOOK)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an earlier long poll, if any, now ends with 409
        offset = p.integer("offset", 0) or 0
        limit = min(max(p.integer("limit", 100) or 100, 1), 100)
        timeout = max(p.number("timeout"), 0.0)
        allowed = p.obj("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None
        self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, ERR_CONFLICT_POLLING)
            again = self._again[:limit]  # delivered before and handed out again (``deliver_again``)
            batch = again + self._deliverable(limit - len(again))
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._stopping:
                del self._again[: len(again)]
                return batch
            await self._wait_change(remaining)

    def _confirm(self, offset: int) -> None:
        before = len(self._pending)
        if offset > 0:
            self._pending = [update for update in self._pending if update["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]
        if len(self._pending) != before:
            self._notify()

    def _allowed(self, update: dict[str, Any]) -> bool:
        kind = next(key for key in update if key != "update_id")
        if self._allowed_updates is None:
            return kind not in _OPT_IN_UPDATES
        return kind in self._allowed_updates

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        """Pending updates of allowed types; updates of other types are dropped, as Telegram does."""
        kept = [update for update in self._pending if self._allowed(update)]
        if len(kept) != len(self._pending):
            self._pending = kept
            self._notify()
        return kept[:limit]

    @property
    def webhook_in_flight(self) -> int:
        """Updates being POSTed to the webhook right now (sent, not answered yet)."""
        return len(self._posting)

    # ------------------------------------------------------------------ webhook delivery

    def _start_delivery(self) -> None:
        """Deliver to the webhook from now on (the running delivery, if any, reads the new URL and secret)."""
        if self._delivery is None or self._delivery.done():
            self._delivery = asyncio.get_running_loop().create_task(self._deliver(), name="webhook delivery")

    def _end_delivery(self) -> None:
        """Stop delivering at once: an update being POSTed stays queued (the POST is abandoned, not answered)."""
        if self._delivery is not None:
            self._delivery.cancel()
            self._ending.add(self._delivery)
            self._delivery.add_done_callback(self._ending.discard)
            self._delivery = None

    async def _end_webhook_delivery(self) -> None:
        """For ``stop()``: end the delivery and wait until it has let go of its connections."""
        self._end_delivery()
        for task in list(self._ending):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver(self) -> None:
        """POST queued updates to the webhook until it is deleted or the emulator stops: up to max_connections at
        once, the first waiting update of each queue that is neither being POSTed nor pausing after a failure."""
        loop = asyncio.get_running_loop()
        pauses: dict[tuple[str, int], float] = {}  # queue -> the pause after its next failure
        resume: dict[tuple[str, int], float] = {}  # queue -> loop time before which it is not tried again
        connector = aiohttp.TCPConnector(limit=0)  # max_connections is counted here, per POST
        async with aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=self.webhook_timeout)
        ) as session:
            try:
                while self.webhook_url and not self._stopping:
                    wait = 60.0
                    posting = len(self._posting)
                    free = self._webhook_max_connections - posting
                    seen: set[tuple[str, int]] = set()
                    dropped = False
                    now = loop.time()
                    for update in self._pending if free > 0 else ():
                        if not self._allowed(update):  # dropped, as Telegram does with types not asked for
                            self._pending = [queued for queued in self._pending if queued is not update]
                            dropped = True
                            continue
                        queue = queue_of(update)
                        if queue in seen:
                            continue  # a later update of a queue: after the earlier one
                        seen.add(queue)
                        if queue in self._posting:
                            continue
                        if resume.get(queue, 0.0) > now:
                            wait = min(wait, resume[queue] - now)
                            continue
                        self._posting[queue] = loop.create_task(
                            self._deliver_one(session, queue, update, pauses, resume), name="webhook POST"
                        )
                        free -= 1
                        if free == 0:
                            break
                    if dropped or free < self._webhook_max_connections - posting:
                        self._notify()  # updates dropped, or POSTs started (webhook_in_flight)
                    await self._wait_change(wait)
            finally:
                posting = list(self._posting.values())
                for task in posting:
                    task.cancel()
                await asyncio.gather(*posting, return_exceptions=True)
                self._posting.clear()

    async def _deliver_one(
        self,
        session: aiohttp.ClientSession,
        queue: tuple[str, int],
        update: dict[str, Any],
        pauses: dict[tuple[str, int], float],
        resume: dict[tuple[str, int], float],
    ) -> None:
        """POST one update; on a 2xx it leaves the queue, otherwise its queue pauses."""
        try:
            status, error, retry_after = await self._post(session, update)
            self.webhook_deliveries.append(WebhookDelivery(update["update_id"], status, error, len(self.calls)))
            if error is None:
                for i, queued in enumerate(self._pending):
                    if queued is update:
                        del self._pending[i]
                        break
                pauses.pop(queue, None)
                resume.pop(queue, None)
            else:
                self._webhook_error = (int(self._clock()), error)
                pause = pauses.get(queue, self.webhook_retry_first)
                wait = min(retry_after, self.webhook_retry_max) if retry_after else pause
                resume[queue] = asyncio.get_running_loop().time() + wait
                pauses[queue] = min(pause * 2, self.webhook_retry_max)
        finally:
            if self._posting.get(queue) is asyncio.current_task():
                del self._posting[queue]
            self._notify()

    async def _post(
        self, session: aiohttp.ClientSession, update: dict[str, Any]
    ) -> tuple[int | None, str | None, float]:
        """One delivery: (HTTP status or None, None if it was a 2xx else the error in Telegram's words, the
        ``Retry-After`` the receiver named in seconds, 0 if none)."""
        headers = {SECRET_HEADER: self.webhook_secret} if self.webhook_secret else {}
        try:
            async with session.post(self.webhook_url, json=update, headers=headers) as response:
                await response.read()
        except aiohttp.ClientConnectorError as exc:
            refused = exc.os_error.errno == errno.ECONNREFUSED
            return None, "Connection refused" if refused else f"Failed to connect: {exc.os_error.strerror}", 0
        except TimeoutError:
            return None, "Read timeout expired", 0
        except aiohttp.ClientError as exc:
            return None, f"Connection error: {type(exc).__name__}", 0
        if 200 <= response.status < 300:
            return response.status, None, 0
        retry_after = response.headers.get("Retry-After", "")
        return (
            response.status,
            f"Wrong response from the webhook: {response.status} {response.reason}",
            int(retry_after) if retry_after.isdigit() else 0,
        )

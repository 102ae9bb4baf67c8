"""Bot API methods for getting updates: long polling (getUpdates), the webhook, logOut and close.

The updates themselves are queued by the simulated users (``users.py``) through ``EmulatorState._enqueue``.  They
leave the queue one of two ways, as on Telegram:

- **long polling**: the bot fetches them with getUpdates and confirms them with the next call's ``offset``;
- **a webhook**: while one is set (setWebhook), the emulator POSTs them to its URL itself, as JSON, one update per
  request and in order, with the ``X-Telegram-Bot-Api-Secret-Token`` header when a ``secret_token`` was given.  An
  update leaves the queue once the receiver answers 2xx; any other answer, or none, is retried after a short pause
  that doubles up to :attr:`UpdateMethods.webhook_retry_max` (Telegram waits longer; tests should not), and shows in
  getWebhookInfo's ``last_error_message``.  getUpdates meanwhile is a 409, and deleteWebhook (or ``stop()``) ends
  the delivery.  Every attempt is recorded in ``webhook_deliveries``.
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
    unless it was a 2xx, the error as getWebhookInfo words it."""

    update_id: int
    status: int | None
    error: str | None = None


class UpdateMethods(MethodGroup):
    """getUpdates, setWebhook, deleteWebhook, getWebhookInfo, logOut, close; and delivering to the webhook."""

    webhook_retry_first = 0.05
    """Seconds before the first retry of a failed delivery; doubled after each failure, up to ``webhook_retry_max``."""
    webhook_retry_max = 1.0
    webhook_timeout = 10.0
    """Seconds a delivery waits for the receiver's answer."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.webhook_deliveries: list[WebhookDelivery] = []
        self._webhook_max_connections = 40
        self._webhook_error: tuple[int, str] | None = None  # (unix time, message) of the last failed delivery
        self._delivery: asyncio.Task[None] | None = None
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
        self._webhook_max_connections = p.integer("max_connections", 40) or 40
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
            batch = self._deliverable(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._stopping:
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

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        """Pending updates of allowed types; updates of other types are dropped, as Telegram does."""
        def allowed(update: dict[str, Any]) -> bool:
            kind = next(key for key in update if key != "update_id")
            if self._allowed_updates is None:
                return kind not in _OPT_IN_UPDATES
            return kind in self._allowed_updates

        kept = [update for update in self._pending if allowed(update)]
        if len(kept) != len(self._pending):
            self._pending = kept
            self._notify()
        return kept[:limit]

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
        """POST queued updates to the webhook one at a time, in order, until it is deleted or the emulator stops."""
        pause = self.webhook_retry_first
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.webhook_timeout)) as session:
            while self.webhook_url and not self._stopping:
                batch = self._deliverable(1)
                if not batch:
                    await self._wait_change(60)
                    continue
                update = batch[0]
                status, error = await self._post(session, update)
                self.webhook_deliveries.append(WebhookDelivery(update["update_id"], status, error))
                if error is None:
                    self._pending = [queued for queued in self._pending if queued is not update]
                    pause = self.webhook_retry_first
                    self._notify()
                    continue
                self._webhook_error = (int(self._clock()), error)
                self._notify()
                await asyncio.sleep(pause)
                pause = min(pause * 2, self.webhook_retry_max)

    async def _post(self, session: aiohttp.ClientSession, update: dict[str, Any]) -> tuple[int | None, str | None]:
        """One delivery: (HTTP status or None, None if it was a 2xx else the error in Telegram's words)."""
        headers = {SECRET_HEADER: self.webhook_secret} if self.webhook_secret else {}
        try:
            async with session.post(self.webhook_url, json=update, headers=headers) as response:
                await response.read()
        except aiohttp.ClientConnectorError as exc:
            refused = exc.os_error.errno == errno.ECONNREFUSED
            return None, "Connection refused" if refused else f"Failed to connect: {exc.os_error.strerror}"
        except TimeoutError:
            return None, "Read timeout expired"
        except aiohttp.ClientError as exc:
            return None, f"Connection error: {type(exc).__name__}"
        if 200 <= response.status < 300:
            return response.status, None
        return response.status, f"Wrong response from the webhook: {response.status} {response.reason}"

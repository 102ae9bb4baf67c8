"""Bot API methods for getting updates: long polling (getUpdates), the webhook, logOut and close.

The updates themselves are queued by the simulated users (``users.py``) through ``EmulatorState._enqueue``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.emulator.errors import ERR_CONFLICT_POLLING, ERR_CONFLICT_WEBHOOK, ApiError
from bot.emulator.methods.base import MethodGroup, api_method
from bot.emulator.params import Params

# Sent unless the bot asks for them explicitly (Bot API default for allowed_updates).
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateMethods(MethodGroup):
    """getUpdates, setWebhook, deleteWebhook, getWebhookInfo, logOut, close."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.webhook_url = ""
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
            info["max_connections"] = 40
        return info

    @api_method("setWebhook")
    async def _api_set_webhook(self, p: Params) -> bool:
        self.webhook_url = p.text("url") or ""
        if p.flag("drop_pending_updates"):
            self._pending.clear()
        self._notify()
        return True

    @api_method("deleteWebhook")
    async def _api_delete_webhook(self, p: Params) -> bool:
        self.webhook_url = ""
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

"""Long polling that survives an update python-telegram-bot cannot read.

``Bot.get_updates`` reads a whole batch at once: when one update in it cannot be read (a Telegram newer than the
library, a malformed field), the whole call raises, the Updater never moves its offset past the batch, and it asks
for the same batch again and again: the bot stalls for everyone, logging a failure every few milliseconds.  The
bot's ``get_updates`` here then asks once more for the same batch (still unconfirmed, so Telegram returns it again)
and reads each update on its own: one it cannot read is replaced by an empty update of the same id, which no handler
takes, so the offset moves past it and everyone else's updates are handled.  Its id alone is logged, never its
contents.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import TelegramError
from telegram.ext import ApplicationBuilder, ExtBot

log = logging.getLogger(__name__)


class TolerantBot(ExtBot[Any]):
    """An ``ExtBot`` whose ``get_updates`` skips the updates it cannot read instead of failing the batch."""

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: Any = None,
        allowed_updates: Any = None,
        **kwargs: Any,
    ) -> tuple[Update, ...]:
        try:
            return await super().get_updates(offset, limit, timeout, allowed_updates, **kwargs)
        except TelegramError:
            raise
        except Exception:  # one update of the batch could not be read; python-telegram-bot logged it (withheld)
            pass
        raw = await self._post(
            "getUpdates", {"offset": offset, "limit": limit, "timeout": 0, "allowed_updates": allowed_updates}
        )
        updates = []
        for data in raw or ():
            try:
                updates.append(Update.de_json(data, self))
            except Exception as exc:  # noqa: BLE001 - any failure to read it: it is skipped, by id
                update_id = data.get("update_id") if isinstance(data, dict) else None
                if not isinstance(update_id, int):
                    raise
                log.warning("update %s could not be read (%s): skipped", update_id, type(exc).__name__)
                updates.append(Update(update_id=update_id))
        return tuple(updates)


class TolerantBuilder(ApplicationBuilder):  # type: ignore[type-arg]
    """``ApplicationBuilder`` that builds a :class:`TolerantBot`: python-telegram-bot 22's own ``_build_ext_bot``
    (pinned below 23 in pyproject.toml), with the class changed."""

    def _build_ext_bot(self) -> ExtBot[Any]:
        if isinstance(self._token, DefaultValue):
            raise RuntimeError("No bot token was set.")
        return TolerantBot(
            token=self._token,
            base_url=DefaultValue.get_value(self._base_url),
            base_file_url=DefaultValue.get_value(self._base_file_url),
            private_key=DefaultValue.get_value(self._private_key),
            private_key_password=DefaultValue.get_value(self._private_key_password),
            defaults=DefaultValue.get_value(self._defaults),
            arbitrary_callback_data=DefaultValue.get_value(self._arbitrary_callback_data),
            request=self._build_request(get_updates=False),
            get_updates_request=self._build_request(get_updates=True),
            rate_limiter=DefaultValue.get_value(self._rate_limiter),
            local_mode=DefaultValue.get_value(self._local_mode),
        )

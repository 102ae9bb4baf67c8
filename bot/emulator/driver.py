"""A scripted human user talking to the bot through :class:`BotApiEmulator`.

Every action waits, event-driven, until the bot has reacted, so tests read like a
conversation and never sleep.  The bot may run in the same event loop or in another process
polling the emulator over HTTP: all waiting happens on the emulator's side.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from bot.emulator.chats import ChatMessage, FakeUser
from bot.emulator.server import BotApiEmulator
from flows.callbacks import without_owner


class UserDriver:
    """A person with a phone, chatting privately with the bot.

    After each action the driver waits for the bot's first reaction (a message or edit in this
    chat; for a button press, the answer to the callback query), then until the bot has made
    no request about this chat for ``quiet`` seconds, so that a handler sending several
    messages has finished.  A button press whose answer comes first waits up to ``settle``
    seconds for the edit or message that usually follows.  ``timeout`` bounds each wait
    and can be overridden per call.
    """

    def __init__(
        self,
        emulator: BotApiEmulator,
        user: FakeUser,
        *,
        timeout: float = 10.0,
        quiet: float = 0.1,
        settle: float = 0.5,
    ) -> None:
        self.emulator = emulator
        self.user = user
        self.timeout = timeout
        self.quiet = quiet
        self.settle = settle
        self._mark = emulator.version(user.id)

    @property
    def chat_id(self) -> int:
        return self.user.id

    @property
    def last(self) -> ChatMessage | None:
        """The bot's latest (not deleted) message in this chat."""
        return self.emulator.last_bot_message(self.chat_id)

    @property
    def messages(self) -> list[ChatMessage]:
        """The bot's visible messages in this chat, oldest first."""
        return self.emulator.bot_messages(self.chat_id)

    def transcript(self) -> str:
        """The whole chat, one readable line per message."""
        return self.emulator.transcript(self.chat_id)

    async def start(self, payload: str | None = None, *, timeout: float | None = None) -> ChatMessage | None:
        """Open the bot, as through ``t.me/<bot>?start=<payload>``."""
        return await self.send(f"/start {payload}" if payload else "/start", timeout=timeout)

    async def command(self, name: str, *args: object, timeout: float | None = None) -> ChatMessage | None:
        """Send ``/name arg1 arg2 ...``."""
        return await self.send(" ".join(["/" + name.removeprefix("/"), *map(str, args)]), timeout=timeout)

    async def send(self, text: str, *, wait: bool = True, timeout: float | None = None) -> ChatMessage | None:
        """Send a text; with ``wait``, return once the bot has reacted.

        Returns the bot message changed last (a new reply, or an edited older message).
        """
        since = self._begin()
        await self.emulator.send_message(self.user, text)
        if wait:
            await self._wait(lambda: self.emulator.version(self.chat_id) > since, f"a reaction to {text!r}", timeout)
            await self._wait_quiet(timeout)
        return self._latest_change(since)

    async def tap(self, label_or_data: str, *, timeout: float | None = None) -> ChatMessage | None:
        """Press a button on the latest bot message that has an inline keyboard.

        Matches the button text exactly, then as a substring, then the callback_data (with or without the
        invitation it was shown for).
        """
        message = next((msg for msg in reversed(self.messages) if msg.callback_data), None)
        if message is None:
            raise AssertionError(f"No bot message has an inline keyboard.\n{self.transcript()}")
        buttons = [button for row in message.buttons for button in row if button[1] is not None]
        for matches in (
            lambda text, _: text == label_or_data,
            lambda text, _: label_or_data in text,
            lambda _, data: data == label_or_data,
            lambda _, data: without_owner(data) == label_or_data,
        ):
            found = [data for text, data in buttons if matches(text, data)]
            if found:
                return await self.tap_on(message.message_id, found[0], timeout=timeout)
        raise AssertionError(
            f"No button {label_or_data!r} on message #{message.message_id}; "
            f"available: {[text for text, _ in buttons]}.\n{self.transcript()}"
        )

    async def tap_on(
        self, message_id: int, callback_data: str, *, forge: bool = False, timeout: float | None = None
    ) -> ChatMessage | None:
        """Press a button by message id and data (``forge=True`` sends data not on the keyboard).

        Returns the bot message changed last (typically the edited one), else the latest.
        """
        since = self._begin()
        query_id = await self.emulator.press_button(self.user, message_id, callback_data, forge=forge)
        await self._wait(
            lambda: query_id in self.emulator.callback_answers,
            f"the bot to answer the callback query for {callback_data!r}",
            timeout,
        )
        with contextlib.suppress(TimeoutError):
            await self.emulator.wait_for(lambda: self.emulator.version(self.chat_id) > since, self.settle)
        await self._wait_quiet(timeout)
        return self._latest_change(since)

    def data_of(self, message: ChatMessage, payload: str) -> str:
        """The callback data of the button on ``message`` that reads ``payload`` once its owner is set aside."""
        found = [data for data in message.callback_data if data == payload or without_owner(data) == payload]
        if not found:
            raise AssertionError(f"no button {payload!r} on message #{message.message_id}: {message.callback_data}")
        return found[0]

    async def expect(self, text_contains: str, timeout: float | None = None) -> ChatMessage:
        """Wait until a bot message sent or edited since the last action contains the text."""
        found: list[ChatMessage] = []

        def seen() -> bool:
            found[:] = [msg for msg in self.messages if msg.version > self._mark and text_contains in msg.text]
            return bool(found)

        await self._wait(seen, f"a bot message containing {text_contains!r}", timeout)
        return found[-1]

    def _latest_change(self, since: int) -> ChatMessage | None:
        """The bot message sent or edited most recently after chat version ``since``."""
        changed = [msg for msg in self.messages if msg.version > since]
        return max(changed, key=lambda msg: msg.version) if changed else self.last

    def _begin(self) -> int:
        self._mark = self.emulator.version(self.chat_id)
        return self._mark

    async def _wait(self, predicate: Callable[[], bool], what: str, timeout: float | None) -> None:
        try:
            await self.emulator.wait_for(predicate, timeout or self.timeout, chat_ids=[self.chat_id], description=what)
        except TimeoutError:
            raise AssertionError(f"Timed out waiting for {what} (user {self.user.id}).\n{self.transcript()}") from None

    async def _wait_quiet(self, timeout: float | None) -> None:
        try:
            await self.emulator.wait_until_quiet(self.chat_id, self.quiet, timeout or self.timeout)
        except TimeoutError as error:
            raise AssertionError(str(error)) from None

"""The simulated users: people who write to the bot, send media, edit, press buttons, and block it.

These are in-process calls made by a test or the demo (``emulator.send_message(user, "/start")``); each turns into
the update Telegram would deliver to the bot's next getUpdates.  They raise :class:`EmulatorUsageError` for what a
human could not do.  ``UserDriver`` (``driver.py``) builds a conversation on top of them.
"""

from __future__ import annotations

from typing import Any

from bot.emulator.chats import MAX_TEXT_LENGTH, Chat, EmulatorState, FakeUser
from bot.emulator.entities import command_entities
from bot.emulator.errors import EmulatorUsageError
from bot.emulator.markup import validate_markup

_MESSAGE_KINDS = (
    "text",
    "photo",
    "document",
    "sticker",
    "voice",
    "video",
    "audio",
    "animation",
    "video_note",
    "location",
    "contact",
    "venue",
    "poll",
    "dice",
)


class UserSide(EmulatorState):
    """What the users of :class:`~bot.emulator.server.BotApiEmulator` do."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._next_query_id = 1

    def add_user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        language_code: str = "en",
        username: str | None = None,
        last_name: str | None = None,
    ) -> FakeUser:
        """Register a user.  Their private chat exists once they send the bot something."""
        user = FakeUser(user_id, first_name, language_code, username, last_name)
        self.users[user_id] = user
        return user

    async def send_message(self, user: FakeUser | int, text: str) -> dict[str, Any]:
        """The user sends a text message; a leading /command gets a bot_command entity."""
        if not text.strip() or len(text) > MAX_TEXT_LENGTH:
            raise EmulatorUsageError(f"a user can send 1-{MAX_TEXT_LENGTH} characters, got {len(text)}")
        chat = self._user_chat(user)
        msg = self._add_message(chat, from_bot=False, text=text, entities=command_entities(text))
        return self._enqueue("message", self._message_json(msg))

    async def send_update_message(self, user: FakeUser | int, **fields: Any) -> dict[str, Any]:
        """The user sends a message with arbitrary content (``sticker=...``, ``photo=...``)."""
        chat = self._user_chat(user)
        kind = next((kind for kind in _MESSAGE_KINDS if kind in fields), "other")
        caption = fields.pop("caption", None)
        text = fields.pop("text", None)
        document = fields.get("document")
        msg = self._add_message(
            chat,
            from_bot=False,
            kind=kind,
            text=text or caption or "",
            caption=caption,
            entities=command_entities(text) if text else [],
            media=fields,
            filename=document.get("file_name") if isinstance(document, dict) else None,
        )
        return self._enqueue("message", self._message_json(msg))

    async def send_sticker(self, user: FakeUser | int, emoji: str = "👍") -> dict[str, Any]:
        file_id, unique_id = self._register_file("sticker", b"RIFF-webp-sticker", "webp")
        sticker = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": 17,
        }
        return await self.send_update_message(user, sticker=sticker)

    async def send_photo(self, user: FakeUser | int, caption: str | None = None) -> dict[str, Any]:
        file_id, unique_id = self._register_file("photo", b"\xff\xd8\xff\xe0fake-jpeg", "jpg")
        photo = [{"file_id": file_id, "file_unique_id": unique_id, "width": 90, "height": 90, "file_size": 13}]
        return await self.send_update_message(user, photo=photo, caption=caption)

    async def send_voice(self, user: FakeUser | int, duration: int = 2) -> dict[str, Any]:
        file_id, unique_id = self._register_file("voice", b"OggS-fake-voice", "oga")
        voice = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 15,
        }
        return await self.send_update_message(user, voice=voice)

    async def send_location(
        self, user: FakeUser | int, latitude: float = 51.4816, longitude: float = -3.1791
    ) -> dict[str, Any]:
        return await self.send_update_message(user, location={"latitude": latitude, "longitude": longitude})

    async def send_document(
        self,
        user: FakeUser | int,
        filename: str = "notes.txt",
        content: bytes = b"hello",
        mime_type: str = "text/plain",
        caption: str | None = None,
    ) -> dict[str, Any]:
        file_id, unique_id = self._register_file("document", content, filename.rpartition(".")[2])
        document = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        return await self.send_update_message(user, document=document, caption=caption)

    def send_raw_update(self, update_type: str, payload: dict[str, Any]) -> int:
        """An update of ``update_type`` carrying ``payload`` exactly as given, unchecked: what a Telegram newer than
        the bot's library may send, or a malformed one.  Returns its update_id."""
        update_id = self._next_update_id
        self._enqueue(update_type, payload)
        return update_id

    async def edit_user_message(self, user: FakeUser | int, message_id: int, new_text: str) -> dict[str, Any]:
        """The user edits one of their text messages (an ``edited_message`` update)."""
        chat = self._user_chat(user)
        msg = chat.messages.get(message_id)
        if msg is None or msg.from_bot or msg.deleted or msg.kind != "text":
            raise EmulatorUsageError(f"user {chat.user.id} has no text message {message_id} to edit")
        msg.text, msg.entities = new_text, command_entities(new_text)
        msg.edit_count += 1
        msg.edit_date = int(self._clock())
        return self._enqueue("edited_message", self._message_json(msg))

    def history(self, user: FakeUser | int, text: str, buttons: list[list[tuple[str, str]]] | None = None) -> int:
        """A message the bot sent before the test began (a question with its buttons, as ``(text, callback_data)``
        rows), without a request: seeds thousands of chats at once for a benchmark.  Returns its message id."""
        chat = self._user_chat(user)
        markup = None
        if buttons:
            markup = validate_markup(
                {
                    "inline_keyboard": [
                        [{"text": label, "callback_data": data} for label, data in row] for row in buttons
                    ]
                },
                inline_only=True,
            )
        msg = self._add_message(chat, from_bot=True, text=text, reply_markup=markup)
        self._bump(chat, msg)
        return msg.message_id

    async def press_button(
        self, user: FakeUser | int, message_id: int, callback_data: str, *, forge: bool = False
    ) -> str:
        """The user presses an inline button; returns the callback query id.

        Refuses data that the message's current keyboard does not offer unless ``forge``.
        """
        chat = self._user_chat(user)
        msg = chat.messages.get(message_id)
        if msg is None or msg.deleted or not msg.from_bot:
            raise EmulatorUsageError(f"chat {chat.user.id} has no bot message {message_id}")
        if not forge and callback_data not in msg.callback_data:
            raise EmulatorUsageError(
                f"message {message_id} has no button with callback_data {callback_data!r}; "
                f"current buttons: {msg.buttons} (pass forge=True to send it anyway)"
            )
        query_id = str(4_000_000_000_000_000 + self._next_query_id)
        self._next_query_id += 1
        self._query_chats[query_id] = chat.user.id
        self._enqueue(
            "callback_query",
            {
                "id": query_id,
                "from": chat.user.to_dict(),
                "message": self._message_json(msg),
                "chat_instance": str(-(chat.user.id * 7919 + self.bot_id)),
                "data": callback_data,
            },
        )
        return query_id

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends and edits to their chat fail with 403."""
        self._set_blocked(user_id, blocked=True)

    def unblock(self, user_id: int) -> None:
        """The user unblocks (restarts) the bot."""
        self._set_blocked(user_id, blocked=False)

    def _user(self, user: FakeUser | int) -> FakeUser:
        user_id = user if isinstance(user, int) else user.id
        if user_id not in self.users:
            raise EmulatorUsageError(f"unknown user {user_id}; call add_user() first")
        return self.users[user_id]

    def _user_chat(self, user: FakeUser | int) -> Chat:
        known = self._user(user)
        chat = self._chats.setdefault(known.id, Chat(known))
        if chat.blocked:
            raise EmulatorUsageError(f"user {known.id} has blocked the bot; call unblock() first")
        return chat

    def _set_blocked(self, user_id: int, *, blocked: bool) -> None:
        user = self._user(user_id)
        chat = self._chats.setdefault(user_id, Chat(user))
        if chat.blocked == blocked:
            return
        chat.blocked = blocked

        def member(status: str) -> dict[str, Any]:
            banned = {"until_date": 0} if status == "kicked" else {}
            return {"user": self._bot_user(), "status": status, **banned}

        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        self._enqueue(
            "my_chat_member",
            {
                "chat": chat.to_dict(),
                "from": user.to_dict(),
                "date": int(self._clock()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )

"""Bot API methods for the bot itself: getMe, its commands, description, short description, name, menu button.

The profile texts live in ``EmulatorState`` (the bot's name appears on every message it sends); the commands and
menu buttons here.
"""

from __future__ import annotations

import re
from typing import Any

from bot.emulator.chats import BOT_TEXT_LIMITS
from bot.emulator.errors import (
    ERR_BAD_COMMANDS,
    ERR_BAD_SCOPE,
    ERR_CHAT_NOT_FOUND,
    ERR_COMMAND_DESCRIPTION_EMPTY,
    ERR_COMMAND_DESCRIPTION_INVALID,
    ERR_COMMAND_INVALID,
    ERR_TOO_LONG,
    ApiError,
)
from bot.emulator.methods.base import MethodGroup, api_method
from bot.emulator.params import Params

_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")


class ProfileMethods(MethodGroup):
    """getMe, set/get/deleteMyCommands, set/getMyDescription, set/getMyShortDescription, set/getMyName,
    set/getChatMenuButton."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._commands: dict[tuple[str, int | None, int | None, str], list[tuple[str, str]]] = {}
        self._menu_buttons: dict[int | None, dict[str, Any]] = {}

    def commands(
        self,
        scope_type: str = "default",
        language_code: str = "",
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[tuple[str, str]]:
        """The command list set for exactly this scope and language."""
        return list(self._commands.get((scope_type, chat_id, user_id, language_code), []))

    def menu_button(self, chat_id: int | None = None) -> dict[str, Any]:
        return self._menu_buttons.get(chat_id) or self._menu_buttons.get(None) or {"type": "default"}

    @api_method("getMe")
    async def _api_get_me(self, p: Params) -> dict[str, Any]:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    @staticmethod
    def _scope_key(p: Params) -> tuple[str, int | None, int | None, str]:
        scope = p.obj("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise ApiError(400, ERR_BAD_SCOPE)
        chat_id, user_id = scope.get("chat_id"), scope.get("user_id")
        return (
            scope["type"],
            int(chat_id) if chat_id is not None else None,
            int(user_id) if user_id is not None else None,
            p.text("language_code") or "",
        )

    @api_method("setMyCommands")
    async def _api_set_my_commands(self, p: Params) -> bool:
        key = self._scope_key(p)
        commands = p.obj("commands")
        if not isinstance(commands, list):
            raise ApiError(400, ERR_BAD_COMMANDS)
        parsed = []
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, ERR_BAD_COMMANDS)
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _COMMAND_NAME_RE.fullmatch(name):
                raise ApiError(400, ERR_COMMAND_INVALID)
            if not isinstance(description, str) or not description.strip():
                raise ApiError(400, ERR_COMMAND_DESCRIPTION_EMPTY)
            if len(description) > 256:
                raise ApiError(400, ERR_COMMAND_DESCRIPTION_INVALID)
            parsed.append((name, description))
        if parsed:
            self._commands[key] = parsed
        else:
            self._commands.pop(key, None)
        self._notify()
        return True

    @api_method("getMyCommands")
    async def _api_get_my_commands(self, p: Params) -> list[dict[str, str]]:
        commands = self._commands.get(self._scope_key(p), [])
        return [{"command": name, "description": description} for name, description in commands]

    @api_method("deleteMyCommands")
    async def _api_delete_my_commands(self, p: Params) -> bool:
        self._commands.pop(self._scope_key(p), None)
        self._notify()
        return True

    def _set_text(self, kind: str, p: Params) -> bool:
        value = p.text(kind) or ""
        if len(value) > BOT_TEXT_LIMITS[kind]:
            raise ApiError(400, ERR_TOO_LONG.format(kind.replace("_", " ")))
        language = p.text("language_code") or ""
        if value:
            self._texts[kind][language] = value
        else:
            self._texts[kind].pop(language, None)
        self._notify()
        return True

    @api_method("setMyDescription")
    async def _api_set_my_description(self, p: Params) -> bool:
        return self._set_text("description", p)

    @api_method("getMyDescription")
    async def _api_get_my_description(self, p: Params) -> dict[str, str]:
        return {"description": self.description(p.text("language_code") or "")}

    @api_method("setMyShortDescription")
    async def _api_set_my_short_description(self, p: Params) -> bool:
        return self._set_text("short_description", p)

    @api_method("getMyShortDescription")
    async def _api_get_my_short_description(self, p: Params) -> dict[str, str]:
        return {"short_description": self.short_description(p.text("language_code") or "")}

    @api_method("setMyName")
    async def _api_set_my_name(self, p: Params) -> bool:
        return self._set_text("name", p)

    @api_method("getMyName")
    async def _api_get_my_name(self, p: Params) -> dict[str, str]:
        return {"name": self.bot_name(p.text("language_code") or "")}

    @api_method("setChatMenuButton")
    async def _api_set_chat_menu_button(self, p: Params) -> bool:
        chat_id = p.integer("chat_id")
        if chat_id is not None and chat_id not in self._chats:
            raise ApiError(400, ERR_CHAT_NOT_FOUND)
        button = p.obj("menu_button")
        if isinstance(button, dict):
            self._menu_buttons[chat_id] = button
        else:
            self._menu_buttons.pop(chat_id, None)
        self._notify()
        return True

    @api_method("getChatMenuButton")
    async def _api_get_chat_menu_button(self, p: Params) -> dict[str, Any]:
        return self.menu_button(p.integer("chat_id"))

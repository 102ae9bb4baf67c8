"""Local Telegram Bot API emulator and a scripted user for tests and demos."""

from bot.emulator.driver import UserDriver
from bot.emulator.server import (
    ApiCall,
    ApiError,
    BotApiEmulator,
    CallbackAnswer,
    ChatMessage,
    EmulatorUsageError,
    FakeUser,
    UploadedFile,
    parse_html,
)

__all__ = [
    "ApiCall",
    "ApiError",
    "BotApiEmulator",
    "CallbackAnswer",
    "ChatMessage",
    "EmulatorUsageError",
    "FakeUser",
    "UploadedFile",
    "UserDriver",
    "parse_html",
]

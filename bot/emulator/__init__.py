"""Local Telegram Bot API emulator and a scripted user for tests and demos.

The package, by Bot API area:

- ``server.py``    -- :class:`BotApiEmulator`: the HTTP server (lifecycle, dispatch, recorded ``calls``, waiting
  helpers), composed from the parts below
- ``methods/``     -- the Bot API methods, one module per area: ``updates.py`` (getUpdates, webhook, logOut),
  ``messages.py`` (send/edit/delete messages, chat actions), ``callbacks.py`` (answerCallbackQuery),
  ``files.py`` (sendPhoto, sendDocument, getFile), ``profile.py`` (getMe, commands, description, name, menu
  button); ``base.py`` holds ``@api_method`` and the helpers they share
- ``chats.py``     -- the shared state: users, chats, messages, files, the update queue, and reading it
- ``users.py``     -- the simulated users: ``send_message``, ``send_photo``..., ``press_button``, ``block``
- ``faults.py``    -- Telegram's failures on demand: ``fail_next``, ``delay_next``, ``strike``, :data:`FAULTS`
- ``entities.py``  -- ``parse_html`` and the other message-entity rules; ``markup.py`` -- reply markup checks;
  ``params.py`` -- request parameters; ``errors.py`` -- ``ApiError`` and the Bot API's error texts
- ``driver.py``    -- :class:`UserDriver`, a person chatting with the bot, waiting for it after each action

**To add a Bot API method**, add one ``@api_method("methodName")`` coroutine to the class in the ``methods/``
module of its area (see ``methods/__init__.py``); nothing else needs registering.
"""

from bot.emulator.chats import ChatMessage, FakeUser
from bot.emulator.driver import UserDriver
from bot.emulator.entities import parse_html
from bot.emulator.errors import ApiError, EmulatorUsageError
from bot.emulator.faults import FAULTS
from bot.emulator.methods import CallbackAnswer
from bot.emulator.params import UploadedFile
from bot.emulator.server import ApiCall, BotApiEmulator

__all__ = [
    "FAULTS",
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

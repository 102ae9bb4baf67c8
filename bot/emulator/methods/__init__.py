"""The Bot API methods the emulator answers, one module per area, each method one ``@api_method`` function.

- ``updates.py``   -- getUpdates, setWebhook, deleteWebhook, getWebhookInfo, logOut, close
- ``messages.py``  -- sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage, sendChatAction
- ``callbacks.py`` -- answerCallbackQuery
- ``files.py``     -- sendPhoto, sendDocument, getFile
- ``profile.py``   -- getMe, set/get/deleteMyCommands, set/getMyDescription, set/getMyShortDescription,
  set/getMyName, set/getChatMenuButton
- ``base.py``      -- ``@api_method`` and the helpers every area shares (target chat, parse_mode, reply, send)

To add a method, add to the class of its area::

    @api_method("sendSticker")
    async def _api_send_sticker(self, p: Params) -> dict[str, Any]:
        chat = self._chat(p)
        ...
        return self._send(chat, p, kind="sticker", ...)

It is answered at once (names match case-insensitively, like Telegram's); raise ``ApiError(400, ERR_...)`` with a
text from ``errors.py`` for what Telegram refuses, and call ``self._notify()`` (or ``self._bump(chat, msg)`` for
a change in a chat) after changing state so that waiting tests wake up.  State of its own goes in the class's
``__init__(self, **kwargs)`` after ``super().__init__(**kwargs)``.
"""

from bot.emulator.methods.callbacks import CallbackAnswer, CallbackMethods
from bot.emulator.methods.files import FileMethods
from bot.emulator.methods.messages import MessageMethods
from bot.emulator.methods.profile import ProfileMethods
from bot.emulator.methods.updates import UpdateMethods

__all__ = [
    "CallbackAnswer",
    "CallbackMethods",
    "FileMethods",
    "MessageMethods",
    "ProfileMethods",
    "UpdateMethods",
]

"""Bot API errors: the exception carrying an error response, and Telegram's own wording of each error.

The texts are worded as the real Bot API words them, so a bot's error handling is tested against what it will
really see.  :class:`EmulatorUsageError` is different: it tells a *test* it asked for something a human could not
do (press a button that is not there, write to a bot they blocked).
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error response: HTTP status ``code`` and Telegram's ``description``."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.parameters = parameters


class EmulatorUsageError(RuntimeError):
    """Raised by the in-process user API when a test asks for something a human could not do."""


# Error descriptions, worded as the real Bot API words them.
ERR_UNAUTHORIZED = "Unauthorized"
ERR_NOT_FOUND = "Not Found"
ERR_BAD_BODY = "Bad Request: can't parse request body"
ERR_BAD_JSON_PARAM = "Bad Request: can't parse JSON in parameter {}"
ERR_BAD_INTEGER = 'Bad Request: field "{}" must be of type Integer'
ERR_CHAT_ID_EMPTY = "Bad Request: chat_id is empty"
ERR_CHAT_NOT_FOUND = "Bad Request: chat not found"
ERR_BOT_BLOCKED = "Forbidden: bot was blocked by the user"
ERR_TEXT_EMPTY = "Bad Request: message text is empty"
ERR_TEXT_TOO_LONG = "Bad Request: message is too long"
ERR_CAPTION_TOO_LONG = "Bad Request: message caption is too long"
ERR_CANT_PARSE_ENTITIES = "Bad Request: can't parse entities: {}"
ERR_UNSUPPORTED_PARSE_MODE = "Bad Request: unsupported parse_mode"
ERR_MESSAGE_ID_MISSING = "Bad Request: message identifier is not specified"
ERR_MESSAGE_TO_EDIT_NOT_FOUND = "Bad Request: message to edit not found"
ERR_MESSAGE_CANT_BE_EDITED = "Bad Request: message can't be edited"
ERR_NO_TEXT_TO_EDIT = "Bad Request: there is no text in the message to edit"
ERR_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
ERR_MESSAGE_TO_DELETE_NOT_FOUND = "Bad Request: message to delete not found"
ERR_REPLY_NOT_FOUND = "Bad Request: message to be replied not found"
ERR_BAD_MARKUP = "Bad Request: can't parse reply keyboard markup JSON object"
ERR_INLINE_KEYBOARD_EXPECTED = "Bad Request: inline keyboard expected"
ERR_BUTTON_TEXT_MISSING = "Bad Request: can't parse inline keyboard button: Can't find field \"text\""
ERR_BUTTON_TEXT_INVALID = "Bad Request: BUTTON_TEXT_INVALID"
ERR_TEXT_BUTTONS_UNALLOWED = (
    "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
)
ERR_BUTTON_TYPE_AMBIGUOUS = (
    "Bad Request: can't parse inline keyboard button: exactly one of the optional fields must be used"
)
ERR_BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
ERR_BUTTON_URL_INVALID = "Bad Request: BUTTON_URL_INVALID"
ERR_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
ERR_ANSWER_TOO_LONG = "Bad Request: MESSAGE_TOO_LONG"
ERR_CONFLICT_POLLING = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
ERR_CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
ERR_WEBHOOK_SECRET = "Bad Request: secret token contains unallowed characters"
ERR_WRONG_ACTION = "Bad Request: wrong parameter action in request"
ERR_NO_FILE = "Bad Request: there is no {} in the request"
ERR_WRONG_FILE_ID = "Bad Request: wrong file identifier/HTTP URL specified"
ERR_INVALID_FILE_ID = "Bad Request: invalid file_id"
ERR_COMMAND_INVALID = "Bad Request: BOT_COMMAND_INVALID"
ERR_COMMAND_DESCRIPTION_EMPTY = "Bad Request: command description must be non-empty"
ERR_COMMAND_DESCRIPTION_INVALID = "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"
ERR_BAD_COMMANDS = "Bad Request: can't parse BotCommand JSON object"
ERR_BAD_SCOPE = "Bad Request: can't parse BotCommandScope JSON object"
ERR_TOO_LONG = "Bad Request: {} is too long"
ERR_TOO_MANY_REQUESTS = "Too Many Requests: retry after {}"

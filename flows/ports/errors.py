"""What a port raises: storage that cannot take a write now, an update already handled."""

from __future__ import annotations


class StorageUnavailable(Exception):
    """Storage cannot take a write just now (disk full, database read-only or locked, I/O error).

    Raised by storage implementations instead of their own errors, after rolling back, so that nothing partial is
    written; the respondent is told to try again shortly.  The message says what is wrong, for the operator's log.
    """


class AlreadyHandled(Exception):
    """This Telegram update was recorded before (Telegram delivered it again): nothing was changed this time.

    Raised by a store's writes that take an ``update_id`` when that update already changed something; the update id
    is recorded in the same transaction as the change it made, so an update changes state at most once."""

    def __init__(self, update_id: int | None):
        super().__init__(f"update {update_id} was handled before")
        self.update_id = update_id

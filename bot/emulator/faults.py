"""Telegram's failures on demand: a per-method schedule of faults that the HTTP dispatcher consults on every call.

``fail_next`` answers a call with an error (and does nothing), ``delay_next`` carries it out but answers too late,
``strike`` picks one of Telegram's real faults by name (:data:`FAULTS`).  Each can wait for the Nth call.
``limit_messages`` enforces Telegram's flood limit on new messages: beyond N a second, 429 with ``retry_after``.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from bot.emulator.errors import ERR_BOT_BLOCKED, ERR_TOO_MANY_REQUESTS, ApiError, EmulatorUsageError

FAULTS = ("429", "500", "timeout", "403")
"""The faults ``BotApiEmulator.strike`` injects, as Telegram really fails."""

MESSAGE_METHODS = frozenset(
    m.lower()
    for m in (
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendSticker",
        "sendMediaGroup",
        "sendAnimation",
        "sendAudio",
        "sendVoice",
        "sendVideo",
        "sendVideoNote",
        "sendLocation",
        "sendContact",
        "sendPoll",
        "sendDice",
        "copyMessage",
        "forwardMessage",
    )
)
"""Methods that put a new message in a chat: what Telegram's overall limit of about 30 a second counts."""


@dataclass
class Fault:
    """One scheduled fault of a method: let ``skip`` calls through first, then either answer with ``error`` (and
    do nothing) or carry the call out and hold the answer back ``delay`` seconds (a timeout after delivery)."""

    skip: int
    error: ApiError | None = None
    delay: float = 0.0


class FaultSchedule:
    """The fault-injection controls of :class:`~bot.emulator.server.BotApiEmulator`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._faults: dict[str, deque[Fault]] = {}
        self._flood_limit: int | None = None
        self._flood_window = 1.0
        self._flood_log: deque[float] = deque()  # monotonic times of the new messages accepted in the window
        self.flood_refusals = 0
        """How many calls the flood limit refused with 429 (``limit_messages``)."""

    def limit_messages(self, per_second: int | None = 30, *, window: float = 1.0) -> None:
        """Enforce Telegram's overall flood limit strictly: a new message (:data:`MESSAGE_METHODS`) arriving when
        ``per_second`` were already accepted in the last ``window`` seconds is refused with 429 and ``retry_after``
        (whole seconds, as Telegram gives it) and not delivered.  ``None`` lifts the limit.  Edits and button
        answers are not counted."""
        self._flood_limit = per_second
        self._flood_window = window
        self._flood_log.clear()
        self.flood_refusals = 0

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str = "",
        *,
        retry_after: int | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Make ``times`` calls of ``method`` fail with this error (and do nothing), after letting ``after`` calls
        through normally (``after=2``: the third call fails).

        Without ``description``, 429 gets "Too Many Requests: retry after N", others the
        HTTP reason phrase; ``retry_after`` is sent as ``parameters.retry_after``.
        """
        if not description:
            description = (
                ERR_TOO_MANY_REQUESTS.format(retry_after)
                if error_code == HTTPStatus.TOO_MANY_REQUESTS and retry_after is not None
                else HTTPStatus(error_code).phrase
            )
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        self._schedule(
            method, after, [Fault(0, error=ApiError(error_code, description, parameters)) for _ in range(times)]
        )

    def delay_next(self, method: str, seconds: float, *, times: int = 1, after: int = 0) -> None:
        """Carry out ``times`` calls of ``method`` (after ``after`` normal ones) but answer each only ``seconds``
        later: a client whose read timeout is shorter sees a timeout although the message was delivered."""
        self._schedule(method, after, [Fault(0, delay=seconds) for _ in range(times)])

    def strike(self, method: str, fault: str, *, after: int = 0, retry_after: int = 5, hold: float = 2.0) -> None:
        """One of Telegram's real faults on call number ``after + 1`` of ``method``: ``"429"`` (flood control with
        ``retry_after``), ``"500"``, ``"403"`` (the user blocked the bot), or ``"timeout"`` (carried out, but
        answered only after ``hold`` seconds: a timeout after delivery for a bot with a shorter read timeout)."""
        match fault:
            case "429":
                self.fail_next(method, 429, retry_after=retry_after, after=after)
            case "500":
                self.fail_next(method, 500, after=after)
            case "403":
                self.fail_next(method, 403, ERR_BOT_BLOCKED, after=after)
            case "timeout":
                self.delay_next(method, hold, after=after)
            case _:
                raise EmulatorUsageError(f"unknown fault {fault!r}: one of {', '.join(FAULTS)}")

    def pending_faults(self, method: str) -> int:
        """How many scheduled faults of ``method`` have not struck yet."""
        return len(self._faults.get(method.lower(), ()))

    def clear_faults(self) -> None:
        """Forget every scheduled fault."""
        self._faults.clear()

    def _schedule(self, method: str, after: int, faults: list[Fault]) -> None:
        if after < 0 or not faults:
            raise EmulatorUsageError("after must be >= 0 and times >= 1")
        faults[0].skip = after
        self._faults.setdefault(method.lower(), deque()).extend(faults)

    def _take_fault(self, method: str) -> Fault | None:
        """The fault striking this call of ``method``, if any (the dispatcher asks once per call): a scheduled one
        first, then the flood limit."""
        queue = self._faults.get(method.lower())
        if queue:
            if queue[0].skip == 0:
                return queue.popleft()
            queue[0].skip -= 1
        return self._flood_check(method)

    def _flood_check(self, method: str) -> Fault | None:
        """429 for a new message beyond the flood limit; otherwise count it (it will be delivered)."""
        if self._flood_limit is None or method.lower() not in MESSAGE_METHODS:
            return None
        now = time.monotonic()
        log = self._flood_log
        while log and log[0] <= now - self._flood_window:
            log.popleft()
        if len(log) >= self._flood_limit:
            self.flood_refusals += 1
            wait = max(1, math.ceil(log[0] + self._flood_window - now))
            return Fault(
                0,
                error=ApiError(HTTPStatus.TOO_MANY_REQUESTS, ERR_TOO_MANY_REQUESTS.format(wait), {"retry_after": wait}),
            )
        log.append(now)
        return None

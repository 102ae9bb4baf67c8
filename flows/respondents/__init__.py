"""The respondents' use cases, one small interactor each: turn a respondent's action into stored answers and the
screens to show next.

They own the rules around the engine — invite links, campaign dates, the first-contact steps (language, then the
privacy notice), commands and withdrawal — and talk to storage only through ``RespondentStore`` and to time only
through ``Clock``.  ``bot/`` calls one interactor per kind of update and sends the ``Reply`` it gets back:

==================  =========================================================================================
``start``           ``/start``, with an invite link or without (``start.py``)
``press``           any button, decided once and handed to ``answer``, ``back``, ``review``, ``language``,
                    ``notice``, ``results``, ``reminders`` or ``withdraw`` (``buttons.py``)
``answer``          a typed answer (and, through ``press``, an answer's button) (``answer.py``)
``command``         ``/help``, ``/resume``, ``/review``, ``/language``, ``/privacy``, ``/withdraw`` (``commands.py``)
``unsupported``     a sticker, photo, file ...; ``edited``: an edited message (``other_messages.py``)
``forget_updates``  the hourly forgetting of handled updates (``flows.once``)
==================  =========================================================================================

What they share: the screens (where a respondent is now, the language question, the notice: ``screens.py``) and
one input through the engine (``questions.py``).

A respondent is always at exactly one of these steps, derived from the database:
language not chosen → privacy notice not yet read → questions (engine) → submitted.

Every button a respondent is shown carries the invitation it was shown for (``flows.callbacks``), and acts on that
invitation only: an old message can never answer for another invitation of the same person, and one Telegram
account can bind only one invitation per campaign.  When storage cannot take a write (``StorageUnavailable``) the
person is told to try again shortly and nothing is changed.  Each Telegram update is decided once (``flows.once``).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flows.access_log import AccessLog
from flows.i18n import Catalogue
from flows.model import Questionnaire
from flows.notice import Notice
from flows.once import ForgetUpdates
from flows.ports.clock import Clock
from flows.ports.respondents import RespondentStore
from flows.ports.retention import ReportOutputs
from flows.respondents.answer import Answer
from flows.respondents.back import GoBack
from flows.respondents.buttons import Press
from flows.respondents.commands import Command
from flows.respondents.language import ChooseLanguage
from flows.respondents.notice import ReadNotice
from flows.respondents.other_messages import Edited, Unsupported
from flows.respondents.questions import Questions
from flows.respondents.reminder_choice import ReminderChoice
from flows.respondents.results_choice import ChooseResults
from flows.respondents.review import ReviewAnswers
from flows.respondents.screens import Screens
from flows.respondents.start import Start
from flows.respondents.withdraw import Withdraw

__all__ = ["Respondents"]


class Respondents:
    """The respondents' interactors, each built once with only the collaborators it needs (by the composition root,
    ``bot/services.py``, and by tests on an in-memory store).  It holds them and does nothing else."""

    def __init__(
        self,
        store: RespondentStore,
        clock: Clock,
        questionnaires: dict[str, Questionnaire],
        catalogue: Catalogue,
        zone: ZoneInfo,
        notice: Notice,
        outputs: ReportOutputs | None = None,
        access: AccessLog | None = None,
    ):
        screens = Screens(store, clock, questionnaires, catalogue, zone, notice)
        questions = Questions(screens, store)
        self.store = store
        self.screens = screens
        self.start = Start(screens, store)
        self.answer = Answer(screens, questions, store)
        self.back = GoBack(questions)
        self.review = ReviewAnswers(screens, questions)
        self.language = ChooseLanguage(screens, store)
        self.notice = ReadNotice(screens, questions, store)
        self.results = ChooseResults(screens, store)
        self.reminders = ReminderChoice(screens, store)
        self.withdraw = Withdraw(store, clock, catalogue, outputs, access)
        """Withdrawing, with the rebuild of stored reports and the access log's count (``access``)."""
        self.press = Press(
            screens,
            store,
            answer=self.answer,
            back=self.back,
            review=self.review,
            language=self.language,
            notice=self.notice,
            results=self.results,
            reminders=self.reminders,
            withdraw=self.withdraw,
        )
        self.command = Command(screens, store, review=self.review, language=self.language, withdraw=self.withdraw)
        self.unsupported = Unsupported(screens, store)
        self.edited = Edited(screens, store)
        self.forget_updates = ForgetUpdates(store, clock)

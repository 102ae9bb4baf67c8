"""The ports of the use cases: every Protocol an adapter implements for ``flows`` (the SQLite stores of ``storage``,
the Telegram messenger and poster of ``bot``, the report compiler, the backup folder), one module per aggregate:

- ``errors``: what a port raises (storage that cannot take a write now, an update already handled);
- ``clock``: the time, given to the use cases (which never read it themselves), and the one settable clock;
- ``respondents``: an invitation as the use cases read it and the respondent store (answers, choices, withdrawal,
  the ledger of handled updates);
- ``campaigns``, ``auditors``, ``results``, ``completion``, ``retention``, ``access_log``, ``backups``,
  ``reminders``, ``fieldwork``: the stores and services of each.

Nothing here is implemented: the adapters satisfy these shapes, and tests may pass any object of the same shape.
Two structural types stay beside the decorators that use them (``flows.once.Current``/``Deciding``,
``flows.respondents.screens.ShowsScreens``: what an interactor offers a decorator, not a port to the outside), and
the question types' own ``QuestionLike`` shapes stay in ``flows.questions.base``.
"""

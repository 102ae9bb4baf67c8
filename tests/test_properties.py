"""Property-based tests (issue 9): random conversations through the respondents' interactors on an in-memory store.

Two or three people share one campaign (two invitations per role).  Each step, one of them opens their own link,
someone else's, a spare one (a second link in the same campaign) or a made-up one; presses a button of the latest
screen they were shown, of an older message (a stale button), of a screen an edit has since replaced (a double
tap, or an edit that never arrived), or forged callback data (random text, mutations of real payloads, other
people's payloads); types any Unicode at all (controls, lone surrogates, 10 000 characters); sends a command, an
unknown command, a sticker or an edit; withdraws.  Now and then storage refuses writes for one step.  Payloads are
only ever taken from rendered screens (and mutated): nothing here builds one by hand, so the test follows the
payload format wherever it goes.

After every step (``Respondents.act``):

1. no exception escapes the service;
2. every reply gives the person something (for a button press: an edit, a new message or a toast; otherwise a new
   message), every screen is valid Telegram HTML (``bot.emulator.parse_html``) of at most 4096 characters with
   visible text, every button has a label and callback data of at most 64 bytes, every toast fits 200 characters;
3. the service only reads the answers of invitations bound to the person acting;
4. while storage fails, nothing at all changes;
5. an invitation is bound only by its own /start and unbound only by its person's withdrawal; nobody holds two
   invitations of one campaign;
6. every question id stored for an invitation was shown to the person it is bound to, as a question screen rendered
   for that invitation; stored values are valid (an option of the question, or cleaned text within the limit:
   no control character but newline and tab, no lone surrogate, not empty);
7. an answer is never lost: a stored value changes only by an action of the person it belongs to, on that question:
   a press of a button they were shown on that question's screen for that invitation (never a forged one); a typed
   answer only while a message of their chat shows that question; a typed answer is never replaced by a
   button on a screen rendered before it was typed; nothing changes after submission; answers disappear only by
   their person's confirmed withdrawal (any press of the withdraw-yes button: it acts on the presser's own account
   only, so where its callback data came from does not matter);
8. nobody is stuck — see ``Respondents.stuck`` for the predicate.

The people, their chats and the strategies are in tests/respondent_model.py, the store in tests/memory_store.py
(kept honest against SQLite by tests/test_memory_store.py), and what these properties found, replayed as plain
examples, in tests/test_properties_found.py.
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from flows import callbacks, engine, respondents
from flows.callbacks import Action
from flows.model import Questionnaire
from flows.ports.respondents import Invitation
from flows.questions.text import TextQuestion
from flows.render import MAX_TEXT, Screen
from flows.replies import Reply, RespondentCommand, Who
from tests.conftest import FakeClock
from tests.memory_store import MemoryStore
from tests.respondent_model import (
    ANY_CHARACTER,
    AUTHORITY,
    BAD_CHARACTER,
    CALLBACK_BYTES,
    CATALOGUE,
    COMMANDS,
    COMMENTS,
    LANGUAGE_CODES,
    NOTICE,
    OPTIONS,
    QUESTIONNAIRES,
    ROLES,
    START_PAYLOADS,
    TOAST_CHARS,
    TOKENS,
    TYPED,
    USER_IDS,
    ZONE,
    Person,
    Shown,
    classify,
    done,
    is_withdraw_yes,
    mutated,
    visible_text,
)


@pytest.fixture(autouse=True)
def _quiet_service() -> Iterator[None]:
    """The service logs every refused write and refused link: thousands of examples would bury a failure report."""
    logger = logging.getLogger("flows")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


class Respondents(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.clock = FakeClock()
        today = self.clock.now().astimezone(ZONE).date()
        self.store = MemoryStore()
        seeded = self.store.seed_campaign(
            AUTHORITY,
            today - timedelta(days=3),
            today + timedelta(days=20),
            self.clock.now(),
            per_role={role: 2 for role in ROLES},
            tokens={role: [t for t in TOKENS if t.startswith(role)] for role in ROLES},
        )
        self.invitation_ids = [i for role in ROLES for i in seeded.invitation_ids[role]]
        self.service = respondents.Respondents(self.store, self.clock, QUESTIONNAIRES, CATALOGUE, ZONE, NOTICE)
        self.people: list[Person] = []
        self.spare: list[str] = []
        self.seq = 0
        self.fail_next = False
        self.changed_at: dict[tuple[int, str], int] = {}  # (invitation, question) -> step of the last change

    def teardown(self) -> None:
        self.loop.close()

    # ---- setting up ----------------------------------------------------------------------------------------------

    @initialize(
        count=st.integers(2, 3),
        order=st.permutations(range(len(TOKENS))),
        languages=st.lists(st.sampled_from(LANGUAGE_CODES), min_size=3, max_size=3),
        head_start=st.lists(st.just(0) | st.integers(1, 30), min_size=3, max_size=3),
    )
    def people_with_links(
        self, count: int, order: list[int], languages: list[str | None], head_start: list[int]
    ) -> None:
        """Who holds which link; some of them have already opened it, chosen a language, started and answered a
        number of questions in an earlier session whose messages they have since cleared (the answers are stored
        as the engine would store them), then sent /resume: so that short examples reach the later questions, the
        review and submission."""
        for n in range(count):
            uid = USER_IDS[n]
            self.people.append(Person(Who(uid, uid, languages[n]), TOKENS[order[n]]))
        self.spare = [TOKENS[i] for i in order[count:]]
        for n, answered in enumerate(head_start[:count]):
            if answered:
                p = self.people[n]
                self.act(p, self.service.start(p.who, p.own), kind="start", start_payload=p.own)
                self.answer_on(p, 2, pick=answered, skip=False)  # the language, then Start under the notice
                self.answered_before(p, answered)
                p.chat.clear()  # the earlier session's messages are gone: nothing of them can be pressed
                p.history.clear()
                self.act(p, self.service.command(p.who, RespondentCommand.RESUME.value), kind="command")

    def answered_before(self, p: Person, count: int) -> None:
        """``count`` questions answered in order, through the engine, straight into the store."""
        invitation = self.invitation_ids[TOKENS.index(p.own)]
        row = self.store.invitations[invitation]
        qn = QUESTIONNAIRES[row.role]
        for n in range(count):
            state = engine.State(self.store.stored_answers(invitation), row.cursor)
            prompt = engine.prompt_for(qn, state)
            if not isinstance(prompt, engine.QuestionPrompt):
                break
            question = prompt.question
            if question.type != TextQuestion.name:
                options = qn.option_ids(question)
                event: engine.Input = engine.Choose(question.id, options[(count + n) % len(options)])
            else:
                event = engine.Skip(question.id) if n % 2 else engine.Write(f"{COMMENTS[n % len(COMMENTS)]} {n}")
            step = engine.step(qn, state, event, self.clock.now())
            assert step.ok, step
            done(self.store.record(invitation, step.save, step.cursor, self.clock.now()))
            p.shown.setdefault(invitation, set()).add(question.id)

    def person(self, n: int) -> Person:
        return self.people[n % len(self.people)]

    # ---- actions -------------------------------------------------------------------------------------------------

    @rule(
        n=st.integers(0, 2),
        which=st.sampled_from(["own", "own", "other", "spare", "random", "bare"]),
        pick=st.integers(0, 3),
        data=st.data(),
    )
    def open_link(self, n: int, which: str, pick: int, data: st.DataObject) -> None:
        p = self.person(n)
        others = [q.own for q in self.people if q is not p]
        match which:
            case "own":
                payload: str | None = p.own
            case "other":
                payload = others[pick % len(others)]
            case "spare":
                payload = self.spare[pick % len(self.spare)]
            case "random":
                payload = data.draw(START_PAYLOADS)
            case _:
                payload = None
        self.act(p, self.service.start(p.who, payload), kind="start", start_payload=payload)

    @rule(n=st.integers(0, 2), pick=st.integers(0, 63))
    def press_latest(self, n: int, pick: int) -> None:
        p = self.person(n)
        if (screen := p.latest_with_buttons()) is not None:
            self.press(p, screen.payloads[pick % len(screen.payloads)], screen)

    @rule(n=st.integers(0, 2), which=st.integers(0, 10_000), pick=st.integers(0, 63))
    def press_older(self, n: int, which: int, pick: int) -> None:
        """A button of an older message still in the chat (a stale button)."""
        p = self.person(n)
        with_buttons = [m for m in p.chat if m.screen.buttons]
        if with_buttons:
            screen = with_buttons[which % len(with_buttons)]
            self.press(p, screen.payloads[pick % len(screen.payloads)], screen)

    @rule(n=st.integers(0, 2), which=st.integers(0, 10_000), pick=st.integers(0, 63))
    def press_replaced(self, n: int, which: int, pick: int) -> None:
        """A button of any screen the person was ever shown, even one an edit has replaced since: a double tap, or
        a tap on a message whose edit never reached them."""
        p = self.person(n)
        with_buttons = [s for s in p.history if s.screen.buttons]
        if with_buttons:
            screen = with_buttons[which % len(with_buttons)]
            self.press(p, screen.payloads[pick % len(screen.payloads)], screen)

    @rule(n=st.integers(0, 2), data=st.data())
    def press_forged(self, n: int, data: st.DataObject) -> None:
        p = self.person(n)
        everyone = sorted({d for q in self.people for s in q.history for d in s.payloads})
        theirs = sorted({d for q in self.people if q is not p for s in q.history for d in s.payloads})
        kinds = ["random"] + ["mutated"] * bool(everyone) + ["theirs"] * bool(theirs)
        match data.draw(st.sampled_from(kinds)):
            case "random":
                payload = data.draw(st.text(ANY_CHARACTER, max_size=80) | st.sampled_from(["", ":", "~", "a::"]))
            case "mutated":
                payload = data.draw(mutated(data.draw(st.sampled_from(everyone))))
            case _:
                payload = data.draw(st.sampled_from(theirs))
        mine = [s for s in p.history if payload in s.payloads]
        self.press(p, payload, mine[-1] if mine else None)  # a "forgery" that equals a button they saw is a press

    @rule(n=st.integers(0, 2), text=TYPED)
    def type_text(self, n: int, text: str) -> None:
        p = self.person(n)
        self.act(p, self.service.answer(p.who, text), kind="write", typed=text)

    @rule(n=st.integers(0, 2), name=COMMANDS)
    def command(self, n: int, name: str) -> None:
        p = self.person(n)
        self.act(p, self.service.command(p.who, name), kind="command")

    @rule(n=st.integers(0, 2), edited=st.booleans())
    def something_else(self, n: int, edited: bool) -> None:
        p = self.person(n)
        self.act(p, self.service.edited(p.who) if edited else self.service.unsupported(p.who), kind="other")

    @rule(
        n=st.integers(0, 2),
        steps=st.integers(1, 30),
        pick=st.integers(0, 63),
        skip=st.booleans(),
        comment=st.sampled_from(COMMENTS),
    )
    def carry_on(self, n: int, steps: int, pick: int, skip: bool, comment: str) -> None:
        self.answer_on(self.person(n), steps, pick=pick, skip=skip, comment=comment)

    def answer_on(self, p: Person, steps: int, *, pick: int, skip: bool, comment: str = COMMENTS[0]) -> None:
        """Answer on: the way a real person gets through the questionnaire to the review and submission."""
        for _ in range(steps):
            screen = p.latest_with_buttons()
            if screen is None:
                return
            by_action: dict[Action, list[str]] = {}
            for data in screen.payloads:
                if (cb := callbacks.decode(data)) is not None:
                    by_action.setdefault(cb.action, []).append(data)
            if Action.ANSWER in by_action:
                self.press(p, by_action[Action.ANSWER][pick % len(by_action[Action.ANSWER])], screen)
            elif screen.kind == "question" and skip and Action.SKIP in by_action:
                self.press(p, by_action[Action.SKIP][0], screen)
            elif screen.kind == "question":
                typed = f"{comment} ({self.seq})"
                self.act(p, self.service.answer(p.who, typed), kind="write", typed=typed)
            elif Action.SUBMIT in by_action:
                self.press(p, by_action[Action.SUBMIT][0], screen)
            elif screen.kind == "review":
                self.press(p, screen.payloads[-1], screen)  # Continue: the first unanswered question
            elif Action.LANGUAGE in by_action or Action.CONSENT in by_action:
                self.press(p, (by_action.get(Action.CONSENT) or by_action[Action.LANGUAGE])[0], screen)
            else:
                return

    @rule(n=st.integers(0, 2), pick=st.integers(0, 63))
    def withdraw(self, n: int, pick: int) -> None:
        """/withdraw, then one of the buttons it shows (yes or no)."""
        p = self.person(n)
        self.act(p, self.service.command(p.who, RespondentCommand.WITHDRAW.value), kind="command")
        if (screen := p.chat[-1]).screen.buttons:
            self.press(p, screen.payloads[pick % len(screen.payloads)], screen)

    @rule()
    def storage_fails_next(self) -> None:
        self.fail_next = True

    # ---- one step and its checks ---------------------------------------------------------------------------------

    def press(self, p: Person, payload: str, screen: Shown | None) -> None:
        """``screen``: the screen the button was on, or None for forged callback data.

        A doctored client can attach forged data to any message of the chat, and a forgery that is well-formed and
        owned by nobody (the withdraw confirmation's "no", say) cannot be told from a real press: whatever message
        it lands on is edited as the press asks.  So a forgery lands on the last message WITHOUT buttons (or on
        none): the checks then judge what the service answers, not which message a forger chose to overwrite.
        """
        if screen is not None:
            target: int | None = screen.message
        else:
            target = next((m.message for m in reversed(p.chat) if not m.screen.buttons), None)
        self.act(p, self.service.press(p.who, payload), kind="press", payload=payload, pressed=screen, target=target)

    def owners(self) -> dict[int, int | None]:
        return {i: row.telegram_user_id for i, row in self.store.invitations.items()}

    def answers(self) -> dict[int, dict[str, str | None]]:
        return {i: self.store.stored_answers(i) for i in self.invitation_ids}

    def act(
        self,
        p: Person,
        call,
        *,
        kind: str,
        payload: str | None = None,
        pressed: Shown | None = None,
        target: int | None = None,
        start_payload: str | None = None,
        typed: str = "",
    ) -> None:
        failing, self.fail_next = self.fail_next, False
        owners_before, answers_before = self.owners(), self.answers()
        submitted_before = set(self.store.submissions)
        where_before = {i: p.where(i) for i in self.invitation_ids} if kind == "write" else {}
        snapshot = self.store.snapshot() if failing else None
        self.store.answer_reads.clear()
        self.store.fail_writes = failing
        try:
            reply: Reply = self.loop.run_until_complete(call)  # 1. an exception here fails the test
        finally:
            self.store.fail_writes = False
        self.seq += 1
        uid = p.who.user_id
        owners_after = self.owners()
        mine = {i for i, o in owners_before.items() if o == uid} | {i for i, o in owners_after.items() if o == uid}
        reads = set(self.store.answer_reads)

        # 2. something for the person, and only what Telegram accepts
        self.check_reply(reply, pressed=kind == "press")
        # 3. nobody else's answers are read
        assert reads <= mine, f"read the answers of invitations {reads - mine}, not bound to {uid}"
        # 4. a failing store changes nothing
        if snapshot is not None:
            assert self.store.snapshot() == snapshot, "a failed write left something behind"

        self.show(p, reply, target if kind == "press" else None, reads & mine)

        # 5. bindings change only by one's own /start and one's own withdrawal
        for i in self.invitation_ids:
            before, after = owners_before[i], owners_after[i]
            if before == after:
                continue
            if before is None:
                assert after == uid and kind == "start" and start_payload is not None, (
                    f"invitation {i} bound to {after} by a {kind} of {uid}"
                )
                assert start_payload in TOKENS and self.invitation_ids[TOKENS.index(start_payload)] == i, (
                    f"invitation {i} bound by /start {start_payload!r}"
                )
            else:
                assert before == uid and after is None and kind == "press" and is_withdraw_yes(payload), (
                    f"invitation {i} of {before} unbound by a {kind} of {uid}"
                )
        held = [i for i in self.invitation_ids if owners_after[i] == uid]
        assert len(held) == len({self.store.invitations[i].campaign_id for i in held}), (
            f"{uid} holds invitations {held} of one campaign: one person, one response"
        )

        # 7. an answer is never lost
        answers_after = self.answers()
        for i in self.invitation_ids:
            old, new = answers_before[i], answers_after[i]
            if old == new:
                continue
            assert owners_before[i] == uid, (
                f"{kind} of {uid} changed the answers of invitation {i} ({owners_before[i]})"
            )
            if set(old) - set(new):
                assert not new and kind == "press" and is_withdraw_yes(payload), (
                    f"answers of invitation {i} deleted by a {kind}: {sorted(set(old) - set(new))}"
                )
                continue
            assert i not in submitted_before, f"answers of submitted invitation {i} changed"
            for q in {q for q in new if q not in old or old[q] != new[q]}:
                self.check_change(i, q, old, new, kind, pressed, where_before.get(i, set()), typed)
                self.changed_at[(i, q)] = self.seq

        self.check_stored(
            {
                i
                for i in self.invitation_ids
                if owners_before[i] != owners_after[i]
                or answers_before[i] != answers_after[i]
                or (i in submitted_before) != (i in self.store.submissions)
            }
        )  # 6.
        stuck = self.stuck(p)  # 8.
        assert stuck is None, stuck

    def check_change(
        self,
        i: int,
        q: str,
        old: dict,
        new: dict,
        kind: str,
        pressed: Shown | None,
        where: set[tuple[str, str | None]],
        typed: str = "",
    ) -> None:
        what = f"answer {q!r} of invitation {i}: {old.get(q, '(none)')!r} -> {new[q]!r} by a {kind}"
        question = self.questionnaire(i).question(q)
        assert question is not None, what
        if kind == "write":
            assert new[q] is not None, what
            if question.type != TextQuestion.name:  # a typed answer at a button question: exactly an option
                qn = self.questionnaire(i)
                assert new[q] in {qn.kind(question).parse_text(typed, lang) for lang in qn.languages}, (
                    f"{what}: typed {typed!r}"
                )
            assert ("question", q) in where, f"{what}, while their screen showed {where}"
            return
        assert kind == "press", what
        assert pressed is not None, f"{what}: a forged button changed an answer"
        assert pressed.kind == "question" and pressed.question == q and i in pressed.owners, (
            f"{what}: the button was on a screen of {pressed.question!r} for {set(pressed.owners)}"
        )
        if question.type == TextQuestion.name and old.get(q) is not None:
            assert pressed.seq > self.changed_at.get((i, q), 0), (
                f"{what}: the button was on a screen shown before the typed answer was stored"
            )

    def check_reply(self, reply: Reply, *, pressed: bool) -> None:
        if pressed:
            assert reply.send or reply.edit is not None or reply.toast, f"a button press answered with nothing: {reply}"
        else:
            assert reply.send, f"nothing sent in reply to a message: {reply}"  # an edit or a toast needs a button
        if reply.toast is not None:
            assert 0 < len(reply.toast) <= TOAST_CHARS, f"toast of {len(reply.toast)} characters"
        for screen in (*reply.send, *([reply.edit] if reply.edit is not None else [])):
            assert len(screen.text) <= MAX_TEXT, f"screen of {len(screen.text)} characters"
            assert visible_text(screen.text).strip(), f"a screen with no visible text: {screen.text!r}"
            for row in screen.buttons:
                assert row, "an empty row of buttons"
                for button in row:
                    assert button.label.strip(), f"a button without a label: {button}"
                    assert 0 < len(button.data.encode()) <= CALLBACK_BYTES, f"callback data too long: {button.data!r}"

    def show(self, p: Person, reply: Reply, target: int | None, owners: set[int]) -> None:
        def shown(screen: Screen, message: int) -> Shown:
            kind, question = classify(screen)
            rendered_for = frozenset(owners) if kind in ("question", "review") else frozenset()
            if kind == "question" and question is not None:
                for i in rendered_for:
                    p.shown.setdefault(i, set()).add(question)
            return Shown(self.seq, message, screen, kind, question, rendered_for)

        if reply.edit is not None and target is not None:
            p.chat[target] = shown(reply.edit, target)
            p.history.append(p.chat[target])
        for screen in reply.send:
            p.chat.append(shown(screen, len(p.chat)))
            p.history.append(p.chat[-1])

    def questionnaire(self, invitation_id: int) -> Questionnaire:
        return QUESTIONNAIRES[self.store.invitations[invitation_id].role]

    def check_stored(self, invitations: set[int]) -> None:
        """Checks the invitations a step changed (the others still pass: what was shown only ever grows)."""
        by_user = {q.who.user_id: q for q in self.people}
        for i in sorted(invitations):
            owner, stored = self.store.invitations[i].telegram_user_id, self.store.stored_answers(i)
            if owner is None:
                assert not stored and i not in self.store.submissions, f"unbound invitation {i} holds answers"
                continue
            not_shown = set(stored) - by_user[owner].shown.get(i, set())
            assert not not_shown, f"invitation {i} holds answers to {sorted(not_shown)}, never shown to {owner}"
            qn = self.questionnaire(i)
            for q, value in stored.items():
                question = qn.question(q)
                assert question is not None, f"unknown question {q!r} stored"
                if value is None:
                    assert question.optional, f"{q!r} skipped but not optional"
                elif question.type == TextQuestion.name:
                    assert not BAD_CHARACTER.search(value), f"{q!r} stored with a control character: {value[:80]!r}"
                    assert value.strip() and len(value) <= question.max_length, f"{q!r} stored {len(value)} chars"
                    assert unicodedata.is_normalized("NFC", value), f"{q!r} stored not NFC-normalised"
                else:
                    assert value in OPTIONS[qn.id][q], f"{q!r} stored {value!r}, not one of its options"

    def stuck(self, p: Person) -> str | None:
        """Why the person cannot go on, or None.

        A person is never stuck when they have no invitation (a link is what they need), have submitted, or their
        campaign is not open: there is nothing for them to do.  Otherwise they are at one step, and their chat must
        show that step with its buttons, so that they can act without knowing any command:

        - language not chosen yet: a message with the language buttons;
        - privacy notice not read yet: a message with its Start button;
        - questions: some message of their chat shows, as it is now, the question the engine has them on
          (``engine.prompt_for`` with the stored answers and cursor; for a text question too: otherwise what they
          type lands in a question they cannot see), or the review when they are there.  A screen without buttons
          (help, the privacy notice, "nothing was deleted", "try again") is fine while the question is still on
          their screen above it; an edit that replaces the only message showing their question with anything
          else is not.
        """
        invitation: Invitation | None = done(self.store.invitation_for_user(p.who.user_id))
        if invitation is None or invitation.submitted or invitation.closed:
            return None
        today = self.clock.now().astimezone(ZONE).date()
        if not invitation.opens_on <= today <= invitation.closes_on:
            return None
        kinds = {m.kind for m in p.chat}
        if invitation.language is None:
            return None if "language" in kinds else f"{p.who.user_id} must choose a language but has no buttons for it"
        if not invitation.notice_seen:
            return None if "notice" in kinds else f"{p.who.user_id} must read the notice but has no Start button"
        qn = QUESTIONNAIRES[invitation.role]
        state = engine.State(self.store.stored_answers(invitation.id), invitation.cursor)
        prompt = engine.prompt_for(qn, state)
        want = ("question", prompt.question.id) if isinstance(prompt, engine.QuestionPrompt) else ("review", None)
        if want not in (shown := p.where(invitation.id)):
            return f"{p.who.user_id} is on {want} of invitation {invitation.id}, but their screen shows {shown}"
        return None


Respondents.TestCase.settings = settings(
    max_examples=2000,
    stateful_step_count=15,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
TestRespondents = Respondents.TestCase

"""The local Bot API emulator, exercised through python-telegram-bot's real HTTP stack."""

from __future__ import annotations

import asyncio
import datetime as dtm
import io
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.emulator import BotApiEmulator, EmulatorUsageError, FakeUser, UserDriver

USER_ID = 1001


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    async with Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url) as ptb_bot:
        yield ptb_bot


@pytest.fixture
async def user(emu: BotApiEmulator) -> FakeUser:
    """A user who has already written to the bot, so a private chat exists."""
    person = emu.add_user(USER_ID, "Alice", language_code="cy")
    await emu.send_message(person, "hello")
    return person


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(item.title(), callback_data=item)] for item in data])


async def test_get_me_and_call_log(emu: BotApiEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "datatool_test_bot", True)
    assert emu.calls_to("getMe")
    assert all(emu.token not in json.dumps(call.params) for call in emu.calls)


async def test_wrong_token_is_unauthorized(emu: BotApiEmulator) -> None:
    impostor = Bot("654321:wrong-token", base_url=emu.base_url)
    with pytest.raises(InvalidToken, match="was rejected by the server"):
        await impostor.initialize()
    with pytest.raises(InvalidToken, match="Unauthorized"):
        await impostor.get_me()
    await impostor.shutdown()


async def test_raw_http_json_query_string_and_unknown_method(emu: BotApiEmulator, user: FakeUser) -> None:
    async with httpx.AsyncClient(base_url=f"{emu.base_url}{emu.token}") as client:
        sent = await client.post("/SENDMESSAGE", json={"chat_id": user.id, "text": "via json"})
        assert sent.status_code == 200 and sent.json()["result"]["text"] == "via json"
        queried = await client.get("/sendMessage", params={"chat_id": user.id, "text": "via query"})
        assert queried.json()["result"]["message_id"] == 3
        missing = await client.post("/sendTelepathy")
        assert missing.status_code == 404
        assert missing.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert [call.method for call in emu.calls] == ["sendMessage", "sendMessage", "sendTelepathy"]


async def test_send_message_needs_an_existing_chat(emu: BotApiEmulator, bot: Bot) -> None:
    emu.add_user(2002)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(2002, "hi")


async def test_message_ids_and_length_limit(emu: BotApiEmulator, bot: Bot, user: FakeUser) -> None:
    first = await bot.send_message(user.id, "x" * 4096)
    assert first.message_id == 2  # the user's "hello" was message 1
    assert first.date == dtm.datetime.fromtimestamp(emu.messages(user.id)[-1].date, tz=dtm.UTC)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(user.id, "x" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(user.id, "  \n ")
    assert len(emu.calls_to("sendMessage")) == 3
    assert [msg.message_id for msg in emu.bot_messages(user.id)] == [2]

    reply = await bot.send_message(user.id, "noted", reply_to_message_id=1)
    assert reply.message_id == 3 and reply.reply_to_message.text == "hello"  # type: ignore[union-attr]
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(user.id, "noted", reply_to_message_id=99)


async def test_html_parse_mode(emu: BotApiEmulator, bot: Bot, user: FakeUser) -> None:
    html = (
        '<b>Bold</b> <i>it</i> <a href="https://example.org/?a=1&amp;b=2">link</a> '
        '<span class="tg-spoiler">s</span> <pre><code class="language-python">x = 1</code></pre> '
        "<blockquote expandable>q</blockquote> &lt;tag&gt; &#128512;"
    )
    sent = await bot.send_message(user.id, html, parse_mode=ParseMode.HTML)
    stored = emu.last_bot_message(user.id)
    assert stored is not None
    assert stored.text == sent.text == "Bold it link s x = 1 q <tag> 😀"
    assert stored.html == html
    kinds = [(entity.type, entity.offset, entity.length) for entity in sent.entities]
    assert kinds == [
        ("bold", 0, 4),
        ("italic", 5, 2),
        ("text_link", 8, 4),
        ("spoiler", 13, 1),
        ("pre", 15, 5),
        ("expandable_blockquote", 21, 1),
    ]
    assert sent.entities[2].url == "https://example.org/?a=1&b=2"
    assert sent.entities[4].language == "python"
    assert sent.text_html.startswith("<b>Bold</b> <i>it</i>")

    for bad, reason in [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x<br>y", 'Unsupported start tag "br" at byte offset 1'),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ]:
        with pytest.raises(BadRequest) as caught:
            await bot.send_message(user.id, bad, parse_mode=ParseMode.HTML)
        # PTB strips "Bad Request: " and applies str.capitalize() to the rest.
        assert caught.value.message == f"Can't parse entities: {reason}".capitalize()

    # The limit applies to the decoded text: 4096 "<" written as 16384 characters of "&lt;".
    await bot.send_message(user.id, "&lt;" * 4096, parse_mode=ParseMode.HTML)
    assert emu.last_bot_message(user.id).text == "<" * 4096  # type: ignore[union-attr]
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(user.id, "&lt;" * 4097, parse_mode=ParseMode.HTML)


@pytest.mark.parametrize(
    ("data", "accepted"),
    ids=["64-ascii", "65-ascii", "32-two-byte", "33-chars-65-bytes", "64-bytes-euro", "66-bytes-euro"],
    argvalues=[
        ("a" * 64, True),
        ("a" * 65, False),
        ("é" * 32, True),  # 32 characters, 64 bytes
        ("é" * 32 + "a", False),  # 33 characters, 65 bytes
        ("€" * 21 + "a", True),  # 64 bytes
        ("€" * 22, False),  # 22 characters, 66 bytes
    ],
)
async def test_callback_data_limit_is_in_bytes(bot: Bot, user: FakeUser, data: str, accepted: bool) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data=data)]])
    if accepted:
        sent = await bot.send_message(user.id, "pick", reply_markup=markup)
        assert sent.reply_markup == markup
    else:
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(user.id, "pick", reply_markup=markup)


async def test_inline_button_without_action_is_rejected(bot: Bot, user: FakeUser) -> None:
    markup = {"inline_keyboard": [[{"text": "Just text"}]]}
    with pytest.raises(BadRequest, match="text buttons are unallowed"):
        await bot.send_message(user.id, "pick", reply_markup=markup)  # type: ignore[arg-type]


async def test_edit_semantics(emu: BotApiEmulator, bot: Bot, user: FakeUser) -> None:
    sent = await bot.send_message(user.id, "Question?", reply_markup=keyboard("yes", "no"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Question?", user.id, sent.message_id, reply_markup=keyboard("yes", "no"))

    edited = await bot.edit_message_text("Question? (answered)", user.id, sent.message_id)
    assert isinstance(edited, Message) and edited.reply_markup is None
    assert edited.edit_date is not None
    stored = emu.last_bot_message(user.id)
    assert stored is not None and stored.buttons == [] and stored.edit_count == 1 and stored.edited

    await bot.edit_message_reply_markup(user.id, sent.message_id, reply_markup=keyboard("undo"))
    assert emu.last_bot_message(user.id).buttons == [[("Undo", "undo")]]  # type: ignore[union-attr]
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("hijack", user.id, 1)  # the user's own message
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("nothing", user.id, 999)

    assert await bot.delete_message(user.id, sent.message_id)
    assert emu.bot_messages(user.id) == []
    assert emu.bot_messages(user.id, include_deleted=True)[0].deleted


async def test_callback_query_answered_once(emu: BotApiEmulator, bot: Bot, user: FakeUser) -> None:
    sent = await bot.send_message(user.id, "Pick", reply_markup=keyboard("yes", "no"))
    query_id = await emu.press_button(user, sent.message_id, "yes")
    update = (await bot.get_updates(offset=-1))[0]
    assert update.callback_query is not None
    assert (update.callback_query.id, update.callback_query.data) == (query_id, "yes")
    assert update.callback_query.message.reply_markup == keyboard("yes", "no")  # type: ignore[union-attr]

    assert await bot.answer_callback_query(query_id, text="Saved", show_alert=True)
    assert emu.callback_answers[query_id].text == "Saved"
    assert emu.callback_answers[query_id].show_alert
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("no-such-query")


async def test_forged_button_press_needs_forge(emu: BotApiEmulator, bot: Bot, user: FakeUser) -> None:
    sent = await bot.send_message(user.id, "Pick", reply_markup=keyboard("yes"))
    with pytest.raises(EmulatorUsageError, match="no button with callback_data 'admin'"):
        await emu.press_button(user, sent.message_id, "admin")
    query_id = await emu.press_button(user, sent.message_id, "admin", forge=True)
    updates = await bot.get_updates()
    assert updates[-1].callback_query.id == query_id  # type: ignore[union-attr]
    assert updates[-1].callback_query.data == "admin"  # type: ignore[union-attr]


async def test_get_updates_offset_and_prompt_long_poll(emu: BotApiEmulator, bot: Bot) -> None:
    person = emu.add_user(USER_ID, "Bob")
    await emu.send_message(person, "/start abc")
    await emu.send_sticker(person)
    first = await bot.get_updates()
    assert [u.update_id for u in first] == [1, 2]
    command = first[0].message
    assert command is not None and command.text == "/start abc"
    assert command.entities[0].type == "bot_command" and command.entities[0].length == 6
    assert first[1].message is not None and first[1].message.sticker is not None
    assert len(await bot.get_updates()) == 2  # not confirmed yet
    assert await bot.get_updates(offset=3) == ()
    assert emu.pending_updates == 0

    poll = asyncio.create_task(bot.get_updates(offset=3, timeout=5))
    await emu.wait_for(lambda: len(emu.calls_to("getUpdates")) == 4, timeout=5)
    started = time.monotonic()
    await emu.send_message(person, "wake up")
    updates = await asyncio.wait_for(poll, timeout=5)
    assert time.monotonic() - started < 1.0
    assert [u.message.text for u in updates] == ["wake up"]  # type: ignore[union-attr]


async def test_concurrent_get_updates_conflict(emu: BotApiEmulator, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await emu.wait_for(lambda: len(emu.calls_to("getUpdates")) == 1, timeout=5)
    async with Bot(emu.token, base_url=emu.base_url) as second_instance:
        assert await second_instance.get_updates() == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first


async def test_user_side_builders_are_valid_updates(emu: BotApiEmulator, bot: Bot) -> None:
    person = emu.add_user(USER_ID, "Carys", username="carys")
    await emu.send_photo(person, caption="my photo")
    await emu.send_voice(person)
    await emu.send_location(person)
    await emu.send_document(person, "answers.txt", b"42")
    await emu.send_update_message(person, contact={"phone_number": "+441234", "first_name": "Carys"})
    messages = [update.message for update in await bot.get_updates()]
    assert all(message is not None and message.chat.type == "private" for message in messages)
    photo, voice, location, document, contact = messages  # type: ignore[misc]
    assert photo.photo and photo.caption == "my photo"
    assert voice.voice is not None and location.location is not None and contact.contact is not None
    assert document.document.file_name == "answers.txt"
    assert bytes(await (await bot.get_file(document.document.file_id)).download_as_bytearray()) == b"42"
    assert [msg.kind for msg in emu.messages(person.id)] == ["photo", "voice", "location", "document", "contact"]


async def test_driver_times_out_with_transcript(emu: BotApiEmulator) -> None:
    nobody_home = UserDriver(emu, emu.add_user(USER_ID), timeout=0.2)
    with pytest.raises(AssertionError, match=r"(?s)Timed out waiting for a reaction to 'anyone\?'.*#1 user: anyone\?"):
        await nobody_home.send("anyone?")


async def test_allowed_updates_filter(emu: BotApiEmulator, bot: Bot) -> None:
    person = emu.add_user(USER_ID)
    await emu.send_message(person, "text")
    await emu.edit_user_message(person, 1, "text, edited")
    updates = await bot.get_updates(allowed_updates=[Update.EDITED_MESSAGE])
    assert [u.edited_message.text for u in updates] == ["text, edited"]  # type: ignore[union-attr]


async def test_blocked_user_gives_forbidden(emu: BotApiEmulator, bot: Bot, user: FakeUser) -> None:
    emu.block(user.id)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(user.id, "are you there?")
    emu.unblock(user.id)
    assert (await bot.send_message(user.id, "welcome back")).text == "welcome back"
    statuses = [u.my_chat_member.new_chat_member.status for u in await bot.get_updates() if u.my_chat_member]
    assert statuses == ["kicked", "member"]


async def test_fail_next_429_raises_retry_after(
    emu: BotApiEmulator, bot: Bot, user: FakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22's opt-in; avoids its deprecation warning
    emu.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(user.id, "flood")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    assert emu.calls_to("sendMessage")[-1].params["text"] == "flood"
    assert emu.bot_messages(user.id) == []
    assert (await bot.send_message(user.id, "again")).text == "again"


async def test_a_fault_strikes_the_nth_call_only(emu: BotApiEmulator, bot: Bot, user: FakeUser) -> None:
    emu.fail_next("sendMessage", 500, after=2)
    assert emu.pending_faults("sendMessage") == 1
    await bot.send_message(user.id, "one")
    await bot.send_message(user.id, "two")
    with pytest.raises(NetworkError):
        await bot.send_message(user.id, "three")
    assert (await bot.send_message(user.id, "four")).text == "four"
    assert [m.text for m in emu.bot_messages(user.id)] == ["one", "two", "four"]
    assert emu.pending_faults("sendMessage") == 0


async def test_a_timeout_after_delivery_delivers_and_answers_too_late(emu: BotApiEmulator, user: FakeUser) -> None:
    emu.strike("sendMessage", "timeout", hold=1.0)
    async with Bot(emu.token, base_url=emu.base_url) as impatient:
        with pytest.raises(TimedOut):
            await impatient.send_message(user.id, "did it arrive?", read_timeout=0.2)
    assert [m.text for m in emu.bot_messages(user.id)] == ["did it arrive?"]  # it did: the answer was late


async def test_strike_names_telegram_faults_and_refuses_others(emu: BotApiEmulator, bot: Bot, user: FakeUser) -> None:
    emu.strike("sendMessage", "403")
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(user.id, "x")
    with pytest.raises(EmulatorUsageError):
        emu.strike("sendMessage", "418")
    emu.strike("sendMessage", "500")
    emu.clear_faults()
    assert (await bot.send_message(user.id, "fine")).text == "fine"


async def test_send_document_multipart(emu: BotApiEmulator, bot: Bot, user: FakeUser) -> None:
    payload = b"id,answer\n1,yes\n"
    sent = await bot.send_document(
        user.id,
        io.BytesIO(payload),
        filename="report.csv",
        caption="<b>Your</b> report",
        parse_mode=ParseMode.HTML,
    )
    assert sent.document is not None and sent.document.file_name == "report.csv"
    assert sent.document.file_size == len(payload) and sent.caption == "Your report"
    stored = emu.last_bot_message(user.id)
    assert stored is not None and stored.kind == "document"
    assert (stored.filename, stored.file_bytes, stored.mime_type) == ("report.csv", payload, "text/csv")
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == payload
    again = await bot.send_document(user.id, sent.document.file_id)
    assert again.document.file_unique_id == sent.document.file_unique_id  # type: ignore[union-attr]


async def test_commands_per_scope_and_language(emu: BotApiEmulator, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await bot.set_my_commands([BotCommand("start", "Dechrau")], language_code="cy")
    await bot.set_my_commands([BotCommand("status", "Status")], scope=BotCommandScopeAllPrivateChats())
    assert emu.commands() == [("start", "Start"), ("help", "Help")]
    assert emu.commands(language_code="cy") == [("start", "Dechrau")]
    assert emu.commands("all_private_chats") == [("status", "Status")]
    assert [c.command for c in await bot.get_my_commands(language_code="cy")] == ["start"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "Upper case is invalid")])
    await bot.delete_my_commands(language_code="cy")
    assert emu.commands(language_code="cy") == []

    await bot.set_my_description("A questionnaire bot")
    await bot.set_my_description("Bot holiadur", language_code="cy")
    assert emu.description() == "A questionnaire bot"
    assert (await bot.get_my_description("cy")).description == "Bot holiadur"


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Two messages in one handler: the driver must wait for both."""
    payload = " ".join(context.args or [])
    message = update.effective_message
    assert message is not None
    await message.reply_text(f"Welcome! payload={payload or '-'}")
    await message.reply_chat_action("typing")
    await message.reply_text("Ready?", reply_markup=keyboard("yes", "no"))


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")  # type: ignore[union-attr]


async def _button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(f"You chose {query.data}")
    await query.edit_message_text(f"Chosen: {query.data}")


async def test_application_round_trip_with_user_driver(emu: BotApiEmulator) -> None:
    app = Application.builder().token(emu.token).base_url(emu.base_url).base_file_url(emu.base_file_url).build()
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    app.add_handler(CallbackQueryHandler(_button))
    alice = UserDriver(emu, emu.add_user(USER_ID, "Alice"), timeout=5)
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=5)  # type: ignore[union-attr]
        try:
            reply = await alice.start("invite-42")
            assert [msg.text for msg in alice.messages] == ["Welcome! payload=invite-42", "Ready?"]
            assert reply == alice.last and reply is not None
            assert reply.buttons == [[("Yes", "yes")], [("No", "no")]]

            assert (await alice.send("hello there")).text == "echo: hello there"  # type: ignore[union-attr]

            edited = await alice.tap("No")
            assert edited is not None and edited.message_id == reply.message_id
            assert edited.text == "Chosen: no" and edited.buttons == []
            assert [a.text for a in emu.callback_answers.values()] == ["You chose no"]

            await alice.command("start")
            assert (await alice.expect("payload=-")).text == "Welcome! payload=-"
            assert alice.last is not None and alice.last.callback_data == ["yes", "no"]
            with pytest.raises(AssertionError, match="No button 'Maybe'"):
                await alice.tap("Maybe")
            await emu.wait_until_updates_consumed(timeout=5)
        finally:
            await app.updater.stop()  # type: ignore[union-attr]
            await app.stop()
    assert emu.pending_updates == 0
    assert len(emu.calls_to("sendMessage")) == 5
    assert "#1 user: /start invite-42" in alice.transcript()


async def test_profile_menu_webhook_and_media_methods(emu: BotApiEmulator, bot: Bot, user: FakeUser) -> None:
    await bot.set_my_name("Offeryn data", language_code="cy")
    await bot.set_my_short_description("Short")
    assert (await bot.get_my_name("cy")).name == "Offeryn data"
    assert (await bot.get_my_name()).name == "Data tool"
    assert (await bot.get_my_short_description("fr")).short_description == "Short"
    await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
    assert isinstance(await bot.get_chat_menu_button(user.id), MenuButtonCommands)

    assert await bot.send_chat_action(user.id, "typing")
    with pytest.raises(BadRequest, match="Wrong parameter action"):
        await bot.send_chat_action(user.id, "dancing")
    photo = await bot.send_photo(user.id, "https://example.org/chart.png", caption="Chart")
    assert photo.photo and photo.caption == "Chart" and emu.last_bot_message(user.id).kind == "photo"  # type: ignore[union-attr]

    assert await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == () and emu.pending_updates == 0


async def test_a_waiter_cancelled_just_as_the_emulator_changes_stops_waiting(emu: BotApiEmulator) -> None:
    """On Python 3.11, asyncio.wait_for swallows a cancellation that lands in the same turn as the awaited event: a
    waiter that loops (``wait_for`` re-checks its condition after every change) then outlived its cancellation, and a
    benchmark hung at exit so.  The emulator waits with asyncio.timeout, which lets the cancellation through."""
    emu.add_user(USER_ID + 1, "Bob")
    waiter = asyncio.create_task(emu.wait_for(lambda: False, 3600, description="nothing"))
    for _ in range(3):
        await asyncio.sleep(0)  # the waiter is now waiting for the next change
    emu.history(USER_ID + 1, "a change")  # sets the change event ...
    waiter.cancel()  # ... in the same turn as the cancellation
    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(5):
            await waiter

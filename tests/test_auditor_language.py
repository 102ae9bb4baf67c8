"""Auditors in Cymraeg too (issue 12, item 5): /language works for auditors, in their private chat and in the
auditors' group chat, each with its own language; commands, help, errors, /rates, the digest and the final report
follow it; every auditor text exists in both languages; respondents' languages are their own."""

from __future__ import annotations

import re
import string
from pathlib import Path

import aiosqlite
import pytest
from telegram import Update

from bot.emulator import parse_html
from flows.completion import bundle_items, pinned_language
from flows.fieldwork import AuditorCommand
from flows.i18n import LANGUAGES, catalogue
from flows.manifest import Entry, Manifest
from flows.ports.completion import Bundle, Item
from flows.rate_texts import format_html, format_text
from flows.replies import Who
from reports.documents import document
from reports.rates import RateTable
from storage.repositories import RoleRate
from tests.support import (
    DOCUMENTS,
    World,
    add_campaign,
    compile_once,
    documents_in,
    make_settings,
    onboard,
    person,
    seed_answers,
    seed_progress,
)

AUDITOR, SECOND, OUTSIDER = 4242, 4343, 777
GROUP = -1001234567890  # the auditors' group chat (DATATOOL_AUDITOR_CHAT_ID)
CAT = catalogue()
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
async def fw(emulator, tmp_path: Path, clock, questionnaires) -> World:
    """A bot with two auditors and Flintshire's real numbers: 62 officers and 65 members invited."""
    settings = make_settings(emulator, tmp_path / "cy.db", auditor_ids=frozenset({AUDITOR, SECOND}))
    world = World(emu=emulator, settings=settings, clock=clock, questionnaires=questionnaires)
    world.campaign_id, world.tokens = await add_campaign(world, "Flintshire County Council", officers=62, members=65)
    return world


async def stored_language(world: World, chat_id: int) -> str | None:
    async with aiosqlite.connect(world.settings.db_path) as conn:
        async with conn.execute("SELECT language FROM chat_languages WHERE chat_id = ?", (chat_id,)) as cur:
            row = await cur.fetchone()
    return row[0] if row else None


async def run_job(world: World, name: str) -> None:
    (job,) = world.app.job_queue.get_jobs_by_name(name)
    await job.run(world.app)


# ---- an auditor's private chat ----------------------------------------------------------------------------------


async def test_an_auditor_who_chooses_cymraeg_gets_commands_rates_help_errors_and_the_digest_in_welsh(fw: World):
    await seed_progress(fw.settings.db_path, fw.campaign_id, "officer", submitted=32, started=5)
    await seed_progress(fw.settings.db_path, fw.campaign_id, "member", submitted=9, started=3)
    async with fw.bot():
        auditor = person(fw, AUDITOR)
        await auditor.command("language")
        screen = auditor.last
        assert "Which language should auditor messages in this chat use" in screen.text and "Pa iaith" in screen.text
        assert [label for row in screen.buttons for label, _ in row] == ["✓ English", "Cymraeg"]
        assert [data for row in screen.buttons for _, data in row] == ["lang:en", "lang:cy"]  # no invitation
        await auditor.tap("Cymraeg")
        assert "yn Gymraeg bellach" in auditor.last.text
        assert list(fw.emu.callback_answers.values())[-1].text == "Iaith: Cymraeg."
        assert await stored_language(fw, AUDITOR) == "cy"

        await auditor.command("help")
        assert "Gorchmynion archwilwyr" in auditor.last.text and "/nonstarters cyngor" in auditor.last.text
        await auditor.start()
        assert "Gorchmynion archwilwyr" in auditor.last.text

        await auditor.command("rates", "flint")
        text = auditor.last.text
        for expected in (
            "Cyngor Sir y Fflint",
            "Derbynwyr",
            "Swyddogion",
            "Aelodau",
            "Etholedig",
            "Cyfanswm",
            "52%",
            "14%",
            "±12",
            "±31",
            "Swyddogion: 5 wedi dechrau, heb orffen",
            "targed 50% (33 o 65); angen 24 arall",
            "Y /rates cyntaf",
            "Gwaith maes 22/11/2026",
        ):
            assert expected in text, (expected, text)
        for english in ("Officers", "Elected Members", "Total", "recipients", "started", "Fieldwork", "First"):
            assert english not in text, english
        await seed_progress(fw.settings.db_path, fw.campaign_id, "member", submitted=2, first_user=6_000_000)
        fw.clock.advance(hours=3)
        await auditor.command("rates", "flint")
        assert "Ers eich /rates diwethaf (3 awr yn ôl): +2 aelod wedi ymateb" in auditor.last.text
        await auditor.command("rates")
        assert "Gwaith maes ar agor: 1 cyngor" in auditor.last.text and "aelodau 17% (11/65)" in auditor.last.text

        await auditor.command("campaigns")
        assert "Ymgyrchoedd" in auditor.last.text and "ar agor, 20 diwrnod ar ôl" in auditor.last.text
        await auditor.command("nonstarters", "fflint")
        assert "gwahoddiad heb eu hagor erioed" in auditor.last.text and "Swyddogion (25)" in auditor.last.text

        # Errors too.
        await auditor.command("rates", "nowhere")
        assert auditor.last.text == "Does dim cyngor yn cyfateb i “nowhere”. Mae /campaigns yn eu rhestru."
        await auditor.command("rates", "county")
        assert "dywedwch pa un" in auditor.last.text
        await auditor.command("close")
        assert auditor.last.text == "Pa gyngor? Er enghraifft: /close fflint"
        await auditor.command("resend", "flint")
        assert "ar agor o hyd" in auditor.last.text

        # Confirmations and their buttons.
        await auditor.command("close", "flint")
        assert "Cau'r gwaith maes ar gyfer Cyngor Sir y Fflint nawr" in auditor.last.text
        await auditor.tap("Canslo")
        assert auditor.last.text == "Wedi'i ganslo: ni newidiwyd dim."

        # The command menu follows the chat's language.
        menu = dict(fw.emu.commands("chat", chat_id=AUDITOR))
        assert menu["rates"] == "Cyfraddau ymateb: /rates [cyngor]"
        assert menu["language"] == "Cymraeg neu English ar gyfer negeseuon archwilwyr"

        # The digest goes to each auditor in their own chat's language.
        other = person(fw, SECOND)
        await other.command("campaigns")
        assert "Campaigns" in other.last.text  # the second auditor never chose: English
        await run_job(fw, "daily-digest")
        await auditor.expect("Crynodeb dyddiol")
        await other.expect("Daily digest")
        digest = next(m.text for m in auditor.messages if "Crynodeb dyddiol" in m.text)
        assert "Cyngor Sir y Fflint · yn cau ymhen 20 diwrnod" in digest and "aelodau 11/65" in digest
        assert "targed 50%" in digest

        await auditor.command("language", "en")
        assert auditor.last.text.startswith("Auditor messages in this chat are now in English")
        await auditor.command("help")
        assert "Auditor commands" in auditor.last.text
        assert dict(fw.emu.commands("chat", chat_id=AUDITOR))["rates"] == "Response rates: /rates [council]"


async def test_welsh_telegram_is_the_default_until_an_auditor_chooses(fw: World):
    async with fw.bot() as services:
        welsh = person(fw, AUDITOR, language_code="cy")
        await welsh.command("help")
        assert "Gorchmynion archwilwyr" in welsh.last.text
        assert await stored_language(fw, AUDITOR) == "cy"  # so the digest, sent with no update, follows it
        english = person(fw, SECOND, language_code="en-GB")
        await english.command("help")
        assert "Auditor commands" in english.last.text and await stored_language(fw, SECOND) is None
        screens = dict(await services.fieldwork.digest())
        assert "Crynodeb dyddiol" in screens[AUDITOR].text and "Daily digest" in screens[SECOND].text

        await welsh.command("language", "klingon")
        assert welsh.last.text.startswith("Anfonwch /language cy")
        await welsh.command("language", "English")
        assert "now in English" in welsh.last.text
        await welsh.command("help")  # a choice wins over Telegram's language, and is never overwritten by it
        assert "Auditor commands" in welsh.last.text and await stored_language(fw, AUDITOR) == "en"


async def test_non_auditors_cannot_set_an_auditor_language(fw: World):
    async with fw.bot():
        outsider = person(fw, OUTSIDER)
        await outsider.command("language")  # the respondent's /language: no invitation, no buttons
        assert "personal link" in outsider.last.text and not outsider.last.buttons
        await outsider.tap_on(outsider.last.message_id, "lang:cy", forge=True)
    assert await stored_language(fw, OUTSIDER) is None


# ---- the auditors' group chat -----------------------------------------------------------------------------------


def group_message(world: World, user_id: int, text: str, *, chat_id: int = GROUP, update_id: int = 9_000_000) -> Update:
    """A message in a group chat, as Telegram delivers it (the emulator has private chats only)."""
    command = text.split()[0]
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 1_790_000_000,
                "text": text,
                "chat": {"id": chat_id, "type": "supergroup", "title": "Auditors"},
                "from": {"id": user_id, "is_bot": False, "first_name": f"User {user_id}", "language_code": "cy"},
                "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
            },
        },
        world.app.bot,
    )


async def test_the_group_chat_has_its_own_language_independent_of_private_chats(fw: World):
    fw.settings = make_settings(
        fw.emu, fw.settings.db_path, auditor_ids=frozenset({AUDITOR, SECOND}), auditor_chat_id=GROUP
    )
    group = person(fw, GROUP)  # stands in for the group chat on the emulator, so what the bot posts there is seen
    await fw.emu.send_message(group.user, "hello")
    async with fw.bot() as services:
        auditor = person(fw, AUDITOR)
        await auditor.command("language", "cy")
        assert await stored_language(fw, AUDITOR) == "cy" and await stored_language(fw, GROUP) is None

        # /language in the group (sent by a Welsh-speaking auditor: still the group's English default first).
        await fw.app.process_update(group_message(fw, AUDITOR, "/language"))
        asked = await group.expect("in this group")
        assert asked.text.startswith("Which language should auditor messages in this group use")
        assert [data for row in asked.buttons for _, data in row] == ["lang:en", "lang:cy"]
        await fw.app.process_update(group_message(fw, SECOND, "/language@datatool_test_bot cy", update_id=9_000_001))
        await group.expect("yn Gymraeg bellach")
        assert await stored_language(fw, GROUP) == "cy" and await stored_language(fw, SECOND) is None

        # Only auditors change it; a group that is not the auditors' gets no answer.
        await fw.app.process_update(group_message(fw, OUTSIDER, "/language en", update_id=9_000_002))
        await group.expect("Dim ond archwilwyr")
        elsewhere = await services.fieldwork.chat_language.choose(Who(AUDITOR, -100999, "en"), ["cy"])
        assert not elsewhere.send and await stored_language(fw, -100999) is None
        refused = await services.fieldwork.press(Who(OUTSIDER, GROUP, "en"), "lang:en")
        assert refused.toast == "Dim ond archwilwyr all newid iaith y sgwrs hon." and refused.edit is None
        assert await stored_language(fw, GROUP) == "cy"

        # The group's digest is in the group's language, whatever the auditors chose for themselves.
        await auditor.command("language", "en")
        await run_job(fw, "daily-digest")
        digest = await group.expect("Crynodeb dyddiol")
        assert "Cyngor Sir y Fflint" in digest.text
        assert not any(m.text.startswith(("Daily digest,", "Crynodeb dyddiol,")) for m in auditor.messages)
        await auditor.command("campaigns")
        assert "Campaigns" in auditor.last.text  # the private chat stayed English

        pressed = await services.fieldwork.press(Who(SECOND, GROUP, "en"), "lang:en")
        assert pressed.edit is not None and "now in English" in pressed.edit.text
        assert await stored_language(fw, GROUP) == "en" and await stored_language(fw, AUDITOR) == "en"


# ---- the final report ---------------------------------------------------------------------------------------------


_COMPILED: dict[str, tuple[Path, list[Path]]] = {}


@pytest.fixture
def quick_reports(monkeypatch, tmp_path_factory):
    """Compile the report once and copy it afterwards: these tests are about posting, not compiling."""
    compile_once(monkeypatch, tmp_path_factory, _COMPILED)


@pytest.fixture
async def closed(emulator, tmp_path: Path, clock, questionnaires) -> World:
    """Fieldwork closed with answers in: the final report is due to both auditors."""
    settings = make_settings(
        emulator,
        tmp_path / "done.db",
        auditor_ids=frozenset({AUDITOR, SECOND}),
        reports_dir=tmp_path / "reports",
        rate_limit_retries=0,
    )
    world = World(emu=emulator, settings=settings, clock=clock, questionnaires=questionnaires)
    world.campaign_id, world.tokens = await add_campaign(world, "Flintshire County Council", officers=20, members=20)
    await seed_answers(settings.db_path, world.campaign_id, "officer", questionnaires["officer"], count=12)
    await seed_answers(
        settings.db_path,
        world.campaign_id,
        "member",
        questionnaires["member"],
        count=9,
        level="l1",
        first_user=9_100_000,
    )
    return world


async def close_fieldwork(world: World) -> None:
    async with aiosqlite.connect(world.settings.db_path) as conn:
        await conn.execute("UPDATE campaigns SET closed_at = '2026-11-25T09:00:00+00:00', closed_reason = 'date'")
        await conn.commit()


async def posted_items(world: World, chat_id: int) -> dict[str, str]:
    async with aiosqlite.connect(world.settings.db_path) as conn:
        async with conn.execute("SELECT item, status FROM postings WHERE chat_id = ?", (chat_id,)) as cur:
            return {row[0]: row[1] async for row in cur}


async def test_the_final_report_reaches_each_chat_in_its_language_once(closed: World, quick_reports):
    async with closed.bot() as services:
        welsh, english = person(closed, AUDITOR), person(closed, SECOND)
        await welsh.command("language", "cy")
        await english.command("campaigns")  # a bot can only post to auditors who have started it
        await close_fieldwork(closed)
        # As if the bot died while sending the Welsh auditor report-en.html: in doubt, never sent again.
        async with aiosqlite.connect(closed.settings.db_path) as conn:
            await conn.execute(
                "INSERT INTO postings (campaign_id, chat_id, item, status, at) VALUES (?, ?,"
                " 'report-en.html', 'sending', '2026-11-25T09:00:00+00:00')",
                (closed.campaign_id, AUDITOR),
            )
            await conn.commit()
        await services.posting.recover()
        await run_job(closed, "completion")
        await run_job(closed, "completion")  # nothing more
        bundle = await services.completion.final_bundle(closed.campaign_id)

    cy_items, en_items = bundle.items_in("cy"), bundle.items_in("en")
    assert {i.key for i in cy_items if i.kind == "photo"} and all(
        i.key.endswith("-cy.png") for i in cy_items if i.kind == "photo"
    )
    sent_cy, sent_en = await posted_items(closed, AUDITOR), await posted_items(closed, SECOND)
    assert set(sent_cy) == {i.key for i in cy_items} | {"notice:report-en.html"}
    assert set(sent_en) == {i.key for i in en_items}
    assert not any(key.endswith("-en.png") for key in sent_cy) and not any(k.endswith("-cy.png") for k in sent_en)

    messages = closed.emu.bot_messages(AUDITOR)
    summaries = [m.text for m in messages if m.kind == "text" and "Cyfraddau ymateb" in m.text]
    assert len(summaries) == 1 and "Response rates" not in summaries[0]
    assert [m.filename for m in messages if m.kind == "document"] == [
        n for n in documents_in("cy") if n != "report-en.html"
    ]  # report-en.html is the one in doubt
    (notice,) = [m.text for m in messages if "/resend" in m.text]
    assert notice.startswith("⚠ Efallai nad yw report-en.html o'r adroddiad terfynol ar gyfer Cyngor Sir y Fflint")
    assert "/resend flintshire report-en.html" in notice
    documents = [m.filename for m in closed.emu.bot_messages(SECOND) if m.kind == "document"]
    assert documents == documents_in("en") == list(DOCUMENTS)
    assert sum("Response rates" in m.text for m in closed.emu.bot_messages(SECOND)) == 1

    async with closed.bot():
        welsh = person(closed, AUDITOR)
        await welsh.command("resend", "flint", "summary")
        assert "yr adroddiad terfynol: wedi'i anfon eto i'r sgwrs hon: y neges grynodeb" in welsh.last.text
        assert sum("Cyfraddau ymateb" in m.text for m in closed.emu.bot_messages(AUDITOR)) == 2
        await welsh.command("resend", "flint", "nothing.png")
        assert "Does dim un eitem" in welsh.last.text and "chart-levels-cy.png" in welsh.last.text
        assert "-en.png" not in welsh.last.text  # the chat's own items are listed


async def test_a_chat_keeps_the_language_its_posting_began_in(closed: World, quick_reports):
    async with closed.bot() as services:
        welsh, english = person(closed, AUDITOR), person(closed, SECOND)
        await welsh.command("language", "cy")
        await english.command("campaigns")
        await close_fieldwork(closed)
        closed.emu.strike("sendPhoto", "500", after=1)  # the Welsh auditor's second chart: tried again later
        await run_job(closed, "completion")
        first = await posted_items(closed, AUDITOR)
        assert "failed" in first.values() and any(k.endswith("-cy.png") and s == "sent" for k, s in first.items())
        await welsh.command("language", "en")  # changes its mind mid-posting
        for _ in range(3):
            closed.clock.advance(minutes=6)
            await run_job(closed, "completion")
        bundle = await services.completion.final_bundle(closed.campaign_id)
    sent = await posted_items(closed, AUDITOR)
    assert set(sent) == {i.key for i in bundle.items_in("cy")} and set(sent.values()) == {"sent"}
    assert await posted_items(closed, SECOND) == {i.key: "sent" for i in bundle.items_in("en")}
    async with aiosqlite.connect(closed.settings.db_path) as conn:
        async with conn.execute("SELECT summary_posted_at FROM campaigns") as cur:
            assert (await cur.fetchone())[0] is not None


def written(folder: Path, names: list[str]) -> Manifest:
    """The manifest of a compilation that wrote ``names`` into ``folder`` (what each is, as reports/ names it)."""
    entries = []
    for name in names:
        doc = document(name, b"")
        assert doc is not None
        entries.append(Entry(name, doc.kind, doc.audience, doc.language, doc.media_type, folder / name))
    return Manifest(folder, tuple(entries))


def test_each_language_has_its_own_items_with_stable_keys(tmp_path: Path):
    names = [
        "summary-en.txt",
        "summary-cy.txt",
        "chart-levels-en.png",
        "chart-levels-cy.png",
        "chart-rates-en.png",
        "chart-rates-cy.png",
        "report-en.html",
        "report-cy.html",
        "report-en.docx",
        "report-cy.docx",
        "tables-en.csv",
        "tables-cy.csv",
        "answers-NOT-FOR-PUBLICATION.csv",
    ]
    manifest = written(tmp_path, names)
    english, welsh = bundle_items(manifest, "Summary"), bundle_items(manifest, "Crynodeb", "cy")
    assert [i.key for i in english] == [
        "summary",
        "chart-levels-en.png",
        "chart-rates-en.png",
        "report-en.html",
        "report-cy.html",
        "report-en.docx",
        "report-cy.docx",
        "tables-en.csv",
        "tables-cy.csv",
        "answers-NOT-FOR-PUBLICATION.csv",
    ]
    assert [i.key for i in welsh] == [
        "summary",
        "chart-levels-cy.png",
        "chart-rates-cy.png",
        "report-cy.html",
        "report-en.html",
        "report-cy.docx",
        "report-en.docx",
        "tables-cy.csv",
        "tables-en.csv",
        "answers-NOT-FOR-PUBLICATION.csv",
    ]
    bundle = Bundle(
        1,
        "Flintshire County Council",
        "flintshire",
        tmp_path,
        english,
        {"en": english, "cy": welsh},
        "Cyngor Sir y Fflint",
    )
    assert pinned_language(bundle, []) is None
    assert pinned_language(bundle, ["summary", "report-en.html"]) is None  # in both languages: tells nothing
    assert pinned_language(bundle, ["summary", "chart-levels-cy.png"]) == "cy"
    assert pinned_language(bundle, ["notice:chart-rates-en.png"]) == "en"
    assert [i.key for i in bundle.find("chart-levels", "cy")] == ["chart-levels-cy.png"]
    assert [i.key for i in bundle.find("chart-levels-en.png", "cy")] == ["chart-levels-en.png"]  # asked by name
    assert Item("summary", "message").label_in("cy") == "y neges grynodeb"


# ---- respondents keep their own language ----------------------------------------------------------------------


async def test_respondents_keep_their_language_and_an_auditor_answering_too_has_both(fw: World):
    async with fw.bot():
        respondent = person(fw, OUTSIDER)
        await onboard(respondent, fw.tokens["member"][0])
        assert "Question 1 of" in respondent.last.text
        auditor = person(fw, AUDITOR)
        await onboard(auditor, fw.tokens["officer"][0])  # an auditor who is also answering, in English
        await auditor.command("language")
        screen = auditor.last
        assert "second row sets the language of your own questions" in screen.text
        rows = [[label for label, _ in row] for row in screen.buttons]
        assert rows == [["✓ English", "Cymraeg"], ["✓ Your questions: English", "Your questions: Cymraeg"]]
        assert all("~" in data for _, data in screen.buttons[1]) and all("~" not in d for _, d in screen.buttons[0])
        await auditor.tap("lang:cy")  # the first row: auditor messages
        assert "yn Gymraeg bellach" in auditor.last.text
        await auditor.command("resume")
        assert "Question 1 of" in auditor.last.text  # their questions stayed English
        await respondent.command("resume")
        assert "Question 1 of" in respondent.last.text  # and so did every respondent's
        await respondent.command("help")
        assert "How to answer" in respondent.last.text

        await auditor.command("language")
        assert [[label for label, _ in row] for row in auditor.last.buttons][1] == [
            "Eich cwestiynau: Cymraeg",
            "✓ Eich cwestiynau: English",
        ]
        await auditor.tap("Eich cwestiynau: Cymraeg")  # the second row: the respondent flow's own button
        assert "Cwestiwn 1 o" in auditor.last.text
        await auditor.command("language", "en")
        await auditor.command("resume")
        assert "Cwestiwn 1 o" in auditor.last.text  # the auditor language changed, the questions did not
        await auditor.command("campaigns")
        assert "Campaigns" in auditor.last.text
    assert await stored_language(fw, OUTSIDER) is None


# ---- both languages, everywhere ---------------------------------------------------------------------------------


AUDITOR_PREFIXES = ("auditor_", "progress_", "rates_", "role_", "completion_")
SAME_IN_BOTH = {"auditor_nonstarters_role", "progress_digest_role"}  # only values and markup, no words
AUDITOR_SOURCES = [
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "flows/fieldwork").glob("*.py")),
    "flows/chat_language.py",
    "flows/completion.py",
    "flows/progress.py",
    "flows/rate_texts.py",
    "reports/rates.py",
    "bot/handlers.py",
    "bot/constants.py",
]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def auditor_keys() -> list[str]:
    return [k for k in CAT.keys() if k.startswith(AUDITOR_PREFIXES)] + [f"cmd_{c.value}" for c in AuditorCommand]


@pytest.mark.parametrize("key", auditor_keys())
def test_every_auditor_text_is_in_both_languages_with_the_same_values_and_valid_html(key):
    english, welsh = (CAT.raw(key, lang) for lang in LANGUAGES)
    assert english.strip() and welsh.strip(), key
    assert english != welsh or key in SAME_IN_BOTH, f"{key}: the same text in both languages: not translated?"
    assert placeholders(english) == placeholders(welsh), key
    assert not placeholders(english) & {"key", "language"}, f"{key}: Catalogue.t takes those names itself"
    for text in (english, welsh):
        parse_html(text.format(**{name: "x" for name in placeholders(text)}))


def test_every_key_the_auditor_code_names_is_in_the_catalogue():
    named = set()
    for source in AUDITOR_SOURCES:
        code = (ROOT / source).read_text(encoding="utf-8")
        found = set(re.findall(r'"((?:auditor|progress|rates|role|completion|cmd)_[a-z_]+)"', code))
        named |= {name for name in found if f"def {name}(" not in code}  # not a function named in __all__
    named |= {f"role_{role}_{form}" for role in ("member", "officer") for form in ("one", "counted", "all")}
    named |= {f"role_respondent_{form}" for form in ("counted", "all")}
    assert named and sorted(named - set(CAT.keys())) == []


def test_the_rate_table_in_welsh_and_the_terminal_in_english_unless_told():
    table = RateTable.from_roles(
        "Flintshire", [RoleRate("officer", 62, 3, 32), RoleRate("member", 65, 4, 9)], {"member": 0.5}
    )
    english = format_text(table, details=True)
    assert "Data tool recipients" in english and "Elected Members: 4 started, not finished" in english
    welsh = format_text(table, details=True, language="cy")
    assert "Derbynwyr yr offeryn data" in welsh and "Lwfans gwall" in welsh and "Officers" not in welsh
    assert "Aelodau Etholedig: 4 wedi dechrau, heb orffen; targed 50% (33 o 65); angen 24 arall" in welsh
    visible, _ = parse_html(format_html(table, "cy"))
    assert "Cyfanswm" in visible and "Canran" in visible and "±12" in visible

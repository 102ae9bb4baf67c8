"""An update python-telegram-bot cannot read does not stall long polling (issue 21: found with item 3).

Before, the library failed the whole ``getUpdates`` batch, never moved its offset past it, and asked for the same
batch again every few milliseconds: nobody's update was handled again.  Now the unreadable one is skipped by its id
(``bot/tolerant.py``) and everyone else's are handled.
"""

from __future__ import annotations

import logging

from tests.support import World, onboard, person, stored_answers
from tests.test_log_privacy import unreadable_message


async def test_an_unreadable_update_is_skipped_and_the_others_are_handled(world: World, caplog) -> None:
    token = world.tokens["officer"][0]
    skipped = world.emu.send_raw_update("message", unreadable_message())
    with caplog.at_level(logging.INFO):
        async with world.bot():
            driver = person(world, 2201)
            await onboard(driver, token)  # waits for each reply: the bot is not stuck on the unreadable update
            await driver.tap("Level 2")
            await world.emu.wait_until_updates_consumed()
            polls = len(world.emu.calls_to("getUpdates"))
    assert await stored_answers(world.settings.db_path, token) == {"kc_leadership": "l2"}
    assert polls < 50, polls  # no longer asking for the same batch again and again
    ours = [r.getMessage() for r in caplog.records if r.name == "bot.tolerant"]
    assert ours == [f"update {skipped} could not be read (TypeError): skipped"]  # by id, never its contents
    # (what python-telegram-bot itself logs about it is withheld by the log handler: tests/test_log_privacy.py)

-- 0013: each Telegram update is handled once, typed text belongs to the questionnaire whose question was shown last,
-- and a withdrawal's report rebuild survives a crash (issue 21, items 1, 6 and 7).

-- Telegram delivers an update again whenever its receipt was not confirmed (a webhook answered with an error or too
-- late, a long-polling bot killed before its next getUpdates). Every update that changed a respondent's state is
-- recorded here in the same transaction as the change, so a second delivery changes nothing. Rows are kept for two
-- days (Telegram keeps an undelivered update for 24 hours) and hold no personal data: an update id and a time.
CREATE TABLE handled_updates (
    update_id  INTEGER PRIMARY KEY,
    handled_at TEXT NOT NULL
);
CREATE INDEX handled_updates_at ON handled_updates(handled_at);

-- Which of one person's invitations had a screen shown last (the highest `focus` among their invitations): typed
-- text and /resume go to it. A counter, not a time, so two screens in the same second are still ordered.
ALTER TABLE invitations ADD COLUMN focus INTEGER NOT NULL DEFAULT 0;
-- The update that put the invitation's current question on screen: text typed before it (an older update id) was
-- typed at an earlier question and is refused as stale, never applied to the question shown now.
ALTER TABLE invitations ADD COLUMN shown_by INTEGER;
UPDATE invitations SET focus = 1 WHERE telegram_user_id IS NOT NULL;

-- `progress` (0009) gains the update id: the answers, the cursor, the update and the focus in one statement.
DROP TRIGGER progress_record;
DROP VIEW progress;
CREATE VIEW progress (invitation_id, answers, cursor, at, update_id) AS SELECT NULL, NULL, NULL, NULL, NULL WHERE 0;

CREATE TRIGGER progress_record INSTEAD OF INSERT ON progress
BEGIN
    -- a second delivery of the same update fails here, and the whole statement with it
    INSERT INTO handled_updates (update_id, handled_at) SELECT NEW.update_id, NEW.at WHERE NEW.update_id IS NOT NULL;
    INSERT INTO answers (invitation_id, question_id, value, answered_at)
    SELECT NEW.invitation_id, item.key, item.value, NEW.at FROM json_each(NEW.answers) AS item WHERE true
    ON CONFLICT (invitation_id, question_id) DO UPDATE SET value = excluded.value, answered_at = excluded.answered_at;
    UPDATE invitations SET cursor = NEW.cursor, last_seen_at = NEW.at, unreachable_at = NULL,
        shown_by = COALESCE(NEW.update_id, shown_by),
        focus = COALESCE((SELECT MAX(j.focus) FROM invitations j WHERE j.telegram_user_id = invitations.telegram_user_id), 0) + 1
    WHERE id = NEW.invitation_id;
END;

-- A withdrawal from a closed campaign whose stored reports still hold the withdrawn answers: recorded in the
-- withdrawal's own transaction, removed once the reports are rebuilt, and finished at start-up after a crash.
CREATE TABLE pending_rebuilds (
    campaign_id INTEGER PRIMARY KEY REFERENCES campaigns(id),
    since       TEXT NOT NULL
) WITHOUT ROWID;

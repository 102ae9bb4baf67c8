-- Recording a respondent's progress in ONE statement, so it is one trip to the database thread and one atomic
-- autocommit transaction instead of BEGIN, two statements and COMMIT (storage/repositories.py, `record`).
--
-- `progress` is a write-only view: inserting (invitation_id, answers, cursor, at) upserts every answer in the JSON
-- object `answers` ({"question id": "value" or null}) and moves the invitation's cursor, all or nothing.
CREATE VIEW progress (invitation_id, answers, cursor, at) AS SELECT NULL, NULL, NULL, NULL WHERE 0;

CREATE TRIGGER progress_record INSTEAD OF INSERT ON progress
BEGIN
    INSERT INTO answers (invitation_id, question_id, value, answered_at)
    SELECT NEW.invitation_id, item.key, item.value, NEW.at FROM json_each(NEW.answers) AS item WHERE true
    ON CONFLICT (invitation_id, question_id) DO UPDATE SET value = excluded.value, answered_at = excluded.answered_at;
    UPDATE invitations SET cursor = NEW.cursor, last_seen_at = NEW.at, unreachable_at = NULL
    WHERE id = NEW.invitation_id;
END;

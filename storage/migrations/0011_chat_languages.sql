-- 0011: the language an auditor (or the auditors' group chat) chose with /language, so that auditor commands,
-- /rates, the daily digest and the chat summary follow it.  Respondents' languages stay on their invitations.
CREATE TABLE chat_languages (
    chat_id  INTEGER PRIMARY KEY,
    language TEXT NOT NULL CHECK (language IN ('en', 'cy')),
    set_at   TEXT NOT NULL
) WITHOUT ROWID;

-- 0015: the access log and auditors scoped to their councils (issue 23, items 2 and 3).

-- Who received what: one row per release of data (/rates, the digest, summaries, report documents and exports, the
-- command line's report, rates and invitation lists), per change of who may see it (auditors added or removed), and
-- per erasure (withdrawals and purges, by campaign and count, never by person). No respondent data: who is an
-- auditor's Telegram id, the auditors' group chat, or "command line" with the OS user. Each row carries the hash of
-- the row before it (`prev_hash`) and its own (`hash`, over its fields and `prev_hash`): changing or removing a row
-- breaks the chain (`datatool-bot audit-log --verify`). `campaign_id` has no foreign key and the council's name is
-- written out, so the log outlives a campaign's purge; rows are never updated or deleted (the triggers below).
CREATE TABLE access_log (
    seq         INTEGER PRIMARY KEY,      -- 1, 2, 3, ... without gaps
    at          TEXT NOT NULL,            -- ISO-8601 UTC, to the second
    who         TEXT NOT NULL,            -- "auditor 12345", "auditors' chat -100...", "command line", "a respondent"
    os_user     TEXT NOT NULL DEFAULT '', -- the operating-system user, for the command line
    what        TEXT NOT NULL,            -- "rates", "digest", "posted", "report", "withdrawal", ...
    campaign_id INTEGER,
    authority   TEXT,
    detail      TEXT NOT NULL DEFAULT '', -- an item's name, a count; never an answer, a reference or a person's id
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE
);
CREATE INDEX access_log_campaign ON access_log(campaign_id, seq);
CREATE INDEX access_log_at ON access_log(at);

CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;

CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;

-- The councils an auditor added with `datatool-bot auditors add ID --authority NAME ...` may see. An auditor with no
-- row here (and every id in DATATOOL_AUDITOR_IDS) sees every council.
CREATE TABLE auditor_authorities (
    telegram_user_id INTEGER NOT NULL REFERENCES auditors(telegram_user_id) ON DELETE CASCADE,
    authority_id     INTEGER NOT NULL REFERENCES authorities(id),
    PRIMARY KEY (telegram_user_id, authority_id)
) WITHOUT ROWID;

-- 0003: fieldwork for auditors: targets, closing, auditors, rate views, digests.
ALTER TABLE authorities ADD COLUMN is_default INTEGER NOT NULL DEFAULT 0;

-- Target response rate per role, as a fraction (0.5 = 50%).
ALTER TABLE campaigns ADD COLUMN target_officer REAL NOT NULL DEFAULT 0.6 CHECK (target_officer BETWEEN 0 AND 1);
ALTER TABLE campaigns ADD COLUMN target_member REAL NOT NULL DEFAULT 0.5 CHECK (target_member BETWEEN 0 AND 1);
-- Why fieldwork closed: 'auditor' (closed early), 'date' (close date passed), 'complete' (everyone submitted).
ALTER TABLE campaigns ADD COLUMN closed_reason TEXT;

-- Auditors added at run time (beside DATATOOL_AUDITOR_IDS). Identified by Telegram user id, never username.
CREATE TABLE auditors (
    telegram_user_id INTEGER PRIMARY KEY,
    added_at         TEXT NOT NULL
);

-- What each auditor saw at their last /rates, per campaign: the baseline for "what changed since".
CREATE TABLE rate_views (
    auditor_id        INTEGER NOT NULL,
    campaign_id       INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    viewed_at         TEXT NOT NULL,
    officer_responded INTEGER NOT NULL,
    member_responded  INTEGER NOT NULL,
    officer_started   INTEGER NOT NULL,
    member_started    INTEGER NOT NULL,
    PRIMARY KEY (auditor_id, campaign_id)
) WITHOUT ROWID;

-- One row per daily digest sent: a restart on the same day does not send it twice.
CREATE TABLE digests (
    digest_date TEXT PRIMARY KEY,
    sent_at     TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX submissions_time ON submissions(submitted_at);

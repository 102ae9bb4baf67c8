-- 0014: retention of respondent-level data, and purging it at expiry (issue 23, item 1).
-- The record of erasures that a restored backup must not undo is kept OUTSIDE this database (storage/erasures.py).

-- How many days after fieldwork closes the campaign's respondent-level data is kept. `campaign create` records the
-- configured period (DATATOOL_RETENTION_DAYS) or --retention-days; NULL (a campaign created before this migration, or
-- by the demo and the tests): the configured period, whatever it is at the time.
ALTER TABLE campaigns ADD COLUMN retention_days INTEGER CHECK (retention_days IS NULL OR retention_days BETWEEN 1 AND 3650);

-- One row per campaign whose retention period ended, claimed (committed) before anything is erased, so a purge is run
-- once: a second claim finds this row, and a purge a crash interrupted is finished, never started again.
--   erased_at   the respondent-level rows were deleted, in one transaction with this column and the counts;
--   finished_at the write-ahead log was then emptied (checkpoint TRUNCATE) and the auditors told: nothing is left.
--   reapplied_at the purge was applied again from the erasure ledger to a restored backup (its auditors were told
--                the first time, so they are not told again).
-- The counts say what went (never who): invitations (with their token hashes, references and Telegram ids), the
-- Telegram identities among them, answers, free-text answers, and respondent-level export files.
CREATE TABLE purges (
    campaign_id  INTEGER PRIMARY KEY REFERENCES campaigns(id),
    claimed_at   TEXT NOT NULL,
    expired_at   TEXT NOT NULL,               -- the end of the retention period it was claimed for
    keep_reports INTEGER NOT NULL CHECK (keep_reports IN (0, 1)),
    erased_at    TEXT,
    finished_at  TEXT,
    reapplied_at TEXT,                        -- applied again from the erasure ledger after a restore (not re-announced)
    invitations  INTEGER,
    identities   INTEGER,
    answers      INTEGER,
    free_text    INTEGER,
    files        INTEGER
) WITHOUT ROWID;
CREATE INDEX purges_unfinished ON purges(finished_at) WHERE finished_at IS NULL;

-- What the auditors were told about a campaign's retention, per chat, with the guarantee of the other sends: claimed
-- `sending` (committed) before it goes out, `sent` after; a claim whose send certainly failed is removed and tried again
-- at the next tick; `unknown` (timed out, or left `sending` by a crash) is never sent again. A warning is about one
-- expiry date (`expires_at`): if the period is changed, the new date is warned about once more.
CREATE TABLE retention_notices (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    chat_id     INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('warning', 'erased')),
    expires_at  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'unknown', 'failed')),
    at          TEXT NOT NULL,
    PRIMARY KEY (campaign_id, kind, expires_at, chat_id)
) WITHOUT ROWID;

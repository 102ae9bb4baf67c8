-- 0012: results back to respondents (issue 13 item 4).
-- At submission a respondent may ask for the council's results: results_wanted_at is when they said yes (NULL: no,
-- the default; "No, thanks" and /withdraw clear it).
ALTER TABLE invitations ADD COLUMN results_wanted_at TEXT;

-- The brief summary sent to a respondent who asked for it, at most once per invitation, with the same states as
-- postings: 'sending' is committed before the message goes out and 'sent' after; 'failed' with a not_before waits
-- for its retry (certainly not delivered: 5xx, refused connection, flood control), 'failed' without one was given up
-- (blocked the bot, refused); 'unknown' (timed out after it went out, or left 'sending' by a crash) is never resent.
CREATE TABLE results_deliveries (
    invitation_id INTEGER PRIMARY KEY REFERENCES invitations(id) ON DELETE CASCADE,
    status        TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'unknown', 'failed')),
    at            TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 1,
    not_before    TEXT,
    error         TEXT
) WITHOUT ROWID;
CREATE INDEX invitations_results_wanted ON invitations(campaign_id) WHERE results_wanted_at IS NOT NULL;

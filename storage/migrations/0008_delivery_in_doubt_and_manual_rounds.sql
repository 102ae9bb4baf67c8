-- 0008: delivery faults and one-time manual reminder rounds.

-- A completion item that was certainly not delivered waits until not_before before it is tried again: a minute or
-- more after a transient failure (5xx, connection refused), the wait Telegram names after flood control (429), an
-- hour after a refusal (403/400). 'failed' with a not_before is waiting for its retry; 'failed' without one was given
-- up. Items that failed under 0007 (tried again an hour after their last attempt) keep exactly that schedule.
ALTER TABLE postings ADD COLUMN not_before TEXT;
ALTER TABLE postings ADD COLUMN error TEXT;
UPDATE postings SET not_before = strftime('%Y-%m-%dT%H:%M:%S+00:00', at, '+1 hour')
    WHERE status = 'failed' AND attempts < 48;
CREATE INDEX postings_due ON postings(status, not_before);

-- A /remind confirmation: its one-time code (in the button's callback data) and the invitations it counted. The
-- first press claims it (sent_at), queues those of them still eligible and records how many (queued); every later
-- press of the same button, by anyone, is told it was already sent.
CREATE TABLE manual_rounds (
    code         TEXT PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    roles        TEXT NOT NULL,             -- 'officer', 'member' or 'all'
    requested_by INTEGER NOT NULL,          -- the auditor's Telegram user id
    requested_at TEXT NOT NULL,
    sent_at      TEXT,
    sent_by      INTEGER,
    queued       INTEGER
) WITHOUT ROWID;

CREATE TABLE manual_round_invitations (
    code          TEXT NOT NULL REFERENCES manual_rounds(code) ON DELETE CASCADE,
    invitation_id INTEGER NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    PRIMARY KEY (code, invitation_id)
) WITHOUT ROWID;

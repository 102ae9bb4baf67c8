-- 0004: reminders.
-- A campaign's reminder policy as JSON (NULL: the configured default policy).
ALTER TABLE campaigns ADD COLUMN reminder_policy TEXT;
-- Per respondent: reminders turned off, chat unreachable (blocked the bot), "remind me tomorrow".
ALTER TABLE invitations ADD COLUMN reminders_off_at TEXT;
ALTER TABLE invitations ADD COLUMN unreachable_at TEXT;
ALTER TABLE invitations ADD COLUMN snoozed_until TEXT;

-- One row per person and reminder slot, written before anything is sent (see flows/reminders.py for the guarantee).
-- slot: a campaign slot ('2026-12-01T10:00' local time), 'final', 'snooze:<time>' or 'manual:<time>'.
CREATE TABLE reminders (
    invitation_id INTEGER NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    slot          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'unknown', 'unreachable', 'failed')),
    queued_at     TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    not_before    TEXT,
    sent_at       TEXT,
    error         TEXT,
    PRIMARY KEY (invitation_id, slot)
) WITHOUT ROWID;
CREATE INDEX reminders_status ON reminders(status, not_before);

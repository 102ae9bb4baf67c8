-- 0005: posting the compiled summary to auditors when fieldwork completes, exactly once per chat and item.
-- status: 'sending' is committed before an item goes out and 'sent' after; a row left 'sending' by a crash
-- becomes 'unknown' and is not sent again (the same guarantee as reminders).
CREATE TABLE postings (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    chat_id     INTEGER NOT NULL,
    item        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'unknown', 'failed')),
    at          TEXT NOT NULL,
    PRIMARY KEY (campaign_id, chat_id, item)
) WITHOUT ROWID;

-- A campaign whose completion has been posted to every recipient.
ALTER TABLE campaigns ADD COLUMN summary_posted_at TEXT;

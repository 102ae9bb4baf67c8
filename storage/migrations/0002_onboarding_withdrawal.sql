-- 0002: first-contact steps and withdrawal.
-- language NULL now means "not chosen yet": the respondent is asked at first contact.
-- notice_seen_at: when the respondent read the privacy notice and chose to start the questions.
-- withdrawn_at: when the respondent withdrew (answers and Telegram identity are deleted at that moment).
ALTER TABLE invitations ADD COLUMN notice_seen_at TEXT;
ALTER TABLE invitations ADD COLUMN withdrawn_at TEXT;

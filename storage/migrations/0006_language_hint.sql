-- 0006: the language Telegram reports for a respondent at first contact (normalised to en/cy), kept until they
-- choose one, so that someone who opened their link but never chose a language is still reminded in theirs.
ALTER TABLE invitations ADD COLUMN language_hint TEXT;

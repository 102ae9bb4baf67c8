-- 0007: a completion item that could not be delivered (say, an auditor who had not started the bot yet) is tried
-- again later, up to a limit, instead of being given up at once.
ALTER TABLE postings ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;

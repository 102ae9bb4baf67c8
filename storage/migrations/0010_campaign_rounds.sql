-- 0010: every campaign belongs to a round of the data tool (e.g. "2026"), so that a council's report can set it
-- among the councils of the same round and beside its own campaign of the round before.  Campaigns created before
-- this migration belong to the year they opened in (what `campaign create` now defaults to).
ALTER TABLE campaigns ADD COLUMN round TEXT NOT NULL DEFAULT '';
UPDATE campaigns SET round = substr(opens_on, 1, 4);
CREATE INDEX campaigns_round ON campaigns(round);

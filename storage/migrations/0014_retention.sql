-- 0014: retention of respondent-level data and the record of erasures (issue 23, items 1 and 4).
-- (reserved: filled in by the retention and backups work)
SELECT 1;

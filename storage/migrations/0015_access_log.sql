-- 0015: the access log and auditors scoped to their councils (issue 23, items 2 and 3).
-- (reserved: filled in by the access-log and scopes work)
SELECT 1;

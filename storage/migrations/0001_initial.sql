-- 0001: authorities, campaigns, invitations, answers, submissions.
-- Times are ISO-8601 UTC strings ("2026-11-25T10:43:07+00:00"); dates are ISO dates in the campaign's time zone.

CREATE TABLE authorities (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name_cy     TEXT
);

CREATE TABLE campaigns (
    id           INTEGER PRIMARY KEY,
    authority_id INTEGER NOT NULL REFERENCES authorities(id),
    opens_on     TEXT NOT NULL,
    closes_on    TEXT NOT NULL,
    closed_at    TEXT,                      -- set when fieldwork is closed (early, or on completion)
    created_at   TEXT NOT NULL,
    CHECK (closes_on >= opens_on)
);
CREATE INDEX campaigns_authority ON campaigns(authority_id);

-- One row per personal invite link. The token itself is never stored: only its SHA-256 hash.
CREATE TABLE invitations (
    id               INTEGER PRIMARY KEY,
    campaign_id      INTEGER NOT NULL REFERENCES campaigns(id),
    role             TEXT NOT NULL CHECK (role IN ('officer', 'member')),
    reference        TEXT NOT NULL UNIQUE,  -- what the council sees: maps the link to a person outside this system
    token_hash       TEXT NOT NULL UNIQUE,
    telegram_user_id INTEGER,               -- bound on first /start; NULL until then (and after withdrawal)
    chat_id          INTEGER,
    language         TEXT,
    cursor           TEXT,                  -- the question the respondent is on (NULL: first unanswered)
    bound_at         TEXT,
    last_seen_at     TEXT,
    created_at       TEXT NOT NULL,
    revoked_at       TEXT
);
CREATE INDEX invitations_campaign ON invitations(campaign_id, role);
CREATE INDEX invitations_user ON invitations(telegram_user_id);

-- One row per invitation and question, written the moment the answer arrives. value NULL = optional question skipped.
CREATE TABLE answers (
    invitation_id INTEGER NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    question_id   TEXT NOT NULL,
    value         TEXT,
    answered_at   TEXT NOT NULL,
    PRIMARY KEY (invitation_id, question_id)
) WITHOUT ROWID;

CREATE TABLE submissions (
    invitation_id         INTEGER PRIMARY KEY REFERENCES invitations(id) ON DELETE CASCADE,
    questionnaire_id      TEXT NOT NULL,
    questionnaire_version INTEGER NOT NULL,
    submitted_at          TEXT NOT NULL
);

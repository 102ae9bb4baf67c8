-- A datatool-bot database at schema version 8, as the release with migrations 0001-0008 left it, with a
-- little of everything (a submitted, a started, a withdrawn and an unopened invitation; reminders sent and in
-- doubt; postings sent, in doubt and waiting for a retry; a manual round). Kept as a fixture, like zigpy's
-- old-version databases, so that every future migration is tested against real data of this version.
-- Made once with the code of that release; never regenerate it with later code.
PRAGMA user_version = 8;
BEGIN TRANSACTION;
CREATE TABLE answers (
    invitation_id INTEGER NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    question_id   TEXT NOT NULL,
    value         TEXT,
    answered_at   TEXT NOT NULL,
    PRIMARY KEY (invitation_id, question_id)
) WITHOUT ROWID;
INSERT INTO "answers" VALUES(1,'kc_leadership','l1','2026-11-20T10:00:00+00:00');
INSERT INTO "answers" VALUES(1,'kc_standards','dk','2026-11-20T10:00:00+00:00');
INSERT INTO "answers" VALUES(1,'lead_help','Mwy o hyfforddiant
and dashboards','2026-11-20T10:00:00+00:00');
INSERT INTO "answers" VALUES(1,'vl_consistent','sa','2026-11-20T10:00:00+00:00');
INSERT INTO "answers" VALUES(2,'kc_leadership','l3','2026-11-20T10:00:00+00:00');
CREATE TABLE auditors (
    telegram_user_id INTEGER PRIMARY KEY,
    added_at         TEXT NOT NULL
);
INSERT INTO "auditors" VALUES(4242,'2026-11-20T10:00:00+00:00');
CREATE TABLE authorities (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name_cy     TEXT
, is_default INTEGER NOT NULL DEFAULT 0);
INSERT INTO "authorities" VALUES(1,'Flintshire County Council','Cyngor Sir y Fflint',1);
CREATE TABLE campaigns (
    id           INTEGER PRIMARY KEY,
    authority_id INTEGER NOT NULL REFERENCES authorities(id),
    opens_on     TEXT NOT NULL,
    closes_on    TEXT NOT NULL,
    closed_at    TEXT,                      -- set when fieldwork is closed (early, or on completion)
    created_at   TEXT NOT NULL, target_officer REAL NOT NULL DEFAULT 0.6 CHECK (target_officer BETWEEN 0 AND 1), target_member REAL NOT NULL DEFAULT 0.5 CHECK (target_member BETWEEN 0 AND 1), closed_reason TEXT, reminder_policy TEXT, summary_posted_at TEXT,
    CHECK (closes_on >= opens_on)
);
INSERT INTO "campaigns" VALUES(1,1,'2026-11-16','2026-12-11','2026-12-12T00:05:00+00:00','2026-11-20T10:00:00+00:00',0.6,0.5,'date',NULL,NULL);
CREATE TABLE digests (
    digest_date TEXT PRIMARY KEY,
    sent_at     TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO "digests" VALUES('2026-11-20','2026-11-20T10:00:00+00:00');
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
, notice_seen_at TEXT, withdrawn_at TEXT, reminders_off_at TEXT, unreachable_at TEXT, snoozed_until TEXT, language_hint TEXT);
INSERT INTO "invitations" VALUES(1,1,'officer','C1-O0001','0858f37d3966f6161ee0163ce1939c2adc2ce99eee96027e03895823b92e7eb5',9001,9001,'cy','@review','2026-11-20T10:00:00+00:00','2026-11-20T10:00:00+00:00','2026-11-20T10:00:00+00:00',NULL,'2026-11-20T10:00:00+00:00',NULL,NULL,NULL,NULL,NULL);
INSERT INTO "invitations" VALUES(2,1,'officer','C1-O0002','f006fb24a0587a24fec9cb3ae85d532cab5c840407d8f47e1d17ce64769d2b3f',9002,9002,NULL,'kc_standards','2026-11-20T10:00:00+00:00','2026-11-20T10:00:00+00:00','2026-11-20T10:00:00+00:00',NULL,NULL,NULL,NULL,NULL,'2026-11-25T10:00:00+00:00','en');
INSERT INTO "invitations" VALUES(3,1,'member','C1-M0001','7bb652c550a9f75c95616ebf3e30f79141a82ff126368a7171862d9828e9bc49',NULL,NULL,NULL,NULL,NULL,NULL,'2026-11-20T10:00:00+00:00',NULL,NULL,'2026-11-20T10:00:00+00:00',NULL,NULL,NULL,NULL);
INSERT INTO "invitations" VALUES(4,1,'member','C1-M0002','6daa21176c4823489b32e342fd75a96dd3e4667679635293e814de7bbd79e188',NULL,NULL,NULL,NULL,NULL,NULL,'2026-11-20T10:00:00+00:00',NULL,NULL,NULL,NULL,NULL,NULL,NULL);
CREATE TABLE manual_round_invitations (
    code          TEXT NOT NULL REFERENCES manual_rounds(code) ON DELETE CASCADE,
    invitation_id INTEGER NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    PRIMARY KEY (code, invitation_id)
) WITHOUT ROWID;
INSERT INTO "manual_round_invitations" VALUES('AbCdEfGhIjKl',2);
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
INSERT INTO "manual_rounds" VALUES('AbCdEfGhIjKl',1,'member',4242,'2026-11-20T10:00:00+00:00','2026-11-20T10:00:00+00:00',4242,1);
CREATE TABLE postings (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    chat_id     INTEGER NOT NULL,
    item        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'unknown', 'failed')),
    at          TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 1, not_before TEXT, error TEXT,
    PRIMARY KEY (campaign_id, chat_id, item)
) WITHOUT ROWID;
INSERT INTO "postings" VALUES(1,4242,'answers.xlsx','failed','2026-11-20T10:00:00+00:00',2,'2026-12-12T01:05:00+00:00','NetworkError: server error');
INSERT INTO "postings" VALUES(1,4242,'report-cy.html','unknown','2026-11-20T10:00:00+00:00',1,NULL,'TimedOut');
INSERT INTO "postings" VALUES(1,4242,'summary','sent','2026-11-20T10:00:00+00:00',1,NULL,NULL);
CREATE TABLE rate_views (
    auditor_id        INTEGER NOT NULL,
    campaign_id       INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    viewed_at         TEXT NOT NULL,
    officer_responded INTEGER NOT NULL,
    member_responded  INTEGER NOT NULL,
    officer_started   INTEGER NOT NULL,
    member_started    INTEGER NOT NULL,
    PRIMARY KEY (auditor_id, campaign_id)
) WITHOUT ROWID;
INSERT INTO "rate_views" VALUES(4242,1,'2026-11-20T10:00:00+00:00',1,0,1,0);
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
INSERT INTO "reminders" VALUES(2,'2026-11-17T10:00','sent','2026-11-20T10:00:00+00:00',1,NULL,'2026-11-20T10:00:00+00:00',NULL);
INSERT INTO "reminders" VALUES(2,'2026-11-19T10:00','unknown','2026-11-20T10:00:00+00:00',1,NULL,NULL,NULL);
CREATE TABLE submissions (
    invitation_id         INTEGER PRIMARY KEY REFERENCES invitations(id) ON DELETE CASCADE,
    questionnaire_id      TEXT NOT NULL,
    questionnaire_version INTEGER NOT NULL,
    submitted_at          TEXT NOT NULL
);
INSERT INTO "submissions" VALUES(1,'officer',1,'2026-11-20T10:00:00+00:00');
CREATE INDEX campaigns_authority ON campaigns(authority_id);
CREATE INDEX invitations_campaign ON invitations(campaign_id, role);
CREATE INDEX invitations_user ON invitations(telegram_user_id);
CREATE INDEX submissions_time ON submissions(submitted_at);
CREATE INDEX reminders_status ON reminders(status, not_before);
CREATE INDEX postings_due ON postings(status, not_before);
COMMIT;

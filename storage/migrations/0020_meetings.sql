-- Meetings of local self-government (issue 19). A meeting is a row of `hearings` with its kind:
-- a public hearing (every row made before this migration), a local community assembly
-- (жергілікті қоғамдастық жиналысы / собрание местного сообщества), a separate gathering of a
-- village (бөлек жиын / раздельный сход) or the akim's reporting meeting with residents.
ALTER TABLE hearings ADD COLUMN kind TEXT NOT NULL DEFAULT 'hearing'
    CHECK (kind IN ('hearing', 'assembly', 'gathering', 'report'));
-- Why it was last cancelled or postponed; its first planned start once postponed, and how often.
ALTER TABLE hearings ADD COLUMN reason TEXT;
ALTER TABLE hearings ADD COLUMN postponed_from TEXT;
ALTER TABLE hearings ADD COLUMN postponements INTEGER NOT NULL DEFAULT 0;
-- An assembly as held: its members then, those present (the quorum is more than half), and the
-- signed protocol as Telegram keeps it (a photo or a document, by file id).
ALTER TABLE hearings ADD COLUMN members_total INTEGER;
ALTER TABLE hearings ADD COLUMN members_present INTEGER;
ALTER TABLE hearings ADD COLUMN protocol_file_id TEXT;
ALTER TABLE hearings ADD COLUMN protocol_kind TEXT CHECK (protocol_kind IN ('photo', 'document'));
-- When the answers to the questions asked in advance went out, in one message.
ALTER TABLE hearings ADD COLUMN answers_sent_at TEXT;

-- The members of the local community assembly, per village, kept by staff (names only: they
-- need not use Telegram). An assembly's members are those of its villages.
CREATE TABLE assembly_members (
    id           INTEGER PRIMARY KEY,
    village_code TEXT NOT NULL REFERENCES villages(code),
    name         TEXT NOT NULL,
    added_by     INTEGER NOT NULL,
    added_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX assembly_members_name ON assembly_members(village_code, name COLLATE NOCASE);

-- An assembly's agenda items, each recorded after it with the decision and the votes.
CREATE TABLE meeting_items (
    hearing_id      INTEGER NOT NULL REFERENCES hearings(id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    title           TEXT NOT NULL,
    decision        TEXT,
    votes_for       INTEGER,
    votes_against   INTEGER,
    votes_abstained INTEGER,
    PRIMARY KEY (hearing_id, position)
) WITHOUT ROWID;

-- Staff's answer to the questions of one theme asked before a meeting (appeals of kind
-- 'question', their category the theme); all of a meeting's answers go out in one message.
CREATE TABLE meeting_answers (
    hearing_id  INTEGER NOT NULL REFERENCES hearings(id) ON DELETE CASCADE,
    theme       TEXT NOT NULL,
    text        TEXT NOT NULL,
    answered_by INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (hearing_id, theme)
) WITHOUT ROWID;

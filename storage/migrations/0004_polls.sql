-- Polls on local priorities (сауалнама / опрос): inline buttons and our own tally, because
-- Telegram's native polls close within 10 minutes, can be forwarded to anyone and hide voters.
CREATE TABLE polls (
    id            INTEGER PRIMARY KEY,
    question      TEXT NOT NULL,
    max_choices   INTEGER NOT NULL CHECK (max_choices BETWEEN 1 AND 10),  -- 1: single choice
    may_change    INTEGER NOT NULL CHECK (may_change IN (0, 1)),
    results_early INTEGER NOT NULL CHECK (results_early IN (0, 1)),  -- shown after voting
    closes_at     TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_by    INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    closed_at     TEXT,
    closed_by     INTEGER,  -- staff who closed it early; NULL when it closed on time
    reminded_at   TEXT      -- the reminder to non-voters was claimed then
);
CREATE INDEX polls_status ON polls(status, closes_at);

CREATE TABLE poll_options (
    poll_id  INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    position INTEGER NOT NULL CHECK (position BETWEEN 0 AND 9),
    label    TEXT NOT NULL,
    PRIMARY KEY (poll_id, position)
) WITHOUT ROWID;

CREATE TABLE poll_villages (
    poll_id      INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    village_code TEXT NOT NULL REFERENCES villages(code),
    registered   INTEGER,  -- residents registered in the village when the poll closed
    PRIMARY KEY (poll_id, village_code)
) WITHOUT ROWID;
CREATE INDEX poll_villages_village ON poll_villages(village_code);

-- One resident, one vote: the primary key is the rule. choices is a bit set of option
-- positions (bit 0 = the first option); village_code is where the voter lived when voting.
CREATE TABLE poll_votes (
    poll_id      INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    person_id    INTEGER NOT NULL REFERENCES people(id),
    village_code TEXT NOT NULL,
    choices      INTEGER NOT NULL CHECK (choices > 0 AND choices < 1024),
    voted_at     TEXT NOT NULL,
    changed_at   TEXT,
    PRIMARY KEY (poll_id, person_id)
) WITHOUT ROWID;

-- Votes cast on paper at a meeting, entered by staff per village and option.
CREATE TABLE poll_paper_votes (
    poll_id      INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    village_code TEXT NOT NULL REFERENCES villages(code),
    position     INTEGER NOT NULL CHECK (position BETWEEN 0 AND 9),
    votes        INTEGER NOT NULL CHECK (votes >= 0),
    entered_by   INTEGER NOT NULL,
    entered_at   TEXT NOT NULL,
    PRIMARY KEY (poll_id, village_code, position)
) WITHOUT ROWID;

-- Issue 13, part B: paper votes as meeting protocols, who may vote in a poll, verified residents.

-- Paper votes are meeting protocols: the date and place of the meeting, the residents present
-- and the votes per option, with who entered it and when. A protocol is never changed: a
-- correction is a new protocol that supersedes the standing one, with a reason. A village has
-- at most one chain of protocols per poll; the last of the chain stands.
CREATE TABLE poll_protocols (
    id           INTEGER PRIMARY KEY,
    poll_id      INTEGER NOT NULL REFERENCES polls(id),
    village_code TEXT NOT NULL REFERENCES villages(code),
    met_on       TEXT,     -- the meeting's date, YYYY-MM-DD local; NULL only for paper votes
    place        TEXT,     -- entered before protocols (this migration), as are place and present
    present      INTEGER CHECK (present IS NULL OR present >= 0),  -- residents present
    entered_by   INTEGER NOT NULL,  -- staff, by Telegram id
    entered_at   TEXT NOT NULL,
    supersedes   INTEGER UNIQUE REFERENCES poll_protocols(id),  -- the protocol it corrects
    reason       TEXT,     -- why it corrects it
    CHECK (supersedes IS NULL OR reason IS NOT NULL)
);
CREATE UNIQUE INDEX poll_protocols_first ON poll_protocols(poll_id, village_code)
    WHERE supersedes IS NULL;

CREATE TABLE poll_protocol_votes (
    protocol_id INTEGER NOT NULL REFERENCES poll_protocols(id),
    position    INTEGER NOT NULL CHECK (position BETWEEN 0 AND 9),
    votes       INTEGER NOT NULL CHECK (votes >= 0),
    PRIMARY KEY (protocol_id, position)
) WITHOUT ROWID;

-- Paper votes entered before protocols become protocols of unknown date, place and attendance.
INSERT INTO poll_protocols (poll_id, village_code, entered_by, entered_at)
SELECT poll_id, village_code, MAX(entered_by), MAX(entered_at) FROM poll_paper_votes
GROUP BY poll_id, village_code;
INSERT INTO poll_protocol_votes (protocol_id, position, votes)
SELECT p.id, v.position, v.votes FROM poll_paper_votes v
JOIN poll_protocols p ON p.poll_id = v.poll_id AND p.village_code = v.village_code;

-- From now on poll_paper_votes holds the paper votes that count: those of each village's
-- standing protocol, kept so by these triggers (readers such as the weekly reports read it as
-- before). A new protocol of a village replaces the village's rows there; its votes fill them.
CREATE TRIGGER poll_protocols_stand AFTER INSERT ON poll_protocols BEGIN
    DELETE FROM poll_paper_votes WHERE poll_id = NEW.poll_id AND village_code = NEW.village_code;
END;
CREATE TRIGGER poll_protocol_votes_count AFTER INSERT ON poll_protocol_votes BEGIN
    INSERT INTO poll_paper_votes (poll_id, village_code, position, votes, entered_by, entered_at)
    SELECT p.poll_id, p.village_code, NEW.position, NEW.votes, p.entered_by, p.entered_at
    FROM poll_protocols p WHERE p.id = NEW.protocol_id;
END;

-- What a protocol says cannot exceed the meeting: no option more votes than residents present.
CREATE TRIGGER poll_protocol_votes_bounded BEFORE INSERT ON poll_protocol_votes
WHEN NEW.votes > (SELECT present FROM poll_protocols WHERE id = NEW.protocol_id) BEGIN
    SELECT RAISE(ABORT, 'more votes than residents present');
END;
-- A correction corrects a protocol of the same poll and village.
CREATE TRIGGER poll_protocols_correct_own BEFORE INSERT ON poll_protocols
WHEN NEW.supersedes IS NOT NULL AND NOT EXISTS (SELECT 1 FROM poll_protocols o
    WHERE o.id = NEW.supersedes AND o.poll_id = NEW.poll_id AND o.village_code = NEW.village_code)
BEGIN
    SELECT RAISE(ABORT, 'a correction supersedes a protocol of the same poll and village');
END;
-- Nothing is overwritten or removed.
CREATE TRIGGER poll_protocols_kept BEFORE UPDATE ON poll_protocols BEGIN
    SELECT RAISE(ABORT, 'a protocol is never changed: enter a correction');
END;
CREATE TRIGGER poll_protocols_not_removed BEFORE DELETE ON poll_protocols BEGIN
    SELECT RAISE(ABORT, 'a protocol is never removed');
END;
CREATE TRIGGER poll_protocol_votes_kept BEFORE UPDATE ON poll_protocol_votes BEGIN
    SELECT RAISE(ABORT, 'a protocol is never changed: enter a correction');
END;
CREATE TRIGGER poll_protocol_votes_not_removed BEFORE DELETE ON poll_protocol_votes BEGIN
    SELECT RAISE(ABORT, 'a protocol is never removed');
END;

-- Who may vote: the residents of the poll's villages (0), or only the verified ones (1).
ALTER TABLE polls ADD COLUMN verified_only INTEGER NOT NULL DEFAULT 0
    CHECK (verified_only IN (0, 1));
-- Whether the voter was a verified resident of the village when the vote was cast (or changed).
ALTER TABLE poll_votes ADD COLUMN verified INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1));

-- Verified residents. A resident shares their phone with Telegram's contact button; a number of
-- the village's household register verifies at once, else the village's staff approve or reject
-- the request. One phone verifies one account; changing village drops the verification.
CREATE TABLE verifications (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES people(id),
    village_code TEXT NOT NULL REFERENCES villages(code),
    phone_hash   TEXT NOT NULL,  -- keyed hash of the E.164 number (bot/identity.py)
    phone        TEXT,           -- E.164, shown to staff while pending; erased at the decision
    name         TEXT,           -- the contact's name, likewise
    street       TEXT,           -- as the resident typed it, likewise
    status       TEXT NOT NULL
                 CHECK (status IN ('pending', 'verified', 'rejected', 'dropped', 'erased')),
    method       TEXT CHECK (method IN ('register', 'staff')),  -- how it was verified
    requested_at TEXT NOT NULL,
    decided_at   TEXT,
    decided_by   INTEGER,        -- staff, by Telegram id
    reason       TEXT            -- a rejection's reason, as the resident was told it
);
CREATE UNIQUE INDEX verifications_one_phone ON verifications(phone_hash)
    WHERE status = 'verified';
CREATE UNIQUE INDEX verifications_one_open ON verifications(person_id)
    WHERE status IN ('pending', 'verified');
CREATE INDEX verifications_queue ON verifications(village_code, requested_at)
    WHERE status = 'pending';

-- A village's phone numbers from the household register, as keyed hashes only (the imported
-- file is not kept).
CREATE TABLE register_phones (
    village_code TEXT NOT NULL REFERENCES villages(code),
    phone_hash   TEXT NOT NULL,
    imported_at  TEXT NOT NULL,
    PRIMARY KEY (village_code, phone_hash)
) WITHOUT ROWID;

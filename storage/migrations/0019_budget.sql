-- Participatory budget of a village or a rural okrug (issue 21): a cycle with its amount, rule
-- and phases; residents' proposals, screened by staff; ballots within the budget (or approval
-- of up to K projects); paper protocols; results by the published rule; implementation.
CREATE TABLE budget_cycles (
    id                INTEGER PRIMARY KEY,
    title             TEXT NOT NULL,
    scope_kind        TEXT NOT NULL CHECK (scope_kind IN ('village', 'okrug')),
    scope_code        TEXT NOT NULL,
    amount            INTEGER NOT NULL CHECK (amount > 0),  -- tenge
    rule              TEXT NOT NULL CHECK (rule IN ('greedy', 'mes')),
    ballot_kind       TEXT NOT NULL CHECK (ballot_kind IN ('budget', 'approval')),
    max_choices       INTEGER CHECK (max_choices IS NULL OR max_choices BETWEEN 1 AND 30),
    electorate        TEXT NOT NULL CHECK (electorate IN ('residents', 'verified')),
    -- The phase the cycle has reached; each change is claimed by its job (once).
    phase             TEXT NOT NULL DEFAULT 'proposals' CHECK (phase IN
                      ('proposals', 'screening', 'voting', 'results', 'implementation',
                       'cancelled')),
    -- When each phase begins (UTC): proposals from opened_at until screening_at, and so on.
    opened_at         TEXT NOT NULL,
    screening_at      TEXT NOT NULL,
    voting_at         TEXT NOT NULL,
    results_at        TEXT NOT NULL,  -- voting closes; the rule decides
    implementation_at TEXT NOT NULL,
    created_by        INTEGER NOT NULL,  -- staff, by Telegram id
    results           TEXT,              -- JSON: the counts and outcome decided at the close
    CHECK (opened_at <= screening_at AND screening_at <= voting_at AND voting_at < results_at
           AND results_at <= implementation_at)
);
CREATE INDEX budget_cycles_phase ON budget_cycles(phase);

CREATE TABLE budget_cycle_villages (
    cycle_id     INTEGER NOT NULL REFERENCES budget_cycles(id),
    village_code TEXT NOT NULL REFERENCES villages(code),
    PRIMARY KEY (cycle_id, village_code)
) WITHOUT ROWID;
CREATE INDEX budget_cycle_villages_village ON budget_cycle_villages(village_code);

CREATE TABLE budget_projects (
    id              INTEGER PRIMARY KEY,
    cycle_id        INTEGER NOT NULL REFERENCES budget_cycles(id),
    number          INTEGER NOT NULL,  -- 1, 2, ... within the cycle, in order of proposal
    proposer_key    TEXT NOT NULL,     -- the proposer's voter key: limits survive /deletedata
    person_id       INTEGER REFERENCES people(id),  -- told of the screening
    village_code    TEXT REFERENCES villages(code),
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    cost            INTEGER NOT NULL CHECK (cost > 0),  -- the proposer's rough cost, tenge
    photo           TEXT,  -- a Telegram file id
    latitude        REAL,
    longitude       REAL,
    created_at      TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'proposed'
                    CHECK (status IN ('proposed', 'accepted', 'rejected', 'merged')),
    final_cost      INTEGER CHECK (final_cost IS NULL OR final_cost > 0),  -- refined by staff
    reason          TEXT,     -- a rejection's reason, published
    merged_into     INTEGER REFERENCES budget_projects(id),
    screened_by     INTEGER,  -- staff, by Telegram id
    screened_at     TEXT,
    position        INTEGER CHECK (position IS NULL OR position BETWEEN 0 AND 29),  -- on the ballot
    funded          INTEGER,  -- the order in which the rule funded it (1 = first); NULL: not
    progress        TEXT CHECK (progress IN ('planned', 'started', 'done', 'cancelled')),
    progress_reason TEXT,     -- why it was cancelled
    UNIQUE (cycle_id, number),
    UNIQUE (cycle_id, position)
);
CREATE INDEX budget_projects_proposer ON budget_projects(cycle_id, proposer_key);

-- One ballot per person: the primary key is the rule. The key is the voter's pseudonymous key,
-- which /deletedata does not reset. choices: a bit set of ballot positions.
CREATE TABLE budget_ballots (
    cycle_id     INTEGER NOT NULL REFERENCES budget_cycles(id),
    voter_key    TEXT NOT NULL,
    person_id    INTEGER REFERENCES people(id),  -- told of the progress of what they chose
    village_code TEXT NOT NULL,
    choices      INTEGER NOT NULL CHECK (choices > 0),
    cast_at      TEXT NOT NULL,
    changed_at   TEXT,
    PRIMARY KEY (cycle_id, voter_key)
) WITHOUT ROWID;

-- Paper ballots from a village meeting, merged as a protocol: the residents present, and either
-- the votes per project (greedy) or each paper ballot as recorded (Equal Shares, which needs
-- every ballot). A new protocol of the village supersedes the standing one; none is changed.
CREATE TABLE budget_protocols (
    id           INTEGER PRIMARY KEY,
    cycle_id     INTEGER NOT NULL REFERENCES budget_cycles(id),
    village_code TEXT NOT NULL REFERENCES villages(code),
    present      INTEGER NOT NULL CHECK (present >= 0),
    entered_by   INTEGER NOT NULL,
    entered_at   TEXT NOT NULL,
    supersedes   INTEGER UNIQUE REFERENCES budget_protocols(id)
);
CREATE TABLE budget_protocol_votes (
    protocol_id INTEGER NOT NULL REFERENCES budget_protocols(id),
    position    INTEGER NOT NULL,
    votes       INTEGER NOT NULL CHECK (votes >= 0),
    PRIMARY KEY (protocol_id, position)
) WITHOUT ROWID;
CREATE TABLE budget_protocol_ballots (
    protocol_id INTEGER NOT NULL REFERENCES budget_protocols(id),
    paper       INTEGER NOT NULL,  -- 1, 2, ... as the papers were counted
    choices     INTEGER NOT NULL CHECK (choices > 0),
    PRIMARY KEY (protocol_id, paper)
) WITHOUT ROWID;
CREATE TRIGGER budget_protocols_kept BEFORE UPDATE ON budget_protocols BEGIN
    SELECT RAISE(ABORT, 'a protocol is never changed: enter a new one');
END;

-- What staff report on a funded project: a change of its status, a note, a photo.
CREATE TABLE budget_updates (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES budget_projects(id),
    progress   TEXT NOT NULL CHECK (progress IN ('planned', 'started', 'done', 'cancelled')),
    note       TEXT,
    photo      TEXT,  -- a Telegram file id
    posted_by  INTEGER NOT NULL,
    posted_at  TEXT NOT NULL
);
CREATE INDEX budget_updates_project ON budget_updates(project_id, posted_at);

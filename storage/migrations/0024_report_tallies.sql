-- Faster summaries (issue 16, item 9): a quarter of a region read half a million poll votes,
-- looked up every complaint of the quarter and every resident in the table.
--
-- Poll votes counted as they are cast: one row per poll, village of the vote, set of choices
-- and whether the voter was verified, kept by the triggers below at every vote cast, changed or
-- deleted (a poll deleted takes its votes, and so its tallies, with it). A summary reads these
-- few thousand rows instead of the votes; tests/test_report_tallies.py checks that they say
-- what the votes say.
CREATE TABLE poll_tallies (
    poll_id      INTEGER NOT NULL,
    village_code TEXT NOT NULL,
    choices      INTEGER NOT NULL,
    verified     INTEGER NOT NULL,
    votes        INTEGER NOT NULL CHECK (votes > 0),
    PRIMARY KEY (poll_id, village_code, choices, verified)
) WITHOUT ROWID;

INSERT INTO poll_tallies (poll_id, village_code, choices, verified, votes)
SELECT poll_id, village_code, choices, verified, COUNT(*) FROM poll_votes
GROUP BY poll_id, village_code, choices, verified;

CREATE TRIGGER poll_tallies_insert AFTER INSERT ON poll_votes BEGIN
    INSERT INTO poll_tallies (poll_id, village_code, choices, verified, votes)
    VALUES (new.poll_id, new.village_code, new.choices, new.verified, 1)
    ON CONFLICT (poll_id, village_code, choices, verified) DO UPDATE SET votes = poll_tallies.votes + 1;
END;

CREATE TRIGGER poll_tallies_delete AFTER DELETE ON poll_votes BEGIN
    DELETE FROM poll_tallies WHERE poll_id = old.poll_id AND village_code = old.village_code
    AND choices = old.choices AND verified = old.verified AND votes = 1;
    UPDATE poll_tallies SET votes = votes - 1 WHERE poll_id = old.poll_id
    AND village_code = old.village_code AND choices = old.choices AND verified = old.verified;
END;

CREATE TRIGGER poll_tallies_update AFTER UPDATE OF poll_id, village_code, choices, verified
ON poll_votes BEGIN
    DELETE FROM poll_tallies WHERE poll_id = old.poll_id AND village_code = old.village_code
    AND choices = old.choices AND verified = old.verified AND votes = 1;
    UPDATE poll_tallies SET votes = votes - 1 WHERE poll_id = old.poll_id
    AND village_code = old.village_code AND choices = old.choices AND verified = old.verified;
    INSERT INTO poll_tallies (poll_id, village_code, choices, verified, votes)
    VALUES (new.poll_id, new.village_code, new.choices, new.verified, 1)
    ON CONFLICT (poll_id, village_code, choices, verified) DO UPDATE SET votes = poll_tallies.votes + 1;
END;

-- Like every table a report reads, its changes raise the data version (migration 0015); they
-- come with a vote's, which raise it anyway.
CREATE TRIGGER poll_tallies_insert_version AFTER INSERT ON poll_tallies BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER poll_tallies_update_version AFTER UPDATE ON poll_tallies BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER poll_tallies_delete_version AFTER DELETE ON poll_tallies BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;

-- The period's complaints read from the index alone (received, by village, kind, category and
-- status; who was active; the trend's counts), not looked up one by one in the table.
DROP INDEX appeals_created;
CREATE INDEX appeals_created ON appeals(created_at, kind, village_code, category, status, person_id);

-- Residents of each village by the channel they joined through (the Joined from sheet) read
-- from the index alone, not 200,000 rows looked up in the table (0.3 s of a region's summary).
DROP INDEX people_village;
CREATE INDEX people_village ON people(village_code, joined_via) WHERE deleted_at IS NULL;

-- An update is claimed when its handling starts and finished when it ends. A process killed in
-- between (SIGKILL, a lost machine) leaves a claim without an end and the update's stored body
-- (received_updates): the next active process handles it again instead of losing it (a vote
-- whose claim was committed but whose ballot was not). ``attempts`` counts the starts: an
-- update whose handling was cut short twice is given up, so that one which kills the process
-- cannot keep it restarting. Claims made before these columns existed were finished.
ALTER TABLE processed_updates ADD COLUMN finished_at TEXT;
ALTER TABLE processed_updates ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;
UPDATE processed_updates SET finished_at = processed_at;

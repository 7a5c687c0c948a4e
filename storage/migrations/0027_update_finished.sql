-- An update is claimed when its handling starts and finished when it ends. A process killed in
-- between (SIGKILL, a lost machine) leaves a claim without an end and the update's stored body
-- (received_updates): the next active process handles it again instead of losing it (a vote
-- whose claim was committed but whose ballot was not). Claims made before this column existed
-- were finished.
ALTER TABLE processed_updates ADD COLUMN finished_at TEXT;
UPDATE processed_updates SET finished_at = processed_at;

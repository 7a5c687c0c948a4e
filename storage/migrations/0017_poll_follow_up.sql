-- What the akimat did after a poll closed, as staff recorded it ("you said, we did"): reports
-- show it next to the winning option.
ALTER TABLE polls ADD COLUMN follow_up TEXT;
ALTER TABLE polls ADD COLUMN follow_up_at TEXT;
ALTER TABLE polls ADD COLUMN follow_up_by INTEGER;

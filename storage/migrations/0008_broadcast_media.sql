-- A resident who got a broadcast's text without its picture or file (Telegram refused the file):
-- the sender's report counts them. Only meaningful when status is 'sent'.
ALTER TABLE outbox ADD COLUMN text_only INTEGER NOT NULL DEFAULT 0;

-- A line above the progress report of a broadcast nobody sent by hand (the results of a poll,
-- a reminder), in the report's language, so that the staff told of it know what it is.
ALTER TABLE broadcasts ADD COLUMN report_title TEXT;

-- Updates fetched from Telegram (a getUpdates batch, a webhook POST), stored before Telegram is
-- told they arrived: a process killed before handling them takes them up again at its next
-- start (or the standby that takes over does). The claim of an update (processed_updates)
-- deletes its row in the same transaction; rows of updates never claimed go after 48 hours.
CREATE TABLE received_updates (
    update_id   INTEGER PRIMARY KEY,
    body        TEXT NOT NULL,
    received_at TEXT NOT NULL
);

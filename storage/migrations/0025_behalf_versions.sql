-- Items and attendance entered for residents without Telegram are figures of the summary (items by
-- channel, hearing attendance): a change of them makes a cached summary stale, as every other table
-- a report reads does (0015).
CREATE TRIGGER appeal_behalf_insert_version AFTER INSERT ON appeal_behalf BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER appeal_behalf_update_version AFTER UPDATE ON appeal_behalf BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER appeal_behalf_delete_version AFTER DELETE ON appeal_behalf BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER hearing_behalf_insert_version AFTER INSERT ON hearing_behalf BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER hearing_behalf_update_version AFTER UPDATE ON hearing_behalf BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER hearing_behalf_delete_version AFTER DELETE ON hearing_behalf BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;

-- How many people live in a village, when the territory file gives it (the household register's
-- figure): bounds paper votes and gives reports a reach against population. Unknown is NULL.
ALTER TABLE villages ADD COLUMN population INTEGER CHECK (population IS NULL OR population >= 0);

-- The language of the person's Telegram app (kk, ru or en; NULL for any other or none), stored
-- at every contact. Notices sent later, outside a reply, use it when the person has not chosen a
-- language, as replies already do.
ALTER TABLE people ADD COLUMN telegram_language TEXT
    CHECK (telegram_language IN ('kk', 'ru', 'en'));

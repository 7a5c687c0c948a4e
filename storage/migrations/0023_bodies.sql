-- Other bodies per district (issue 18 item 5): the electricity network company, the water
-- utility, district roads... Staff hand an item that is not the akimat's to one of them, and the
-- resident gets its contacts. Imported by CSV (`qatysu bodies import`), keyed by district and
-- code so that importing the same file again changes nothing; a removed body keeps its row
-- (removed_at) so that the history of items handed to it still names it.
CREATE TABLE bodies (
    id            INTEGER PRIMARY KEY,
    district_code TEXT NOT NULL REFERENCES districts(code),
    code          TEXT NOT NULL,
    name_kk       TEXT NOT NULL,
    name_ru       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    phone         TEXT NOT NULL,
    address_kk    TEXT NOT NULL,
    address_ru    TEXT NOT NULL,
    address_en    TEXT NOT NULL,
    handles_kk    TEXT NOT NULL,
    handles_ru    TEXT NOT NULL,
    handles_en    TEXT NOT NULL,
    sample        INTEGER NOT NULL DEFAULT 0,  -- sample data (the demo's), not a real body
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    removed_at    TEXT,
    UNIQUE (district_code, code)
);
-- The summary names the body an item went to: a change is a change of the figures.
CREATE TRIGGER bodies_insert_version AFTER INSERT ON bodies BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER bodies_update_version AFTER UPDATE ON bodies BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER bodies_delete_version AFTER DELETE ON bodies BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;

-- A step of an item's history may name where it went (forwarded: 'village:<code>',
-- 'district:<code>'; handed off: 'body:<id>') apart from the note staff typed with it. Steps
-- stored before keep the place in note, as they did.
ALTER TABLE appeal_events ADD COLUMN target TEXT;

-- Staff-typed texts in the other state language (issue 17): the first version stays in its
-- column, the others are JSON {"<language>": {"<field>": "<text>"}} (NULL: only the first).
-- Hearings: topic, place, agenda, decisions; polls: question, options (one per line);
-- an item's history: note (an answer, comment or reason told to the resident).
ALTER TABLE hearings ADD COLUMN versions TEXT;
ALTER TABLE polls ADD COLUMN versions TEXT;
ALTER TABLE appeal_events ADD COLUMN versions TEXT;

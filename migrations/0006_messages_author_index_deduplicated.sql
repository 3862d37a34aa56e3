-- `messages (author_id)` instead of `(author_id, id)`: with the key alone, PostgreSQL stores one
-- author's entries as deduplicated posting lists, a ninth of the size. After the eraser has
-- deleted a seller's million messages, the account row's DELETE must still walk those (dead)
-- entries for its foreign key check until VACUUM removes them: about 800 index pages instead
-- of 7,000, which is what kept the eraser's last batch over 100 ms.
-- The eraser no longer walks the messages by id, so its cursor goes too.
DROP INDEX messages_author_id_idx;
CREATE INDEX messages_author_id_idx ON messages (author_id);
ALTER TABLE erasure_queue DROP COLUMN messages_from;

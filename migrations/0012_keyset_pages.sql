-- My orders and Messages page by key (app/src/account/store.rs) instead of by OFFSET: each page
-- reads its own rows through an index, in order, however long the history (issue 14, item 5).
--
-- Orders: the buyer's index gets the tie-breaker of the page order (placed_at, number).
DROP INDEX orders_buyer_id_idx;
CREATE INDEX orders_buyer_id_idx ON orders (buyer_id, placed_at, number);

-- Messages: a person sees the messages of the conversations they are in, as the buyer or as the
-- store. Merging a page out of every conversation costs a probe per conversation (a buyer with a
-- thousand conversations: 28 ms); so each message carries its conversation's parties, and each
-- side is one index in page order. A trigger copies them from the conversation on every insert
-- (and if a message ever moved), so no writer can get them wrong. No foreign keys on them: the
-- conversation's own keys hold, and a key on `buyer_id` would make the eraser's last `DELETE`
-- of a huge buyer walk a million dead entries of an index that cannot deduplicate them (see
-- decision 0007). The eraser takes the buyer off the store's replies first (its `replies` step,
-- through `messages_replies_idx`), before it takes the buyer off the conversations.
ALTER TABLE messages ADD COLUMN buyer_id uuid, ADD COLUMN store_id uuid;
UPDATE messages m SET buyer_id = c.buyer_id, store_id = c.store_id FROM conversations c WHERE c.id = m.conversation_id;
ALTER TABLE messages ALTER COLUMN store_id SET NOT NULL;

CREATE FUNCTION messages_copy_parties() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT buyer_id, store_id INTO NEW.buyer_id, NEW.store_id FROM conversations WHERE id = NEW.conversation_id;
    RETURN NEW;
END $$;

CREATE TRIGGER messages_copy_parties BEFORE INSERT OR UPDATE OF conversation_id ON messages
    FOR EACH ROW EXECUTE FUNCTION messages_copy_parties();

CREATE INDEX messages_buyer_id_idx ON messages (buyer_id, sent_at, id);
CREATE INDEX messages_store_id_idx ON messages (store_id, sent_at, id);
-- The store's messages in a buyer's conversations (few; one entry per buyer, deduplicated).
CREATE INDEX messages_replies_idx ON messages (buyer_id) WHERE author_id IS DISTINCT FROM buyer_id;
